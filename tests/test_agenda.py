"""`followup agenda`: every case of a folder at one moment; broken cases listed, set-aside work counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
AT = ["--at", "2026-11-20 09:00", "--timezone", "Europe/London"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("just-after", "waiting-no-news", "offer"):
        (cases / f"{name}.yaml").write_text((ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
    (cases / "broken.yaml").write_text("candidate: [\n")
    text = (cases / "waiting-no-news.yaml").read_text()
    (cases / "waiting-no-news.yaml").write_text("# pack: proactive\n" + text)
    return cases


def agenda(*args: str) -> dict:
    out = CliRunner().invoke(cli, ["agenda", *args, *AT, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_one_view_overdue_first_each_case_with_its_pack_and_the_broken_one_listed(folder: Path) -> None:
    data = agenda(str(folder))
    buckets = [e["bucket"] for e in data["entries"]]
    assert buckets == sorted(buckets, key=["overdue", "today", "week", "anytime"].index)
    assert [e["number"] for e in data["entries"]] == list(range(1, len(buckets) + 1))
    by_file = {Path(c["file"]).name: c for c in data["cases"]}
    assert "not valid YAML" in by_file["broken.yaml"]["error"] and "broken.yaml:1:" in by_file["broken.yaml"]["error"]
    assert by_file["waiting-no-news.yaml"]["pack"] == "proactive" and by_file["offer.yaml"]["pack"] == "conservative"
    assert "ignored" in by_file["offer.yaml"]["note"]
    files = {Path(e["file"]).name for e in data["entries"]}
    assert files == {"just-after.yaml", "waiting-no-news.yaml", "offer.yaml"}
    offer = next(e for e in data["entries"] if e["action"]["kind"] == "reply_offer")
    assert offer["bucket"] == "overdue"


def test_snoozed_work_leaves_the_view_but_is_counted_and_done_acts_on_agenda_numbers(folder: Path) -> None:
    first = agenda(str(folder))["entries"][0]
    run = CliRunner()
    out = run.invoke(cli, ["snooze", "1", "--until", "2026-11-25 09:00"])
    assert out.exit_code == 0, out.output
    data = agenda(str(folder))
    assert all(e["action"]["title"] != first["action"]["title"] or e["file"] != first["file"] for e in data["entries"])
    case = next(c for c in data["cases"] if c["file"] == first["file"])
    assert [s["state"] for s in case["set_aside"]] == ["snoozed"] and case["set_aside"][0]["urgency"] == "overdue"
    text = run.invoke(cli, ["agenda", str(folder), *AT]).output
    assert "set aside: 1 snoozed (1 overdue)" in text


def test_every_format_and_a_case_not_over_yet(folder: Path, tmp_path: Path) -> None:
    early = folder / "tomorrow.yaml"
    early.write_text((folder / "just-after.yaml").read_text().replace("2026-11-17", "2026-11-27"))
    run = CliRunner()
    md = run.invoke(cli, ["agenda", str(folder), *AT, "--format", "markdown"]).output
    assert md.startswith("# Agenda: Fri 20 Nov 2026") and "## Overdue" in md and "nothing to do before then" in md
    page = run.invoke(cli, ["agenda", str(folder), *AT, "--format", "html"]).output
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page and "could not be evaluated" in page
    ics = tmp_path / "a.ics"
    assert run.invoke(cli, ["agenda", str(folder), *AT, "--format", "ics", "-o", str(ics)]).exit_code == 0
    todos = [c for c in Calendar.from_ical(ics.read_bytes()).walk() if c.name == "VTODO"]
    assert todos and all(t.get("due") is not None for t in todos)
    text = run.invoke(cli, ["agenda", str(folder), *AT, "--color", "never"]).output
    assert "OVERDUE" in text and "\x1b[" not in text
    assert max(len(line) for line in text.splitlines() if str(folder) not in line) <= 80  # a path is never split


def test_a_case_in_another_zone_shows_its_own_local_time_too(folder: Path) -> None:
    """The offer (Sydney) was due at 04:00 London time: the agenda says 15:00 in Sydney beside it; a London
    case, in the agenda's own zone, gets no second time."""
    run = CliRunner(env={"COLUMNS": "200"})
    text = run.invoke(cli, ["agenda", str(folder), *AT, "--color", "never"]).output
    offer = next(line for line in text.splitlines() if "Answer the offer" in line)
    assert offer.endswith("was due Fri 20 Nov 04:00 (Fri 15:00 in Sydney)"), offer
    london = [line for line in text.splitlines() if "Dana Lee" in line]
    assert london and not any(" in " in line.split(" — ")[-1] for line in london)
    md = run.invoke(cli, ["agenda", str(folder), *AT, "--format", "markdown"]).output
    assert "(Fri 15:00 in Sydney)" in md


def test_overdue_work_is_grouped_by_case_oldest_missed_first(folder: Path) -> None:
    """just-after slipped on Tuesday and Wednesday, second-round on Tuesday morning: each case's heading
    appears once in the overdue section, second-round (the older miss) first, and `done N` numbers follow."""
    (folder / "second-round.yaml").write_text((ROOT / "examples" / "second-round.yaml").read_text(encoding="utf-8"))
    data = agenda(str(folder))
    overdue = [e for e in data["entries"] if e["bucket"] == "overdue"]
    files = [Path(e["file"]).name for e in overdue]
    assert files == sorted(files, key=files.index) and len(set(files)) >= 3  # contiguous runs
    runs = [f for i, f in enumerate(files) if i == 0 or files[i - 1] != f]
    assert len(runs) == len(set(runs)), files
    assert runs[0] == "second-round.yaml"
    assert [e["number"] for e in data["entries"]] == list(range(1, len(data["entries"]) + 1))
    text = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["agenda", str(folder), *AT, "--color", "never"]).output
    section = text.split("OVERDUE")[1].split("DUE TODAY")[0]
    assert section.count("[just-after.yaml]") == 1
