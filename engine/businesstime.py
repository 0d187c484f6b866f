"""Calendar arithmetic in the company's time zone: business days and call windows.

Business days are Monday to Friday; public holidays are not known to
followup and are counted as business days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

__all__ = ["add_business_days", "business_days_between", "next_call_slot", "parse_window", "CallWindow"]

CallWindow = tuple[time, time]

# F6: not the first hour of the working day, not lunch, not the last hour.
DEFAULT_CALL_WINDOWS: tuple[CallWindow, ...] = ((time(10, 0), time(11, 45)), (time(14, 0), time(16, 30)))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(moment: datetime, n: int) -> datetime:
    """`moment` moved forward by `n` business days (backward if negative), keeping the time of day.

    From a weekend, the count starts at the next Monday (so +1 from Saturday is Tuesday).
    """
    day = moment.date()
    if n == 0:
        return moment
    step = 1 if n > 0 else -1
    weeks, rest = divmod(abs(n), 5)
    day += timedelta(days=7 * weeks * step)
    while rest:
        day += timedelta(days=step)
        if day.weekday() < 5:
            rest -= 1
    if weeks and not rest and day.weekday() >= 5:
        # whole weeks from a weekend day land on a weekend: step to the business day they count to
        while day.weekday() >= 5:
            day -= timedelta(days=step)
    return datetime.combine(day, moment.timetz())


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -business_days_between(end, start)
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    d = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        d += timedelta(days=1)
        if is_business_day(d):
            count += 1
    return count


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


def next_call_slot(moment: datetime, windows: Iterable[CallWindow] = DEFAULT_CALL_WINDOWS) -> datetime:
    """The first moment at or after `moment` that falls inside a call window on a business day."""
    wins = sorted(windows)
    tz = moment.tzinfo
    day = moment.date()
    for _ in range(14):
        if is_business_day(day):
            for start, end in wins:
                lo = datetime.combine(day, start, tz)
                hi = datetime.combine(day, end, tz)
                if moment <= lo:
                    return lo
                if lo <= moment < hi:
                    return moment
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0, 0), tz)
    raise ValueError("no call window in the next two weeks")  # only with empty windows
