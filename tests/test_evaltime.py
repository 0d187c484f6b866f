"""The evaluation time: always shown with its source, honoured the same from a path, stdin and the API; no traps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli
from followup.errors import FactsError
from followup.when import WhenError, parse_when

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
LONDON = ZoneInfo("Europe/London")


def test_file_time_is_honoured_from_a_path_from_stdin_and_through_the_api() -> None:
    runner = CliRunner()
    by_path = json.loads(runner.invoke(cli, ["advise", str(JUST_AFTER), "--format", "json"]).output)
    text = JUST_AFTER.read_text(encoding="utf-8")
    by_stdin = json.loads(runner.invoke(cli, ["advise", "-", "--format", "json"], input=text).output)
    api = followup.advise(str(JUST_AFTER))
    assert by_path["at"] == by_stdin["at"] == "2026-11-17T16:00:00Z" == api.at.isoformat().replace("+00:00", "Z")
    assert by_path["at_source"] == by_stdin["at_source"] == api.at_source == "file"
    given = followup.advise(str(JUST_AFTER), at="2026-11-18T09:00")
    assert given.at_source == "given" and given.notices == []


def test_the_output_says_where_the_time_came_from() -> None:
    runner = CliRunner()
    from_file = runner.invoke(cli, ["advise", str(JUST_AFTER)]).output
    assert "As of Tue 17 Nov 2026 16:00 Europe/London (from the file's `# at:` line)" in from_file
    asked = runner.invoke(cli, ["advise", str(JUST_AFTER), "--at", "2026-11-18 09:00"]).output
    assert "As of Wed 18 Nov 2026 09:00 Europe/London (as asked)" in asked
    text = "\n".join(line for line in JUST_AFTER.read_text().splitlines() if not line.startswith("# at:"))
    now = runner.invoke(cli, ["advise", "-"], input=text).output
    assert "(now)" in now.splitlines()[2]


def test_a_file_time_days_behind_the_clock_is_flagged() -> None:
    out = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--format", "markdown"]).output
    stale = datetime.now(UTC) - datetime(2026, 11, 17, 16, tzinfo=UTC) > timedelta(days=2)
    assert ("line 2 fixes the time at Tue 17 Nov 2026 16:00" in out) is stale
    if stale:
        assert "delete that `# at:` line or pass --at now" in out


def test_a_time_before_the_interview_ended_is_an_error_with_the_fix(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--at", "2026-11-17T14:30"])
    assert out.exit_code == 2
    assert "before the interview ended (Tue 17 Nov 2026 15:00)" in out.output and "2026-11-17 15:00" in out.output
    early = tmp_path / "early.yaml"
    early.write_text(JUST_AFTER.read_text().replace("# at: 2026-11-17T16:00:00+00:00", "# at: 2026-11-17T14:00"))
    out = CliRunner().invoke(cli, ["advise", str(early)])
    assert out.exit_code == 2 and f"{early}:2:1" in out.output and "change or delete line 2" in out.output
    with pytest.raises(FactsError, match="before the interview ended"):
        followup.advise(str(JUST_AFTER), at=datetime(2026, 11, 17, 14, tzinfo=LONDON))


@pytest.mark.parametrize("text, expected", [
    ("18:40", datetime(2026, 11, 18, 18, 40, tzinfo=LONDON)),
    ("yesterday 18:40", datetime(2026, 11, 17, 18, 40, tzinfo=LONDON)),
    ("2026-11-17 18:40", datetime(2026, 11, 17, 18, 40, tzinfo=LONDON)),
    ("2026-06-17 18:40", datetime(2026, 6, 17, 18, 40, tzinfo=LONDON)),
    ("2026-11-17T18:40+01:00", datetime(2026, 11, 17, 17, 40, tzinfo=LONDON)),
    ("monday 9am", datetime(2026, 11, 16, 9, 0, tzinfo=LONDON)),
    ("2 hours ago", datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)),
    ("now", datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)),
])
def test_natural_times_are_read_in_the_zone(text: str, expected: datetime) -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)  # a Wednesday
    got = parse_when(text, "Europe/London", now)
    assert got == expected and got.utcoffset() == expected.utcoffset()


def test_future_weekdays_dates_without_time_and_skipped_times() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)
    assert parse_when("mon 9:00", LONDON, now, direction="future") == datetime(2026, 11, 23, 9, tzinfo=LONDON)
    assert parse_when("in 3 days", LONDON, now) == now + timedelta(days=3)
    with pytest.raises(WhenError, match="add the time of day"):
        parse_when("2026-11-20", LONDON, now)
    from datetime import time
    assert parse_when("2026-11-20", LONDON, now, default_time=time(17)).hour == 17
    with pytest.raises(WhenError, match="does not exist"):
        parse_when("2026-03-29 01:30", LONDON, now)
    with pytest.raises(WhenError, match="yesterday 18:40"):
        parse_when("half past six", LONDON, now)
