"""Business-day arithmetic (whole weeks plus the holidays in between) agrees with counting day by day.

The counting here is the definition: step one day at a time, count the
weekdays that are not public holidays. The arithmetic must give the same
day for every start (weekends and holidays included), every offset either
way, and every calendar: none, whole countries, subdivisions, and spans
over Christmas and New Year where holidays bunch and years change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.businesstime import (
    MAX_OFFSET_DAYS,
    NO_HOLIDAYS,
    Holidays,
    add_business_days,
    business_day_after,
    business_days_between,
    holiday_calendar,
)

CALENDARS = [(None, None), ("GB", "ENG"), ("GB", "SCT"), ("US", None), ("US", "NY"), ("DE", "BY"), ("FR", None),
             ("JP", None), ("NZ", None)]


def counted_after(day: date, n: int, cal: Holidays) -> date:
    step, left = (1 if n >= 0 else -1), abs(n)
    while left:
        day += timedelta(days=step)
        left -= day.weekday() < 5 and day not in cal
    return day


def counted_between(start: date, end: date, cal: Holidays) -> int:
    lo, hi, sign = (start, end, 1) if end >= start else (end, start, -1)
    n = 0
    day = lo
    while day < hi:
        day += timedelta(days=1)
        n += day.weekday() < 5 and day not in cal
    return sign * n


def calendar(pick: tuple[str | None, str | None]) -> Holidays:
    return holiday_calendar(*pick)


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
# Around Christmas and New Year, where several holidays fall in one week and the year changes under the count.
year_ends = st.builds(lambda y, d: date(y, 12, 10) + timedelta(days=d), st.integers(1995, 2050), st.integers(0, 40))
offsets = st.integers(-MAX_OFFSET_DAYS, MAX_OFFSET_DAYS)
small = st.integers(-25, 25)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CALENDARS), st.one_of(days, year_ends), st.one_of(offsets, small))
def test_business_day_after_matches_counting_day_by_day(pick: tuple[str | None, str | None], day: date, n: int) -> None:
    cal = calendar(pick)
    assert business_day_after(day, n, cal) == counted_after(day, n, cal)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CALENDARS), st.one_of(days, year_ends), st.integers(-800, 800))
def test_business_days_between_matches_counting_day_by_day(pick: tuple[str | None, str | None], start: date,
                                                           span: int) -> None:
    cal = calendar(pick)
    end = start + timedelta(days=span)
    assert business_days_between(start, end, cal) == counted_between(start, end, cal)


@settings(max_examples=200, deadline=None)
@given(st.frozensets(st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 2, 28)), max_size=30),
       st.dates(min_value=date(2026, 11, 15), max_value=date(2027, 1, 31)), small)
def test_a_plain_set_of_days_is_counted_day_by_day_with_the_same_answer(cal: frozenset[date], day: date, n: int) -> None:
    assert business_day_after(day, n, cal) == counted_after(day, n, cal)
    end = day + timedelta(days=n * 2)
    assert business_days_between(day, end, cal) == counted_between(day, end, cal)


def test_christmas_and_new_year_in_england_and_scotland() -> None:
    england, scotland = holiday_calendar("GB", "ENG"), holiday_calendar("GB", "SCT")
    # Thu 24 Dec 2026: Christmas (Fri), Boxing Day (Sat) moved to Mon 28, New Year's Day (Fri 1 Jan).
    eve = date(2026, 12, 24)
    assert business_day_after(eve, 1, england) == date(2026, 12, 29)
    assert business_day_after(eve, 4, england) == date(2027, 1, 4)
    # Scotland also keeps 2 January (a Saturday in 2027, so Monday 4 January is off).
    assert business_day_after(eve, 4, scotland) == date(2027, 1, 5)
    assert business_day_after(date(2027, 1, 5), -4, scotland) == eve
    assert business_days_between(eve, date(2027, 1, 5), scotland) == 4
    assert business_days_between(date(2027, 1, 5), eve, scotland) == -4


def test_weekends_and_zero() -> None:
    sat, sun, mon, fri = date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 20)
    assert business_day_after(sat, 1) == mon and business_day_after(sun, 1) == mon
    assert business_day_after(sat, -1) == fri and business_day_after(sun, -1) == fri
    assert business_day_after(sat, 0) == sat
    assert business_days_between(sat, sun) == 0 and business_days_between(fri, mon) == 1
    assert business_day_after(fri, 5, NO_HOLIDAYS) == date(2026, 11, 27)


def test_add_business_days_keeps_the_time_of_day_and_zone() -> None:
    zone = ZoneInfo("Europe/London")
    moment = datetime.combine(date(2026, 12, 24), time(16, 45), zone)
    moved = add_business_days(moment, 3, holiday_calendar("GB", "ENG"))
    assert moved == datetime.combine(date(2026, 12, 31), time(16, 45), zone) and moved.tzinfo is zone
    assert add_business_days(datetime(2026, 11, 20, 9, tzinfo=UTC), 0) == datetime(2026, 11, 20, 9, tzinfo=UTC)
