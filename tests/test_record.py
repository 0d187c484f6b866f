"""Recording what happened: round-trip edits that keep comments, refuse contradictions, and feed done/snooze/dismiss."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import followup
from followup import record
from followup.cli import cli
from followup.record import RecordError

ROOT = Path(__file__).resolve().parents[1]
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=NY)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    path = tmp_path / "harbor.yaml"
    text = (ROOT / "examples" / "waiting-no-news.yaml").read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("# at:")) + "\n")
    return path


def added_lines(before: str, after: str) -> list[str]:
    """The lines of `after` not in `before`, checking every line of `before` is still there in order."""
    old = before.splitlines()
    it = iter(after.splitlines())
    added = []
    for line in old:
        for candidate in it:
            if candidate == line:
                break
            added.append(candidate)
        else:
            raise AssertionError(f"line lost: {line!r}")
    return added + list(it)


def test_each_record_keeps_every_line_and_comment_and_adds_in_the_files_style(case: Path) -> None:
    before = case.read_text()
    record.followed_up(case, ["jordan"], by="phone", at="10:00", now=NOW)
    record.answered(case, at="11:00", now=NOW)
    record.response(case, "offer", at="11:30", from_="Jordan Okafor", now=NOW)
    record.replied(case, at="11:45", now=NOW)
    record.decision(case, expected_by="2026-11-27", informs="Jordan Okafor", now=NOW)
    after = case.read_text()
    added = added_lines(before, after)
    assert "  - at: 2026-11-20T10:00:00-05:00" in added and "    to: [Jordan Okafor]" in added
    assert "    replied: {at: 2026-11-20T11:45:00-05:00, channel: email}" in added
    assert "  expected_by: 2026-11-27T17:00:00-05:00" in added
    assert after.index("follow_ups:") < after.index("other_applications:")  # where a person would put it
    f = followup.load_facts(case)
    assert f.follow_ups[0].answered and f.responses[0].kind == "offer" and f.responses[0].replied is not None
    assert f.decision.informs == "Jordan Okafor"


def test_a_contradiction_is_refused_with_its_place_and_the_file_is_untouched(case: Path) -> None:
    before = case.read_bytes()
    with pytest.raises(RecordError) as info:
        record.followed_up(case, ["Jordan Okafor"], at="2026-11-15 10:00", now=NOW)
    (p,) = info.value.problems
    assert "before the interview ended" in p.message and p.file == str(case) and p.line is not None
    with pytest.raises(RecordError, match="already recorded"):
        record.thanked(case, "Jordan Okafor", now=NOW)
    with pytest.raises(RecordError, match="give the full name of one of: Jordan Okafor, Lucía Fernández"):
        record.linkedin(case, "Nobody", "requested")
    assert case.read_bytes() == before
    assert [p.name for p in case.parent.iterdir()] == [case.name]  # no temp file left behind


def test_times_are_natural_and_in_the_companys_zone(case: Path) -> None:
    record.thanked(case, "Lucía", at="yesterday 18:40", replace=True, now=NOW)
    sent = followup.load_facts(case).interviewers[1].thank_you
    assert sent is not None and sent.at == datetime(2026, 11, 19, 18, 40, tzinfo=NY)
    assert "thank_you: {at: 2026-11-19T18:40:00-05:00, channel: email}" in case.read_text()


def test_json_files_are_recorded_too(tmp_path: Path) -> None:
    path = tmp_path / "formal.json"
    shutil.copy(ROOT / "examples" / "formal-company.json", path)
    record.notes(path)
    record.thanked(path, "Maître Antoine Lefèvre", by="handwritten", at="2026-11-19 18:00")
    data = json.loads(path.read_text())
    assert data["interview"]["notes_taken"] is True
    assert data["interviewers"][0]["thank_you"] == {"at": "2026-11-19T18:00:00+01:00", "channel": "handwritten"}


def test_cli_record_then_done_snooze_dismiss_act_on_the_numbers_shown(case: Path) -> None:
    run = CliRunner()
    shown = run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-20 12:00"])
    assert shown.exit_code == 0, shown.output
    titles = [line.split(". ", 1)[1] for line in shown.output.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert titles, shown.output
    out = run.invoke(cli, ["snooze", "1", "--until", "2026-11-23 09:00"])
    assert out.exit_code == 0 and f"snoozed until Mon 23 Nov 09:00: {titles[0]}" in out.output
    later = run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-20 13:00"])
    assert titles[0] not in later.output and "Set aside: 1 snoozed" in later.output
    back = run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-23 09:30"])
    assert titles[0] in back.output and "Set aside" not in back.output  # the snooze ended by itself
    everything = run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-20 13:00", "--all"])
    assert titles[0] in everything.output


def test_done_records_the_fact_so_the_rule_stops(case: Path) -> None:
    run = CliRunner()
    run.invoke(cli, ["record", str(case), "linkedin", "Lucía Fernández", "connected"])
    shown = run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-20 12:00", "--format", "json"])
    actions = json.loads(shown.output)["actions"]
    call = next(a for a in actions if a["kind"] == "status_check")
    before = case.read_text()
    out = run.invoke(cli, ["done", str(call["rank"]), "--at", "2026-11-20 12:05"])
    assert out.exit_code == 0, out.output
    assert "recorded follow-up to Jordan Okafor by phone, Fri 20 Nov 12:05" in out.output
    assert "channel: phone" in "\n".join(added_lines(before, case.read_text()))
    again = json.loads(run.invoke(cli, ["advise", str(case), "--pack", "proactive", "--at", "2026-11-20 12:10",
                                        "--format", "json"]).output)
    assert not any(a["rule"] == call["rule"] and not a["avoid"] for a in again["actions"])
    bad = run.invoke(cli, ["done", "99"])
    assert bad.exit_code == 2 and "there is no number 99" in bad.output


def test_the_cli_refuses_a_contradiction_with_exit_2(case: Path) -> None:
    before = case.read_bytes()
    out = CliRunner().invoke(cli, ["record", str(case), "response", "offer", "--at", "2026-11-01 09:00"])
    assert out.exit_code == 2 and "not recorded, the file would become invalid" in out.output
    assert f"{case}:" in out.output and case.read_bytes() == before
