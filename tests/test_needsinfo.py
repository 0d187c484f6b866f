"""Needs info: the unknown facts worth asking about, each answer evaluated; bounded; API, CLI, JSON."""

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
from followup.needsinfo import impact, unknowns

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"  # no decision date, Tomás Ó Briain's email unknown
JUST_AT = "2026-11-17T16:00"
WAITING = ROOT / "examples" / "waiting-no-news.yaml"
WAITING_AT = "2026-11-20T19:00:00+00:00"


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine(load_entrypoints=False)


@pytest.mark.parametrize("pack", ["conservative", "proactive", "tech-industry"])
def test_asks_when_they_decide_and_for_the_address(engine: followup.Engine, pack: str) -> None:
    n = engine.needs_info(JUST_AFTER, pack, JUST_AT)
    by = {q.id: q for q in n.questions}
    decide, address = by["decision-date"], by["email:Tomás Ó Briain"]
    assert decide.todo == "Ask when they will decide" and decide.ask == "Did they say when they will decide?"
    assert address.todo == "Get Tomás Ó Briain's email address" and address.fact == "interviewers[2].email"
    for q in (decide, address):
        assert q.impact > 0 and q.impact == max(a.impact for a in q.answers)
        assert any(a.changes for a in q.answers) and all(a.summary for a in q.answers)
    # each answer's difference is the real one: re-evaluating its edits gives the same change list
    for q in n.questions:
        for a in q.answers:
            if a.edits:
                w = engine.what_if(JUST_AFTER, a.edits, pack, JUST_AT)
                assert [(c.change, c.rule, c.target) for c in w.changed] == [(c.change, c.rule, c.target) for c in a.changes]
    assert [q.impact for q in n.questions] == sorted((q.impact for q in n.questions), reverse=True)
    assert 1 < n.evaluations <= n.limit == 30


def test_the_answers_say_what_changes(engine: followup.Engine) -> None:
    n = engine.needs_info(JUST_AFTER, "conservative", JUST_AT)
    decide = next(q for q in n.questions if q.id == "decision-date")
    dated = decide.answers[0]
    assert dated.answer.startswith("they name a date a week away (Tue 24 Nov)")
    assert dated.edits == ["decision.asked=true", "decision.expected_by=2026-11-24T17:00:00+00:00"]
    assert [(c.change, c.rule) for c in dated.changes] == [("removed", "ask-decision-date")]
    assert "drops #" in dated.summary and "ask-decision-date" in dated.summary
    card = next(q for q in n.questions if q.id == "email:Tomás Ó Briain").answers[-1]
    assert ("removed", "collect-contacts", "Tomás Ó Briain") in [(c.change, c.rule, c.target) for c in card.changes]


def test_ranking_follows_the_top_of_the_list(engine: followup.Engine) -> None:
    # four days on with no date: a date changes the first action, so it ranks first
    n = engine.needs_info(WAITING, "conservative", WAITING_AT)
    assert n.questions[0].id == "decision-date"
    passed = next(a for a in n.questions[0].answers if a.answer.startswith("the date they named has passed"))
    assert passed.first_after is not None and "email-when-date-passes" in passed.first_after
    assert passed.impact >= 10


def test_impact_weighs_the_top(engine: followup.Engine) -> None:
    base = engine.advise(JUST_AFTER, "proactive", JUST_AT)
    first = engine.what_if(JUST_AFTER, ["interviewers[0].thank_you.at=now"], "proactive", JUST_AT).after
    last = base.model_copy(update={"actions": base.actions[:-1]})
    assert impact(base, first) > impact(base, last) > 0
    assert impact(base, base) == 0


def test_evaluations_are_bounded_and_counted(engine: followup.Engine) -> None:
    facts = followup.load_facts(JUST_AFTER)
    wanted = 1 + sum(len([a for a in u.answers if a[1]]) for u in unknowns(facts, engine.advise(facts, "proactive", JUST_AT).at))
    n = engine.needs_info(facts, "proactive", JUST_AT)
    assert n.evaluations == wanted and not n.not_checked
    small = engine.needs_info(facts, "proactive", JUST_AT, limit=4)
    assert small.evaluations <= 4 and small.not_checked
    assert {q.todo for q in small.questions} | set(small.no_difference) | set(small.not_checked) >= {
        "Ask when they will decide", "Get Tomás Ó Briain's email address"}


def test_cli_needs_info_text_json_and_the_hint_line() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["advise", str(JUST_AFTER), "--needs-info", "--at", JUST_AT])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Ask when they will decide: “Did they say when they will decide?”" in out
    assert "Get Tomás Ó Briain's email address" in out
    assert "evaluations run (at most 30)." in out
    assert max(len(ln) for ln in out.splitlines()) <= 80
    res = runner.invoke(cli, ["advise", str(JUST_AFTER), "--needs-info", "--at", JUST_AT, "--format", "json"])
    data = json.loads(res.output)
    assert {q["id"] for q in data["needs_info"]["questions"]} >= {"decision-date", "email:Tomás Ó Briain"}
    assert data["needs_info"]["evaluations"] <= 30
    # the plain advice ends with a hint when an answer would change its top three, and not otherwise
    res = runner.invoke(cli, ["advise", str(WAITING), "--at", WAITING_AT])
    assert res.output.rstrip().endswith("(see --needs-info).") and "Find out when they will decide" in " ".join(res.output.split())
    res = runner.invoke(cli, ["advise", str(JUST_AFTER), "--at", JUST_AT])
    assert "--needs-info" not in res.output
    res = runner.invoke(cli, ["advise", str(WAITING), "--at", WAITING_AT, "--format", "json"])
    json.loads(res.output)  # no hint in machine output


def test_subprocess_needs_info() -> None:
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(JUST_AFTER), "--pack", "proactive",
                           "--needs-info"], capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "Ask when they will decide" in proc.stdout and "Get Tomás Ó Briain's email address" in proc.stdout


def test_the_company_country_matters_when_a_holiday_moves_a_due_time(engine: followup.Engine) -> None:
    from followup.inputs import resolve_at
    from followup.whatif import apply_changes

    facts = followup.load_facts(WAITING)  # New York, no country given: only weekends are skipped
    at = resolve_at("2026-11-24T15:00:00+00:00", facts)
    sent = apply_changes(facts, ["follow_ups[+]={at: 2026-11-23T10:00, channel: email, to: [Jordan Okafor]}"], at)[0]
    n = engine.needs_info(sent, "conservative", at)
    country = next(q for q in n.questions if q.id == "country")
    (answer,) = country.answers
    assert answer.edits == ["position.country=US"]
    # the second follow-up, 8 business days after Mon 16 Nov, skips Thanksgiving (Thu 26 Nov)
    moved = [c for c in answer.changes if c.due_changed]
    assert moved and all(c.kind == "second_follow_up" for c in moved)
    assert all(c.before_due is not None and c.before_due.day == 26 for c in moved)
    assert all(c.after_due is not None and c.after_due.day == 27 for c in moved)
    # at the example's own moment it changes nothing, and is listed as such
    assert "Record the company's country" in engine.needs_info(WAITING, "conservative", WAITING_AT).no_difference
