"""Holiday tables kept in the cache folder answer exactly as the `holidays` library does, cached or not."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from followup import holidaytables, usercache
from followup.businesstime import holiday_calendar, holiday_name, known_country, subdivisions_of

CASES = [("GB", None), ("GB", "SCT"), ("US", "CA"), ("DE", "BY"), ("FR", None), ("JP", None), ("UK", None)]


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    holidaytables.country_codes.cache_clear()
    holidaytables.subdivisions.cache_clear()
    return folder


def days(start: date, n: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=i * step) for i in range(n)]


@pytest.mark.parametrize(("country", "subdivision"), CASES)
def test_every_day_reads_as_in_holidays_first_run_and_from_the_cache(empty_cache: Path, country: str,
                                                                     subdivision: str | None) -> None:
    span = days(date(2025, 12, 1), 800) + days(date(2031, 1, 1), 20)
    for run in ("computed", "cached"):
        reference = holidays.country_holidays(country, subdiv=subdivision)
        table = holidaytables.HolidayTable(country, subdivision)
        order = span if run == "computed" else list(reversed(span))  # the order of first questions does not matter
        assert [d in table for d in order] == [d in reference for d in order], run
        assert [table.get(d) for d in order] == [reference.get(d) for d in order], run
        assert [holiday_name(d, table) for d in order] == [holiday_name(d, reference) for d in order]
    assert any(empty_cache.rglob("*.json"))


def test_a_datetime_is_asked_about_its_day(empty_cache: Path) -> None:
    table = holidaytables.HolidayTable("GB")
    assert datetime(2026, 12, 25, 15, 0) in table
    assert "not a date" not in table


def test_country_codes_and_subdivisions_match_holidays_own_list(empty_cache: Path) -> None:
    listed = holidays.list_supported_countries()
    for _ in range(2):  # computed, then read back
        holidaytables.country_codes.cache_clear()
        holidaytables.subdivisions.cache_clear()
        assert holidaytables.country_codes() == frozenset(listed)
        for code in ("GB", "US", "DE", "UK", "GBR", "AU"):
            assert known_country(code)
            assert subdivisions_of(code) == tuple(listed[code])
    assert not known_country("XX")


def test_a_corrupt_or_foreign_entry_is_rebuilt_silently(empty_cache: Path) -> None:
    reference = holidays.country_holidays("GB")
    table = holidaytables.HolidayTable("GB")
    assert date(2026, 12, 25) in table
    entries = list(empty_cache.rglob("*.json"))
    assert entries
    for i, entry in enumerate(entries):
        entry.write_bytes([b"{not json", b'{"format": 1, "key": "other", "data": []}',
                           b'{"format": 1, "data": [["2026-13-45", 3]]}'][i % 3])
    holidaytables.country_codes.cache_clear()
    again = holidaytables.HolidayTable("GB")
    span = days(date(2026, 1, 1), 366)
    assert [d in again for d in span] == [d in reference for d in span]
    assert holidaytables.country_codes() == frozenset(holidays.list_supported_countries())


def test_an_entry_that_someone_else_can_write_is_not_read(empty_cache: Path) -> None:
    usercache.write_entry("probe", "k", {"x": 1})
    assert usercache.read_entry("probe", "k") == {"x": 1}
    (entry,) = (empty_cache / "probe").glob("*.json")
    os.chmod(entry, 0o666)
    assert usercache.read_entry("probe", "k") is None
    os.chmod(entry, 0o600)
    assert usercache.read_entry("probe", "k") == {"x": 1}
    assert usercache.read_entry("probe", "another key") is None


def test_no_cache_folder_means_no_cache_and_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(usercache.ENV_VAR, "")
    assert usercache.cache_dir() is None
    usercache.write_entry("probe", "k", 1)
    assert usercache.read_entry("probe", "k") is None
    assert date(2026, 12, 25) in holiday_calendar("GB", None)


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(usercache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert usercache.cache_dir() == tmp_path / "followup"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert usercache.cache_dir() == tmp_path / ".cache" / "followup"


def test_an_unwritable_folder_costs_speed_not_the_answer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocked = tmp_path / "file-in-the-way"
    blocked.write_text("not a folder")
    monkeypatch.setenv(usercache.ENV_VAR, str(blocked / "cache"))
    reference = holidays.country_holidays("FR")
    table = holidaytables.HolidayTable("FR")
    span = days(date(2027, 1, 1), 365)
    assert [d in table for d in span] == [d in reference for d in span]
