"""Public holidays and country codes from the `holidays` library, kept in followup's cache folder.

Asking `holidays` about one country imports its table of every country
(hundreds of modules: a third of a second, longer than a whole evaluation
run), and listing the countries it knows does the same. What followup needs
is small and fixed for a given installation of `holidays`: the codes it
knows, the subdivisions of a country, the holidays of one year. Those are
computed by `holidays` itself the first time and kept as plain data (see
:mod:`followup.usercache`), keyed by where `holidays` is installed and the
size and time of its files, so an upgrade of `holidays` rebuilds them.

:class:`HolidayTable` answers as the `holidays` object it stands for: a year
is filled in when a day of it is first asked about, with exactly the days and
names `holidays` gives for that year.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from . import usercache

__all__ = ["HolidayTable", "country_codes", "subdivisions", "library_stamp"]

_KIND = "holidays"


@lru_cache(maxsize=1)
def library_stamp() -> str:
    """Where `holidays` is installed and the size and time of its core files ("" when it cannot be found)."""
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("holidays")  # finds the package without importing it
    except (ImportError, ValueError):
        return ""
    if spec is None or not spec.submodule_search_locations:
        return ""
    root = next(iter(spec.submodule_search_locations))
    parts = [root]
    for name in ("registry.py", "holiday_base.py", "version.py"):
        try:
            st = os.stat(os.path.join(root, name))
        except OSError:
            return ""
        parts.append(f"{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _cached(key: str, compute: Any) -> Any:
    stamp = library_stamp()
    if not stamp:
        return compute()
    full = f"{key}|{stamp}"
    found = usercache.read_entry(_KIND, full)
    if found is not None:
        return found
    value = compute()
    usercache.write_entry(_KIND, full, value)
    return value


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Every country code `holidays` accepts (ISO 3166 alpha-2 and alpha-3, and its aliases such as UK)."""

    def compute() -> list[str]:
        from holidays.registry import EntityLoader

        return sorted(EntityLoader.get_country_codes(include_aliases=True))

    found = _cached("codes", compute)
    if not isinstance(found, list) or not all(isinstance(c, str) for c in found):
        found = compute()
    return frozenset(found)


@lru_cache(maxsize=64)
def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes `holidays` knows for `country` (a code from :func:`country_codes`)."""

    def compute() -> list[str]:
        import holidays

        return [str(s) for s in getattr(holidays, country).subdivisions]

    found = _cached(f"subdivisions|{country}", compute)
    if not isinstance(found, list) or not all(isinstance(c, str) for c in found):
        found = compute()
    return tuple(found)


def _year_of(country: str, subdivision: str | None, year: int) -> list[list[Any]]:
    import holidays

    cal = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return [[day.isoformat(), str(name)] for day, name in sorted(cal.items())]


class HolidayTable:
    """The public holidays of one country (and subdivision), a year at a time, as `holidays` gives them.

    Thread-safe: a year is filled in once, under a lock.
    """

    def __init__(self, country: str, subdivision: str | None = None) -> None:
        self.country = country
        self.subdivision = subdivision
        self._days: dict[date, str] = {}
        self._years: set[int] = set()
        # The days of the years filled in that fall on a weekday, as sorted ordinals: counting the
        # holidays between two days is then two bisections (businesstime's business-day arithmetic).
        self._weekdays: list[int] = []
        self._lock = threading.Lock()

    def _fill(self, year: int) -> None:
        with self._lock:
            if year in self._years:
                return
            rows = _cached(f"year|{self.country}|{self.subdivision or ''}|{year}",
                           lambda: _year_of(self.country, self.subdivision, year))
            days = _parse_rows(rows)
            if days is None:  # an entry that is not what this module writes: ask `holidays` again
                days = _parse_rows(_year_of(self.country, self.subdivision, year)) or []
            for day, name in days:
                old = self._days.get(day)
                # as `holidays` itself merges two holidays on one day
                self._days[day] = name if old is None or old == name else "; ".join(
                    sorted(set(old.split("; ")) | set(name.split("; "))))
            self._weekdays = sorted(day.toordinal() for day in self._days if day.weekday() < 5)
            self._years.add(year)

    def __contains__(self, day: object) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        if not isinstance(day, date):
            return False
        if day.year not in self._years:
            self._fill(day.year)
        return day in self._days

    def get(self, day: date, default: str | None = None) -> str | None:
        if isinstance(day, datetime):
            day = day.date()
        if day.year not in self._years:
            self._fill(day.year)
        return self._days.get(day, default)

    def weekday_holidays(self, first: date, last: date) -> int:
        """How many of the holidays from `first` to `last` (both included) fall on a weekday."""
        if last < first:
            return 0
        for year in range(first.year, last.year + 1):
            if year not in self._years:
                self._fill(year)
        days = self._weekdays
        return bisect_right(days, last.toordinal()) - bisect_left(days, first.toordinal())

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"HolidayTable({where})"


def _parse_rows(rows: Any) -> list[tuple[date, str]] | None:
    if not isinstance(rows, list):
        return None
    out: list[tuple[date, str]] = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], str)):
            return None
        try:
            out.append((date.fromisoformat(row[0]), row[1]))
        except ValueError:
            return None
    return out
