"""followup compare: one set of facts under several packs, side by side (API, CliRunner, subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli
from followup.comparison import Comparison, compare

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
WAITING = EXAMPLES / "waiting-no-news.yaml"
JUST_AFTER = EXAMPLES / "just-after.yaml"
PATIENT = Path(__file__).parent / "packs_for_tests" / "patient.yaml"
WAITING_AT = "2026-11-20T19:00:00+00:00"  # the file's `# at:` line


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine()


@pytest.fixture(scope="module")
def waiting(engine: followup.Engine) -> Comparison:
    return compare(WAITING, ["proactive", "conservative"], WAITING_AT, engine=engine)


def run(engine: followup.Engine, *args: str) -> object:
    return CliRunner().invoke(cli, list(args), obj={"engine": engine}, catch_exceptions=False)


# --- the API ---------------------------------------------------------------------------

def test_waiting_no_news_proactive_calls_conservative_emails(waiting: Comparison) -> None:
    row = waiting.row("status_check", "Jordan Okafor")
    assert row.disagree
    assert "channel" in row.differences
    pro, con = row.cell("proactive"), row.cell("conservative")
    assert [(e.channel, e.avoid) for e in pro.own] == [("phone", False)]
    # conservative: its own email, plus its company-wide "don't phone" shown for context
    assert [(e.channel, e.avoid) for e in con.own] == [("email", False)]
    assert any(e.company_wide and e.avoid and e.channel == "phone" for e in con.entries)
    # each side's sources
    pro_sources = {s.article for e in pro.own for s in e.sources}
    con_sources = {s.article for e in con.own for s in e.sources}
    assert "tiptopjob" in pro_sources and "after-the-interview" in con_sources
    line = row.explanation()
    assert line.startswith("proactive: ask Jordan Okafor about the status by phone")
    assert "conservative: ask Jordan Okafor about the status by email" in line
    assert "tiptopjob F2" in line and "after-the-interview F2" in line
    assert "anderson F3" not in line  # F3 warns against email-then-call: never cited for it


def test_due_days_and_ranks_come_from_each_pack(waiting: Comparison) -> None:
    row = waiting.row("status_check", "Jordan Okafor")
    pro = row.cell("proactive").own[0]
    con = row.cell("conservative").own[0]
    assert pro.rank == 1 and con.rank == 1
    assert (pro.suggested_at or pro.due).strftime("%a %d %H:%M") == "Fri 20 14:00"
    assert con.due.strftime("%a %d %H:%M") == "Mon 23 10:00"
    assert pro.summary == "#1 phone Fri 20 14:00"
    assert con.summary == "#1 email Mon 23 10:00"


def test_agreeing_rows_are_not_marked(waiting: Comparison) -> None:
    keep = waiting.row("keep_searching", "yourself")
    assert not keep.disagree and keep.differences == []
    assert all(r.disagree == bool(r.differences) for r in waiting.rows)


def test_company_avoid_keeps_its_own_row(waiting: Comparison) -> None:
    row = waiting.row("status_check", "the company")
    assert row.disagree and row.differences == ["presence"]
    assert row.cell("proactive").summary == "-"
    assert row.cell("conservative").summary.startswith("don't phone")


def test_one_pack_and_json_round_trip(engine: followup.Engine) -> None:
    c = compare(JUST_AFTER, ["proactive"], "2026-11-17T16:00", engine=engine)
    assert c.disagreements == []
    data = json.loads(c.to_json())
    assert data["packs"][0]["name"] == "proactive"
    assert Comparison.model_validate_json(c.to_json()).rows == c.rows


def test_test_pack_by_path_lines_up_with_a_builtin(engine: followup.Engine) -> None:
    c = compare(JUST_AFTER, ["proactive", str(PATIENT)], "2026-11-20T10:00", engine=engine)
    row = c.row("status_check", "Dana Lee")
    call = row.cell("proactive").own[0]
    assert (call.channel, call.avoid, call.due.strftime("%a %d %H:%M")) == ("phone", False, "Tue 24 16:00")
    # the patient pack only has its company-wide "don't phone" here: absent on its own
    assert row.cell("patient").own == [] and row.cell("patient").entries[0].avoid
    assert "presence" in row.differences
    thanks = c.row("thank_you", "Dana Lee")
    assert thanks.differences == ["due day"]


def test_a_pack_given_twice_is_refused(engine: followup.Engine) -> None:
    with pytest.raises(followup.PackError, match="given twice"):
        compare(JUST_AFTER, ["proactive", "proactive"], "2026-11-20T09:00", engine=engine)
    same = str(ROOT / "policies" / "proactive.yaml")
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--packs", f"proactive,{same}"], obj={"engine": engine})
    assert result.exit_code == 2 and "'proactive' is given twice" in result.output and "fix:" in result.output


def test_public_api_exports() -> None:
    assert "compare" in followup.__all__ and "plan" in followup.__all__
    c = followup.compare(WAITING, packs=["proactive", "conservative"], at=WAITING_AT)
    assert isinstance(c, followup.Comparison)


# --- the CLI ---------------------------------------------------------------------------

def test_cli_text_uses_the_at_line_and_shows_both_sides(engine: followup.Engine) -> None:
    result = run(engine, "compare", str(WAITING), "--packs", "proactive,conservative")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "as of Fri 20 Nov 2026 14:00 America/New_York" in out  # from `# at:`
    assert "≠" in out and "disagreement" in out
    assert "proactive: ask Jordan Okafor about the status by phone" in out
    assert "tiptopjob" in out and "after-the-interview" in out


def test_cli_default_is_every_known_pack(engine: followup.Engine) -> None:
    result = run(engine, "compare", str(WAITING), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [p["name"] for p in data["packs"]] == list(engine.pack_paths())


@pytest.mark.parametrize("fmt,needle", [("markdown", "## Where they disagree"), ("html", "<table>")])
def test_cli_markdown_and_html(engine: followup.Engine, fmt: str, needle: str) -> None:
    result = run(engine, "compare", str(WAITING), "--packs", "proactive,conservative", "--format", fmt)
    assert result.exit_code == 0
    assert needle in result.output
    assert "status check: Jordan Okafor" in result.output


def test_cli_output_file(engine: followup.Engine, tmp_path: Path) -> None:
    target = tmp_path / "cmp.html"
    result = run(engine, "compare", str(WAITING), "--format", "html", "--output", str(target))
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cli_unknown_pack_is_a_clear_error(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["compare", str(WAITING), "--packs", "proactive,nosuchpack"],
                                obj={"engine": engine})
    assert result.exit_code == 2
    assert "nosuchpack" in result.output
    assert "Traceback" not in result.output


def test_cli_needs_facts_or_corpus(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["compare"], obj={"engine": engine})
    assert result.exit_code == 2 and "FACTS or --corpus" in result.output


def test_cli_bad_at_names_the_option(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["compare", str(WAITING), "--at", "friday"], obj={"engine": engine})
    assert result.exit_code == 2 and "--at 'friday' is not a time" in result.output


def test_cli_bad_at_line_is_located(engine: followup.Engine, tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text("# at: next tuesday\n" + JUST_AFTER.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["compare", str(bad)], obj={"engine": engine})
    assert result.exit_code == 2
    assert f"{bad}:1:1" in result.output and "is not a time" in result.output


def test_subprocess_compare() -> None:
    exe = Path(sys.executable).with_name("followup")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "followup.cli"]
    proc = subprocess.run([*cmd, "compare", str(WAITING), "--packs", "proactive,conservative", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    rows = {(r["kind"], r["target"]): r for r in data["rows"]}
    assert rows[("status_check", "Jordan Okafor")]["disagree"] is True
