"""Times as people type them: "18:40", "yesterday 18:40", "2026-11-17 18:40", "in 3 days".

Used wherever a person enters a time (`followup init`, `followup record`,
`snooze --until`) and for times without a UTC offset in a facts file: a
time without an offset is read in the company's time zone, with the offset
that zone has on that date (London is +00:00 in November, +01:00 in June).
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel

from .errors import InputError, Problem

__all__ = ["WhenError", "parse_when", "localize", "localize_naive_times", "FORMS"]

FORMS = ('"now", "18:40", "today 18:40", "yesterday 18:40", "monday 9:00", "2026-11-17 18:40", '
         '"2026-11-17T18:40+00:00", "in 3 days", "2 hours ago"')

Direction = Literal["past", "future"]

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"minute": 60, "min": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400, "week": 604800, "w": 604800}
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")
_RELATIVE = re.compile(r"^(?:in\s+)?\+?(?P<n>\d+)\s*(?P<unit>minutes?|mins?|hours?|h|days?|d|weeks?|w)(?P<ago>\s+ago)?$")


class WhenError(InputError):
    """A time that cannot be read."""


def _fail(text: str, what: str, hint: str | None = None) -> WhenError:
    return WhenError(Problem(f"{what} {text!r} is not a time I can read", path=(what.strip("-"),),
                             hint=hint or f"write one of: {FORMS}", code="when"))


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """`naive` read as wall-clock time in `tz`; a time skipped by a clock change is an error."""
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive.replace(tzinfo=None):
        raise WhenError(Problem(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz} (the clocks went forward)",
                                hint="give a time an hour later, or write it with its UTC offset", code="when"))
    return aware


def _clock(text: str) -> time | None:
    m = _CLOCK.match(text)
    if not m:
        return None
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_when(text: str, tz: tzinfo | str, now: datetime | None = None, *, direction: Direction = "past",
               default_time: time | None = None, what: str = "time") -> datetime:
    """Read `text` as a moment in `tz`, relative to `now` (default: the current time).

    A weekday name means the latest such day (`direction="past"`, for things
    done) or the next one (`"future"`, for deadlines and snoozes). A date
    without a time takes `default_time`, and is an error without one.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    current = (now or datetime.now(UTC)).astimezone(zone)
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise _fail(text, what)
    if raw == "now":
        return current.replace(microsecond=0)
    m = _RELATIVE.match(raw)
    if m:
        unit = m["unit"].rstrip("s") if m["unit"] not in ("h", "d", "w") else m["unit"]
        delta = timedelta(seconds=int(m["n"]) * _UNITS[unit])
        return (current - delta if m["ago"] else current + delta).replace(microsecond=0)
    iso = _iso(text.strip())
    if iso is not None:
        if iso.tzinfo is not None:
            return iso.astimezone(zone)
        if len(text.strip()) <= 10:  # a date alone
            if default_time is None:
                raise _fail(text, what, f"add the time of day, e.g. {text.strip()} 18:40")
            iso = datetime.combine(iso.date(), default_time)
        return localize(iso, zone)
    day_word, _, rest = raw.partition(" ")
    day = _day(day_word, current.date(), direction)
    if day is not None:
        if not rest:
            if default_time is None:
                raise _fail(text, what, f"add the time of day, e.g. {day_word} 18:40")
            return localize(datetime.combine(day, default_time), zone)
        clock = _clock(rest.removeprefix("at "))
        if clock is None:
            raise _fail(text, what)
        return localize(datetime.combine(day, clock), zone)
    clock = _clock(raw)
    if clock is not None:
        return localize(datetime.combine(current.date(), clock), zone)
    raise _fail(text, what)


def _iso(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _day(word: str, today: date, direction: Direction) -> date | None:
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    for i, name in enumerate(_DAYS):
        if len(word) >= 3 and name.startswith(word):
            if direction == "past":
                back = (today.weekday() - i) % 7
                return today - timedelta(days=back)
            ahead = (i - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None


# --- times without an offset in facts ------------------------------------------------

_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def localize_naive_times(data: Any, model: type[BaseModel]) -> Any:
    """Facts data with every date-time written without an offset given the company's (the zone's on that date).

    Only fields the model types as date-times are touched, and only when
    `position.timezone` names a known zone; anything else is left for the
    validator to report.
    """
    if not isinstance(data, Mapping):
        return data
    position = data.get("position")
    zone_name = position.get("timezone") if isinstance(position, Mapping) else None
    if not isinstance(zone_name, str):
        return data
    try:
        zone = ZoneInfo(zone_name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: `America` is a folder, a long name too long
        return data
    return _walk(data, _shape(model), zone)


# What _walk needs to know of a field's type annotation: is it a date-time, the
# annotation of its list items (a list), the model inside it (a mapping). Reading
# annotations costs far more than walking the data, so each is read once: the
# annotations met are those of the models' fields, a fixed few.
Shape = tuple[bool, Any, "type[BaseModel] | None"]
_SHAPES: dict[int, tuple[Any, Shape | None]] = {}


def _shape(annotation: Any) -> Shape | None:
    """None when nothing under the annotation can be a date-time: the value is kept as it is."""
    hit = _SHAPES.get(id(annotation))
    if hit is not None and hit[0] is annotation:
        return hit[1]
    shape: Shape | None = (_is_datetime(annotation), _list_item(annotation), _model_in(annotation))
    if shape == (False, None, None):
        shape = None
    _SHAPES[id(annotation)] = (annotation, shape)  # the annotation is kept, so its id stays its own
    return shape


@functools.cache
def _field_shapes(model: type[BaseModel]) -> dict[str, Shape | None]:
    """A model's fields by the key they are written with."""
    return {(f.alias or name): _shape(f.annotation) for name, f in model.model_fields.items()}


def _walk(value: Any, shape: Shape | None, zone: ZoneInfo) -> Any:
    if shape is None:
        return value
    if isinstance(value, str):
        if shape[0] and _NAIVE.match(value.strip()):
            try:
                return localize(datetime.fromisoformat(value.strip()), zone).isoformat()
            except (ValueError, OverflowError, WhenError):  # near year 1 or 9999: the validator reports it
                return value
        return value
    if isinstance(value, list):
        inner = shape[1]
        if inner is None:
            return value
        item = _shape(inner)
        return [_walk(v, item, zone) for v in value]
    if isinstance(value, Mapping):
        model = shape[2]
        if model is None:
            return value
        fields = _field_shapes(model)
        return {k: _walk(v, fields[k], zone) if k in fields else v for k, v in value.items()}
    return value


def _is_datetime(annotation: Any) -> bool:
    if annotation is datetime or annotation is AwareDatetime or (
            isinstance(annotation, type) and issubclass(annotation, datetime)):
        return True
    return any(_is_datetime(a) for a in typing.get_args(annotation))


def _list_item(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        found = _list_item(arg)
        if found is not None:
            return found
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is list:
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
