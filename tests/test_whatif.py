"""What if: change facts, evaluate again, and the exact difference; API, CLI (plan and compare too), JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
JUST_AT = "2026-11-17T16:00"
WAITING = ROOT / "examples" / "waiting-no-news.yaml"
WAITING_AT = "2026-11-20T19:00:00+00:00"


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine(load_entrypoints=False)


@pytest.mark.parametrize("pack", ["conservative", "proactive", "tech-industry"])
def test_a_recorded_thank_you_removes_that_thank_you_and_nothing_else(engine: followup.Engine, pack: str) -> None:
    w = engine.what_if(JUST_AFTER, ["interviewers[0].thank_you.at=now"], pack, JUST_AT)
    removed = [(a.rule, a.target) for a in w.of("removed")]
    assert len(removed) == 1 and removed[0][1] == "Dana Lee" and w.of("removed")[0].kind == "thank_you"
    # everything else either stays, or reads the fact that changed
    for a in w.changed:
        assert a.because, a
        assert {d.fact for d in a.because} & {"person.thanked", "interviewers.unthanked", "person.thank_you_channel"}
    assert not w.of("moved_up") and not w.of("moved_down") and not w.of("due_changed")
    before = [(a.rule, a.target.name) for a in w.before.actions if a.target.name != "Dana Lee" or a.kind != "thank_you"]
    assert [(a.rule, a.target.name) for a in w.after.actions] == before
    assert ("person.thanked", "Dana Lee", False, True) in [(d.fact, d.target, d.before, d.after) for d in w.facts_changed]
    assert w.notes and "channel: email assumed" in w.notes[0]
    assert w.edits[0].path == "interviewers.0.thank_you.at" and w.edits[0].value.startswith("2026-11-17T16:00")


def test_a_decision_date_swaps_the_status_email_rule(engine: followup.Engine) -> None:
    w = engine.what_if(WAITING, ["decision.expected_by=2026-11-19"], "conservative", WAITING_AT)
    assert w.edits[0].value == "2026-11-19T17:00:00-05:00"  # a bare date: 17:00 company time
    assert [(a.change, a.rule) for a in w.changed] == [("removed", "email-status-after-a-week"),
                                                       ("added", "email-when-date-passes")]
    added = w.of("added")[0]
    assert added.after_rank == 1 and {d.fact for d in added.because} >= {"decision.passed"}
    # no phoning before an email, keep searching (no LinkedIn hold-off: everyone is invited already)
    assert [a.change for a in w.actions if a.change == "unchanged"] == ["unchanged"] * 2


def _pack(tmp_path: Path) -> Path:
    rules = """
  - id: by-the-date
    when: {decision.date_known: true}
    action: status_check
    target: decision_contact
    channel: email
    priority: high
    due: {from: decision_date, days: 0}
    rationale: test
    sources: []
  - id: two-days-on
    action: write_notes
    target: self
    channel: none
    priority: high
    due: {from: interview_end, hours: 48}
    rationale: test
    sources: []
  - id: keep-going
    action: keep_searching
    target: self
    channel: none
    priority: low
    rationale: test
    sources: []
"""
    path = tmp_path / "moving.yaml"
    path.write_text("name: moving\ntitle: Moving\nsummary: test\nrules:" + rules, encoding="utf-8")
    return path


def test_moves_and_due_changes_name_only_what_moved(engine: followup.Engine, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    base = ["decision.expected_by=2026-12-02"]  # a Wednesday: due times on working days stay put
    # the date moves before the notes' due time: the status check moves up, the notes stay put
    w = engine.what_if(WAITING, ["decision.expected_by=2026-11-17"], pack, WAITING_AT)
    assert w.before.actions[0].rule == "two-days-on"
    w = engine.what_if(engine_facts(engine, base, pack), ["decision.expected_by=2026-11-17"], pack, WAITING_AT)
    assert [(a.change, a.rule, a.before_rank, a.after_rank) for a in w.actions] == [
        ("moved_up", "by-the-date", 2, 1), ("unchanged", "two-days-on", 1, 2), ("unchanged", "keep-going", 3, 3)]
    assert w.actions[0].due_changed and {d.fact for d in w.actions[0].because} == {"decision.days_past"}
    # a later date: same place, other due time
    w = engine.what_if(engine_facts(engine, base, pack), ["decision.expected_by=2026-12-03"], pack, WAITING_AT)
    assert [(a.change, a.rule) for a in w.changed] == [("due_changed", "by-the-date")]
    assert w.changed[0].before_due is not None and w.changed[0].after_due is not None
    assert (w.changed[0].after_due - w.changed[0].before_due).days == 1


def engine_facts(engine: followup.Engine, changes: list[str], pack: Path) -> followup.Facts:
    from followup.engine import resolve_at
    from followup.whatif import apply_changes

    facts = followup.load_facts(WAITING)
    return apply_changes(facts, changes, resolve_at(WAITING_AT, facts))[0]


@pytest.mark.parametrize(("change", "says"), [
    ("interviewers[0].thank_yuo.at=now", "did you mean `thank_you`?"),
    ("interviewers[7].email=x@example.com", "there are only 2"),
    ("interviewers[Jordan Okafr].email=x@example.com", "did you mean 'Jordan Okafor'?"),
    ("interview.went=grand", "'well', 'mixed' or 'badly'"),
    ("decision.asked=false", "add --what-if decision.asked=true"),
    ("no equals sign", "PATH=VALUE"),
])
def test_bad_changes_are_located_errors_with_a_fix(engine: followup.Engine, change: str, says: str) -> None:
    facts = WAITING if "asked" not in change else None
    with pytest.raises(followup.QuestionError) as info:
        if facts is None:  # a date recorded while `asked` becomes false: a contradiction
            engine.what_if(WAITING, ["decision.expected_by=2026-12-04", change], "conservative", WAITING_AT)
        else:
            engine.what_if(facts, [change], "conservative", WAITING_AT)
    assert says in str(info.value)
    assert "--what-if" in str(info.value)


def test_append_and_by_name(engine: followup.Engine) -> None:
    w = engine.what_if(WAITING, ["follow_ups[+]={at: now, channel: email, to: [Jordan Okafor]}",
                                 "interviewers[lucía fernández].linkedin=connected"], "conservative", WAITING_AT)
    assert [e.path for e in w.edits] == ["follow_ups.0", "interviewers.1.linkedin"]
    assert ("follow_ups.count", 0, 1) in [(d.fact, d.before, d.after) for d in w.facts_changed]
    assert "email-status-after-a-week" in [a.rule for a in w.of("removed")]


# --- the command line ----------------------------------------------------------------------


def test_cli_what_if_side_by_side_and_json() -> None:
    runner = CliRunner()
    args = ["advise", str(JUST_AFTER), "--pack", "proactive", "--at", JUST_AT, "--what-if", "interviewers[0].thank_you.at=now"]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert any("Before" in ln and "│ After" in ln for ln in lines)
    assert [ln for ln in lines if ln.startswith("−")] == [next(ln for ln in lines if "thank-you: Dana Lee" in ln)]
    assert next(ln for ln in lines if "thank-you: Dana Lee" in ln).endswith("(removed)")
    assert "0 added, 1 removed, 0 moved up, 0 moved down, 0 due time changed; 11 unchanged" in res.output
    assert max(len(ln) for ln in lines) <= 80
    res = runner.invoke(cli, [*args, "--format", "json"])
    data = json.loads(res.output)
    assert [a["change"] for a in data["what_if"]["actions"]].count("removed") == 1
    thanks = [a["target"]["name"] for a in data["what_if"]["after"]["actions"] if a["kind"] == "thank_you"]
    assert thanks[:2] == ["Priya Natarajan", "Tomás Ó Briain"]
    res = runner.invoke(cli, ["advise", str(JUST_AFTER), "--what-if", "interviewers[0].thank_yuo.at=now"])
    assert res.exit_code == 2 and "did you mean `thank_you`?" in res.output


def test_subprocess_what_if() -> None:
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(WAITING), "--what-if",
                           "decision.expected_by=2026-11-19"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "− removed: Ask Jordan Okafor about the status by email" in proc.stdout
    assert "+ added: Ask Jordan Okafor about the status by email" in proc.stdout


# --- compare and plan --------------------------------------------------------------------------


def test_compare_what_if_compares_the_changed_facts_and_says_what_changed_per_pack() -> None:
    runner = CliRunner()
    args = ["compare", str(JUST_AFTER), "--packs", "conservative,proactive", "--at", JUST_AT,
            "--what-if", "interviewers[0].thank_you.at=now"]
    res = runner.invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rows = {(r["kind"], r["target"]) for r in data["comparison"]["rows"]}
    assert ("thank_you", "Priya Natarajan") in rows and ("thank_you", "Dana Lee") not in rows
    assert [w["pack"]["name"] for w in data["what_if"]] == ["conservative", "proactive"]
    for w in data["what_if"]:
        assert [(a["change"], a["target"]) for a in w["actions"] if a["change"] != "unchanged"] == [("removed", "Dana Lee")]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "Conservative (conservative):\n  − removed: Send a thank-you to Dana Lee" in res.output


def test_plan_what_if_lists_what_each_plan_does_differently() -> None:
    runner = CliRunner()
    args = ["plan", str(JUST_AFTER), "--packs", "conservative,proactive", "--from", JUST_AT, "--days", "10",
            "--what-if", "interviewers[0].thank_you.at=now"]
    res = runner.invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    dropped = [(c["pack"], c["label"]) for c in data["what_if"] if c["change"] == "dropped"]
    assert ("conservative", "thank-you: Dana Lee (email)") in dropped or any("Dana Lee" in lbl for _, lbl in dropped)
    assert all("Dana Lee" in c["label"] or c["change"] != "dropped" for c in data["what_if"])
    lane = next(ln for ln in data["lanes"] if ln["pack"]["name"] == "proactive")
    assert not [e for e in lane["events"] if e["type"] == "done" and e["kind"] == "thank_you" and e["target"] == "Dana Lee"]
    res = runner.invoke(cli, args)
    assert "changes (the plan above is for the changed facts)" in " ".join(res.output.split())


def test_compare_page_carries_why_not_what_if_and_needs_info(tmp_path: Path) -> None:
    out = tmp_path / "compare.html"
    res = CliRunner().invoke(cli, ["compare", str(WAITING), "--at", WAITING_AT, "--packs", "conservative,proactive",
                                   "--what-if", "decision.expected_by=2026-11-19", "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<h2>What if decision.expected_by=2026-11-19</h2>" in page
    assert "<h2>Why a pack is silent</h2>" in page and "<h2>What is missing</h2>" in page
    assert "email-when-date-passes" in page
