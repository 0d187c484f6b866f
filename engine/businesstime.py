"""Calendar arithmetic in the company's time zone: business days, holidays, offsets and call windows.

Business days are Monday to Friday minus the public holidays of the
company's country (and subdivision), taken from the `holidays` library.
Without a country no holiday is known, and every weekday counts.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

__all__ = ["add_business_days", "business_day_after", "business_days_between", "next_call_slot", "parse_window", "CallWindow",
           "is_business_day", "holiday_calendar", "holiday_name", "shift", "NO_HOLIDAYS", "MAX_OFFSET_DAYS",
           "supported_countries", "known_country", "subdivisions_of", "Holidays", "next_business_start", "WORKDAY_START"]

CallWindow = tuple[time, time]

# F6: not the first hour of the working day, not lunch, not the last hour.
DEFAULT_CALL_WINDOWS: tuple[CallWindow, ...] = ((time(10, 0), time(11, 45)), (time(14, 0), time(16, 30)))

# The largest offset a pack may state, so that no pack can make the day counting run for long.
MAX_OFFSET_DAYS = 366

NO_HOLIDAYS: frozenset[date] = frozenset()

# Where a moment that falls on a weekend or holiday is moved: the start of the next working day.
WORKDAY_START = time(9, 0)

Holidays = Container[date]


@lru_cache(maxsize=64)
def holiday_calendar(country: str | None, subdivision: str | None = None) -> Holidays:
    """Public holidays of `country` (ISO 3166 code) and `subdivision`; none without a country.

    Read from `holidays` a year at a time and kept in followup's cache folder
    (see holidaytables.py), so advice does not import `holidays` once its
    years have been read.
    """
    if not country:
        return NO_HOLIDAYS
    from .holidaytables import HolidayTable

    return HolidayTable(country, subdivision)


def holiday_name(day: date, cal: Holidays) -> str | None:
    """The holiday's name, None on an ordinary day."""
    if cal is NO_HOLIDAYS or day not in cal:
        return None
    get: Callable[[date], Any] | None = getattr(cal, "get", None)
    return str(get(day)) if get is not None else "public holiday"


@lru_cache(maxsize=1)
def supported_countries() -> dict[str, tuple[str, ...]]:
    """Country codes `holidays` knows, with their subdivision codes (slow: it reads every country;
    to check one code, see :func:`known_country` and :func:`subdivisions_of`)."""
    import holidays

    return {k: tuple(v) for k, v in holidays.list_supported_countries().items()}


def known_country(code: str) -> bool:
    """`code` (upper case) is a country whose public holidays are known."""
    from .holidaytables import country_codes

    return code in country_codes()


def subdivisions_of(country: str) -> tuple[str, ...]:
    """The subdivision codes of a known country."""
    from .holidaytables import subdivisions

    return subdivisions(country)


def is_business_day(day: date, cal: Holidays = NO_HOLIDAYS) -> bool:
    return day.weekday() < 5 and (cal is NO_HOLIDAYS or day not in cal)


def add_business_days(moment: datetime, n: int, cal: Holidays = NO_HOLIDAYS) -> datetime:
    """`moment` moved by `n` business days (backward if negative), keeping the time of day.

    From a weekend or holiday, the next business day is the first counted (so
    +1 from Saturday is Monday).
    """
    if n == 0:
        return moment
    return datetime.combine(business_day_after(moment.date(), n, cal), moment.timetz())


def business_day_after(day: date, n: int, cal: Holidays = NO_HOLIDAYS) -> date:
    """The day `n` business days after `day` (before it if negative; `day` itself when 0).

    Counted in whole weeks, then the holidays that fell on weekdays in the
    days passed are made up for, until none is left: a few steps however far
    the offset reaches (this runs for every due time and window of a case the
    first time it is evaluated; walking day by day was a fifth of that).
    """
    if n == 0:
        return day
    count = _holiday_counter(cal)
    if count is None:  # a calendar that can only answer day by day
        return _walk_business_days(day, n, cal)
    if n > 0:
        first, end = day + _DAY, _add_weekdays(day, n)
        while (missed := count(first, end)):
            first, end = end + _DAY, _add_weekdays(end, missed)
        return end
    last, end = day - _DAY, _sub_weekdays(day, -n)
    while (missed := count(end, last)):
        last, end = end - _DAY, _sub_weekdays(end, missed)
    return end


_DAY = timedelta(days=1)


def _add_weekdays(day: date, n: int) -> date:
    """The n-th weekday after `day` (n > 0); weekends only, no holidays."""
    w = day.weekday()
    if w >= 5:  # from a weekend, count as from its Friday: the next weekday is the same Monday
        day -= timedelta(days=w - 4)
        w = 4
    weeks, rest = divmod(n, 5)
    return day + timedelta(days=weeks * 7 + rest + (2 if w + rest >= 5 else 0))


def _sub_weekdays(day: date, n: int) -> date:
    """The n-th weekday before `day` (n > 0); weekends only, no holidays."""
    w = day.weekday()
    if w >= 5:  # from a weekend, count as from its Monday: the weekday before is the same Friday
        day += timedelta(days=7 - w)
        w = 0
    weeks, rest = divmod(n, 5)
    return day - timedelta(days=weeks * 7 + rest + (2 if w - rest < 0 else 0))


def _walk_business_days(day: date, n: int, cal: Holidays) -> date:
    step = _DAY if n > 0 else -_DAY
    rest = abs(n)
    while rest:
        day += step
        if is_business_day(day, cal):
            rest -= 1
    return day


def _holiday_counter(cal: Holidays) -> Callable[[date, date], int] | None:
    """How many holidays fall on weekdays from one day to another (both included); None: ask day by day."""
    if cal is NO_HOLIDAYS:
        return _no_holidays
    counter: Callable[[date, date], int] | None = getattr(cal, "weekday_holidays", None)
    return counter


def _no_holidays(first: date, last: date) -> int:
    return 0


def business_days_between(start: date, end: date, cal: Holidays = NO_HOLIDAYS) -> int:
    """Business days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -business_days_between(end, start, cal)
    if end == start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    w = start.weekday()
    count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (w + i) % 7 < 5)
    if cal is NO_HOLIDAYS:
        return count
    holidays = _holiday_counter(cal)
    if holidays is not None:
        return count - holidays(start + _DAY, end)
    return count - sum(1 for i in range(1, (end - start).days + 1)
                       if (d := start + timedelta(days=i)).weekday() < 5 and d in cal)


def shift(base: datetime, tz: Any, *, hours: float | None = None, days: int | None = None,
          business_days: int | None = None, clock: time | None = None, cal: Holidays = NO_HOLIDAYS,
          at_least_hours: float | None = None) -> datetime:
    """`base` moved by one offset, then set to `clock` on the resulting day (company time zone `tz`).

    Hours are elapsed hours (a DST change in between does not shift them);
    days and business days keep the time of day unless `clock` sets it.
    `at_least_hours` is a floor: never earlier than that long after `base`.
    """
    if hours is not None:
        moment = (base.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)
    else:
        if business_days is not None:
            moment = add_business_days(base, business_days, cal)
        else:
            moment = datetime.combine(base.date() + timedelta(days=days or 0), base.timetz())
        if clock is not None:
            moment = datetime.combine(moment.date(), clock, tz)
    if at_least_hours is not None:
        floor = (base.astimezone(UTC) + timedelta(hours=at_least_hours)).astimezone(tz)
        moment = max(moment, floor)
    return moment


def next_business_start(moment: datetime, cal: Holidays = NO_HOLIDAYS) -> datetime:
    """`moment` itself on a business day; else the start of the next business day.

    Moving to one fixed hour keeps the order of any two moments (never
    reverses it), so a window's opening, due time and expiry stay in order.
    """
    day = moment.date()
    if is_business_day(day, cal):
        return moment
    for _ in range(31):
        day += timedelta(days=1)
        if is_business_day(day, cal):
            break
    return datetime.combine(day, WORKDAY_START, moment.tzinfo)


def parse_window(text: str) -> CallWindow:
    """`"10:00-11:45"` to a pair of times; ValueError with the reason otherwise."""
    try:
        a, b = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(a), time.fromisoformat(b)
    except ValueError:
        raise ValueError(f"{text!r} is not a time range like 10:00-11:45") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def next_call_slot(moment: datetime, windows: Iterable[CallWindow] = DEFAULT_CALL_WINDOWS,
                   cal: Holidays = NO_HOLIDAYS) -> datetime:
    """The first moment at or after `moment` inside a call window on a business day (not a holiday)."""
    wins = sorted(windows)
    tz = moment.tzinfo
    day = moment.date()
    for _ in range(31):  # the longest run of non-business days anywhere is well under a month
        if is_business_day(day, cal):
            for start, end in wins:
                lo = datetime.combine(day, start, tz)
                hi = datetime.combine(day, end, tz)
                if moment <= lo:
                    return lo
                if lo <= moment < hi:
                    return moment
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0, 0), tz)
    raise ValueError("no call window in the next month")  # only with empty windows
