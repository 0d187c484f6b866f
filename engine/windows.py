"""When an action is worth doing: its `due` time, the window (`opens`, `expires`) around it, and the checks
that a window makes sense (validate reports them at file:line:col).

The arithmetic is businesstime's; this module only says what a pack may write.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from .businesstime import MAX_OFFSET_DAYS, shift
from .catalogue import (
    EVENTS,
    SCHEDULED_EVENTS,
    AnchorName,
    EventName,
    WindowAnchorName,
)

Anchor = AnchorName
WindowAnchor = WindowAnchorName
Event = EventName

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

if TYPE_CHECKING:
    from .packs import Rule

__all__ = ["PackModel", "Due", "Opens", "Ahead", "Expires", "check_window_order", "check_windows"]


class PackModel(BaseModel):
    """Base of every pack model: strict, frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


_Model = PackModel

_MAX_DAYS = MAX_OFFSET_DAYS
_MAX_HOURS = 24.0 * MAX_OFFSET_DAYS


def _check_offsets(model: Any) -> None:
    given = [n for n in ("hours", "days", "business_days") if getattr(model, n) is not None]
    if len(given) > 1:
        raise PydanticCustomError("due_offsets", "give one offset, not {given}",
                                  {"given": " and ".join(given), "hint": "keep one of them"})
    clock = getattr(model, "time", None)
    if clock is not None and not _HHMM.fullmatch(clock):
        # `field`: the error is about `time`, not the whole mapping (yamlio locates it there)
        raise PydanticCustomError("due_time", "time `{time}` is not HH:MM (24-hour)",
                                  {"time": clock[:40], "field": "time",
                                   "hint": "write the time of day as HH:MM, e.g. 09:30 or 14:00"})
    if clock is not None and model.hours is not None:
        raise PydanticCustomError("due_offsets", "`time` goes with `days` or `business_days`, not `hours`",
                                  {"field": "time", "hint": "use `days: N` with `time`, or drop `time`"})


class Due(_Model):
    """When an action is due: an anchor plus an offset, optionally at a time of day."""

    from_: Anchor = Field(alias="from", description="What the due time counts from.")
    hours: float | None = Field(default=None, ge=0, le=_MAX_HOURS, description="Offset in hours.")
    days: int | None = Field(default=None, ge=0, le=_MAX_DAYS, description="Offset in calendar days.")
    business_days: int | None = Field(default=None, ge=0, le=_MAX_DAYS,
                                      description="Offset in business days (Mon-Fri, skipping the company's public holidays).")
    time: str | None = Field(default=None, description="Time of day (HH:MM, company time zone) on the resulting day.")
    at_least_hours: float | None = Field(
        default=None, ge=0, le=48,
        description="Never due earlier than this many hours after the anchor (e.g. 2 for a thank-you due \"that "
                    "evening\" after an evening interview). Without it, a time of day already past is moved to the anchor.")

    @model_validator(mode="after")
    def _one_offset(self) -> Due:
        _check_offsets(self)
        return self


class Opens(_Model):
    """When an action becomes worth doing: an anchor plus an offset (negative: before the anchor)."""

    from_: WindowAnchor = Field(alias="from", description="What the opening counts from; an unknown anchor sets no opening.")
    hours: float | None = Field(default=None, ge=-_MAX_HOURS, le=_MAX_HOURS, description="Offset in hours.")
    days: int | None = Field(default=None, ge=-_MAX_DAYS, le=_MAX_DAYS, description="Offset in calendar days.")
    business_days: int | None = Field(default=None, ge=-_MAX_DAYS, le=_MAX_DAYS, description="Offset in business days.")
    time: str | None = Field(default=None, description="Time of day (HH:MM, company time zone) on the resulting day.")

    @model_validator(mode="after")
    def _one_offset(self) -> Opens:
        _check_offsets(self)
        return self


class Ahead(_Model):
    """How long before a scheduled event a window closes."""

    hours: float | None = Field(default=None, ge=0, le=_MAX_HOURS, description="Hours before the event.")
    days: int | None = Field(default=None, ge=0, le=_MAX_DAYS, description="Calendar days before the event.")
    business_days: int | None = Field(default=None, ge=0, le=_MAX_DAYS, description="Business days before the event.")

    @model_validator(mode="after")
    def _one_offset(self) -> Ahead:
        _check_offsets(self)
        if self.hours is None and self.days is None and self.business_days is None:
            raise PydanticCustomError("ahead", "give `hours`, `days` or `business_days`", {})
        return self


class Expires(_Model):
    """When an action stops making sense: a moment (like `opens`), events, or both; the earliest wins."""

    from_: WindowAnchor | None = Field(default=None, alias="from", description="What the expiry counts from; an unknown anchor sets no expiry.")
    hours: float | None = Field(default=None, ge=-_MAX_HOURS, le=_MAX_HOURS, description="Offset in hours.")
    days: int | None = Field(default=None, ge=-_MAX_DAYS, le=_MAX_DAYS, description="Offset in calendar days.")
    business_days: int | None = Field(default=None, ge=-_MAX_DAYS, le=_MAX_DAYS, description="Offset in business days.")
    time: str | None = Field(default=None, description="Time of day (HH:MM, company time zone) on the resulting day.")
    on: list[Event] = Field(default_factory=list, description="Events that close the window: " + "; ".join(
        f"{k}: {v}" for k, v in EVENTS.items()) + ".")
    ahead: Ahead | None = Field(default=None, description="Close this long before the scheduled events in `on` "
                                "(decision_date, second_round, answer_by).")
    then: str | None = Field(default=None, description="Id of the rule that takes over once this window has closed "
                             "(it opens when this one expires).")

    @model_validator(mode="after")
    def _shape(self) -> Expires:
        _check_offsets(self)
        has_offset = any(getattr(self, n) is not None for n in ("hours", "days", "business_days", "time"))
        if self.from_ is None and not self.on:
            raise PydanticCustomError("expires", "say when the window closes: `from:` an anchor with an offset, "
                                      "`on:` events, or both", {})
        if self.from_ is None and has_offset:
            raise PydanticCustomError("expires", "an offset needs `from:` (the anchor it counts from)", {})
        if self.ahead is not None and not SCHEDULED_EVENTS.intersection(self.on):
            raise PydanticCustomError("expires", "`ahead` applies to scheduled events; add decision_date, "
                                      "second_round or answer_by to `on`", {})
        return self


# Anchor moments to try a window on: two weeks of days at night, morning, afternoon and evening.
_SAMPLES = tuple(datetime(2026, 11, 16, h, m, tzinfo=UTC) + timedelta(days=d)
                 for d in range(14) for h, m in ((0, 30), (9, 0), (14, 0), (19, 30), (23, 30)))
# Anchors that are one moment of the interview day: comparable with each other.
_DAY_ANCHORS = frozenset({"interview_end", "interview_day"})


def _moment(spec: Due | Opens | Expires, end: datetime) -> datetime | None:
    """`spec` applied to a sample interview end (None when its anchor is not one of the interview's)."""
    anchor = spec.from_
    if anchor == "interview_end":
        base = end
    elif anchor == "interview_day":
        base = datetime.combine(end.date(), datetime.min.time(), end.tzinfo)
    else:
        return None
    return shift(base, UTC, hours=spec.hours, days=spec.days, business_days=spec.business_days,
                 clock=dt_time.fromisoformat(spec.time) if spec.time else None,
                 at_least_hours=getattr(spec, "at_least_hours", None))


def _first_sample(a: Due | Opens | Expires, b: Due | Opens | Expires, later: bool) -> datetime | None:
    """An interview end for which `a` falls before `b` (after it with `later`), if `a` and `b` are comparable."""
    same = a.from_ == b.from_ or {a.from_, b.from_} <= _DAY_ANCHORS
    if not same or a.from_ is None:
        return None
    for end in _SAMPLES:
        if a.from_ in _DAY_ANCHORS:
            x, y = _moment(a, end), _moment(b, end)
        else:  # same event anchor: try it as if it were the interview end
            x = _moment(a.model_copy(update={"from_": "interview_end"}), end)
            y = _moment(b.model_copy(update={"from_": "interview_end"}), end)
        if x is not None and y is not None and (x > y if later else x < y):
            return end
    return None


def check_window_order(rule: Rule, here: tuple[str | int, ...], report: Any) -> None:
    """`opens` <= `due` <= `expires`, and `opens` < `expires`, wherever they count from comparable anchors."""
    o, d, e = rule.opens, rule.due, rule.expires
    if d is not None and d.from_ != "now":
        if o is not None and (end := _first_sample(o, d, later=True)) is not None:
            report(here + ("opens",), f"`opens` comes after `due` (e.g. for an interview ending {end:%a %H:%M})",
                   "a window opens before its due time: move `opens` earlier or `due` later")
        if e is not None and e.from_ is not None and (end := _first_sample(e, d, later=False)) is not None:
            report(here + ("expires",), f"`expires` comes before `due` (e.g. for an interview ending {end:%a %H:%M}): "
                   "the action would disappear before it is due",
                   "move `expires` later than the due time, or `due` earlier")
    if o is not None and e is not None and e.from_ is not None and (
            _first_sample(e, o, later=False) is not None or _same_moment(o, e)):
        report(here + ("expires",), "`expires` is not after `opens`: the window never opens",
               "move `expires` later than `opens`")
    if e is not None and e.then == rule.id:
        report(here + ("expires", "then"), "a rule cannot take over from itself",
               "name another rule in `then`, or remove it")


def _same_moment(a: Opens, b: Expires) -> bool:
    return b.from_ is not None and a.model_dump(exclude={"on", "ahead", "then"}) == b.model_dump(exclude={"on", "ahead", "then"})


def check_windows(rules: list[Rule], report: Any, where: Any) -> None:
    """Across rules: every `expires.then` names another rule of the pack (`where(i)` locates rule i)."""
    ids = [r.id for r in rules]
    taken: dict[str, Rule] = {}  # replacement -> the rule it takes over from
    for i, rule in enumerate(rules):
        then = rule.expires.then if rule.expires else None
        if then is not None and then != rule.id and then not in ids:
            guess = difflib.get_close_matches(then, ids, n=1)
            report(where(i) + ("expires", "then"), f"`then: {then}` names no rule of this pack",
                   (f"did you mean `{guess[0]}`? " if guess else "") + "give the id of the rule that takes over")
        elif then is not None and then in taken:
            # A replacement opens when the rule it follows expires. Rules that close at the same moment (a card
            # or an email thank-you) can share one; otherwise the opening would depend on which one it was.
            first = taken[then]
            assert first.expires is not None and rule.expires is not None
            if first.expires.model_dump(exclude={"then"}) != rule.expires.model_dump(exclude={"then"}):
                report(where(i) + ("expires", "then"),
                       f"`then: {then}` already takes over from rule `{first.id}`, whose window closes differently",
                       f"give `{rule.id}` the same `expires` as `{first.id}`, or copy `{then}` under a new id "
                       f"for `{rule.id}`")
        elif then is not None:
            taken[then] = rule
