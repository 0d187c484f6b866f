"""Why not / --explain=all: which rules did not fire, what they missed, nearest miss first; through API, CLI and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.catalogue import FACTS
from followup.cli import cli
from followup.conditions import parse_condition
from followup.verdicts import FACT_CHANGES, misses

ROOT = Path(__file__).resolve().parents[1]
WAITING = ROOT / "examples" / "waiting-no-news.yaml"
WAITING_AT = "2026-11-20T19:00:00+00:00"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine(load_entrypoints=False)


def write_pack(tmp_path: Path, rules: str, name: str = "mini") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ntitle: Mini\nsummary: test pack\nrules:\n{rules}", encoding="utf-8")
    return path


def rule(id: str, when: str, *, action: str = "status_check", target: str = "decision_contact",
         channel: str = "phone", priority: str = "high", avoid: bool = False, due: str = "") -> str:
    return (f"  - id: {id}\n    when: {when}\n    action: {action}\n    target: {target}\n    channel: {channel}\n"
            f"    priority: {priority}\n    avoid: {str(avoid).lower()}\n" + (f"    due: {due}\n" if due else "")
            + "    rationale: test\n    sources: []\n")


def cond(raw: object) -> object:
    problems: list[object] = []
    c = parse_condition(raw, (), lambda *p: problems.append(p), allow_person=True)
    assert c is not None, problems
    return c


# --- the library -------------------------------------------------------------------


def test_conservative_names_the_call_rule_its_failing_conditions_and_values(engine: followup.Engine) -> None:
    w = engine.why_not(WAITING, "call", "conservative", WAITING_AT)
    assert w.matched == "channel" and not w.proposed
    assert [r.rule for r in w.rules] == ["call-if-invited-after-a-week", "call-if-invited-after-date",
                                         "one-call-after-email"]
    near = w.nearest  # nobody asked for a call: that one fact is all that stands between them and a call
    assert near is not None and near.status == "needs_change" and near.rule == "call-if-invited-after-a-week"
    t = near.targets[0]
    assert t.target == "Jordan Okafor" and t.to_change == 1
    assert [(m.needs, m.value) for m in t.misses] == [("decision.call_invited = true", False)]
    after_email = next(r for r in w.rules if r.rule == "one-call-after-email").targets[0]
    assert after_email.to_change == 5
    assert [(m.needs, m.value) for m in after_email.misses] == [
        ("decision.passed = true", False),
        ("follow_ups.count = 1", 0),
        ("follow_ups.emails = 1", 0),
        ("follow_ups.unanswered ≥ 1", 0),
        ("follow_ups.days_since_last is present", None),
    ]
    assert "needs one" in after_email.misses[0].note  # no decision date: recording one is what would change it
    assert [a.rule for a in w.advised_against] == ["no-call-before-email"]
    assert "call-if-invited-after-a-week" in w.answer and "advises against" in w.answer


def test_proactive_says_the_call_is_proposed(engine: followup.Engine) -> None:
    w = engine.why_not(WAITING, "call", "proactive", WAITING_AT)
    assert [a.rule for a in w.proposed] == ["call-day-three"]
    assert w.answer.startswith("It is proposed: #1 Ask Jordan Okafor about the status by phone")
    assert w.rules[0].rule == "call-day-three" and w.rules[0].status == "fired"
    assert w.rules[0].targets[0].rank == 1
    assert w.nearest is not None and w.nearest.rule != "call-day-three"


def test_nearest_miss_first_by_conditions_then_distance(engine: followup.Engine, tmp_path: Path) -> None:
    # at 2026-11-20 19:00 UTC the Monday 16th interview is 4 days old
    pack = write_pack(tmp_path, "".join([
        rule("two-away", "{days_since_interview: {ge: 5}, follow_ups.count: {ge: 1}}"),
        rule("six-days-away", "{days_since_interview: {ge: 10}}"),
        rule("one-day-away", "{days_since_interview: {ge: 5}}"),
        rule("other-kind", "{days_since_interview: {ge: 5}}", action="second_follow_up"),
    ]))
    w = engine.why_not(WAITING, "status_check", pack, WAITING_AT)
    assert [r.rule for r in w.rules] == ["one-day-away", "six-days-away", "two-away"]
    assert [(r.targets[0].to_change, r.targets[0].distance) for r in w.rules] == [(1, 1.0), (1, 6.0), (2, 2.0)]
    assert all(r.status == "later" for r in w.rules[:2])  # time alone will do it
    assert w.rules[2].status == "needs_change"
    assert "holds in 1 day" in w.rules[0].targets[0].misses[0].note


def test_any_takes_the_cheapest_branch_and_not_flips(tmp_path: Path) -> None:
    values = {"days_since_interview": 4, "follow_ups.count": 0, "follow_ups.calls": 2, "outcome": "none"}
    c = cond({"any": [{"follow_ups.count": {ge: 3}} for ge in ["ge"]] + [{"days_since_interview": {"ge": 6}}]})
    n, distance, found = misses(c, values)  # type: ignore[arg-type]
    assert (n, distance, [m.fact for m in found]) == (1, 2.0, ["days_since_interview"])
    c = cond({"not": {"follow_ups.calls": {"ge": 1}}, "outcome": "none"})
    n, _, found = misses(c, values)  # type: ignore[arg-type]
    assert n == 1 and found[0].negated and found[0].needs == "follow_ups.calls < 1" and found[0].value == 2
    # not(any(a, b)) needs both a and b false
    c = cond({"not": {"any": [{"follow_ups.calls": {"ge": 1}}, {"days_since_interview": {"ge": 1}}]}})
    n, _, found = misses(c, values)  # type: ignore[arg-type]
    assert n == 2 and [m.needs for m in found] == ["follow_ups.calls < 1", "days_since_interview < 1"]


def test_time_passed_and_fixed_facts_are_told_apart(engine: followup.Engine, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "".join([
        rule("first-day-only", "{hours_since_interview: {lt: 24}}", target="company"),
        rule("recruiters", "{person.role: recruiter}", target="each_interviewer"),
        rule("arrangers", "{person.thanked: false}", target="each_arranger", action="thank_you", channel="email"),
        rule("after-a-date", "{decision.passed: true}", channel="email"),
    ]))
    x = engine.explain_rules(WAITING, pack, WAITING_AT)
    by = {r.rule: r for r in x.rules}
    assert by["first-day-only"].status == "too_late"
    assert by["first-day-only"].targets[0].misses[0].change == "passed"
    assert by["recruiters"].status == "never"
    assert {t.target for t in by["recruiters"].targets} == {"Jordan Okafor", "Lucía Fernández"}
    assert "nobody it is for has person.role = recruiter" in by["recruiters"].note
    assert by["arrangers"].status == "no_target" and "no arrangers" in by["arrangers"].note
    assert by["after-a-date"].status == "needs_change"


def test_lost_in_ranking_names_the_winner_and_why(engine: followup.Engine, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "".join([
        rule("call-now", "{days_since_interview: {ge: 1}}", priority="normal"),
        rule("email-now", "{days_since_interview: {ge: 1}}", channel="email", priority="critical"),
    ]))
    w = engine.why_not(WAITING, "call-now", pack, WAITING_AT)
    assert not w.proposed
    r = w.rules[0]
    assert r.status == "lost"
    t = r.targets[0]
    assert t.won_by is not None and t.won_by.rule == "email-now" and t.won_by.rank == 1
    assert t.why_lost is not None and "scores higher (44: critical, today)" in t.why_lost and "(24: normal, today)" in t.why_lost
    # asked about the channel, the same loser is the nearest miss
    assert engine.why_not(WAITING, "call", pack, WAITING_AT).rules[0].status == "lost"


def test_verdicts_agree_with_the_advice_everywhere(engine: followup.Engine) -> None:
    """Fired means in the advice (or lost to an action in it); not fired means its condition fails."""
    for example in EXAMPLES:
        for pack in ("conservative", "proactive", "tech-industry"):
            at = _at_line(example)
            advice = engine.advise(example, pack, at)
            x = engine.explain_rules(example, pack, at)
            shown = {(a.rule, a.target.name or a.target.kind) for a in advice.actions}
            fired = set()
            for r in x.rules:
                for t in r.targets:
                    if t.status == "fired":
                        fired.add(r.rule)
                        assert t.rank is not None and advice.actions[t.rank - 1].rule == r.rule
                    elif t.status == "lost":
                        assert t.won_by is not None and t.won_by in advice.actions and t.won_by.rule != r.rule
                    elif t.status in ("expired", "not_open"):  # conditions hold; the window says no
                        assert t.why_lost and not t.misses, (example.name, pack, r.rule)
                    else:
                        assert t.misses and t.to_change == len(t.misses), (example.name, pack, r.rule)
            assert fired == {rid for rid, _ in shown}, (example.name, pack)


def _at_line(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# at:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(path)


def test_every_fact_says_how_it_changes() -> None:
    assert set(FACT_CHANGES) == set(FACTS)


def test_unknown_question_is_a_located_error(engine: followup.Engine) -> None:
    with pytest.raises(followup.QuestionError) as info:
        engine.why_not(WAITING, "cal", "conservative", WAITING_AT)
    assert "did you mean `call`" in str(info.value)


# --- the command line ----------------------------------------------------------------


def test_cli_why_not_text_and_json() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["advise", str(WAITING), "--why-not", "call", "--at", WAITING_AT])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Nothing proposes a call" in out and "one-call-after-email" in out
    assert "✗ follow_ups.count = 1: is 0" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    res = runner.invoke(cli, ["advise", str(WAITING), "--pack", "proactive", "--why-not", "call", "--at", WAITING_AT,
                              "--format", "json"])
    data = json.loads(res.output)
    assert data["advice"]["actions"][0]["rule"] == "call-day-three"
    assert data["why_not"][0]["proposed"][0]["rule"] == "call-day-three"
    assert data["why_not"][0]["rules"][0]["status"] == "fired"


def test_cli_explain_all_and_plain_explain_in_any_position() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["advise", "--explain=all", str(WAITING), "--at", WAITING_AT])
    assert res.exit_code == 0, res.output
    assert "✓ email-status-after-a-week: fired: #1 Jordan Okafor" in res.output
    assert "∅ thank-arrangers: cannot fire for these facts" in res.output
    for args in (["--explain", str(WAITING)], [str(WAITING), "--explain"]):
        res = runner.invoke(cli, ["advise", *args, "--at", WAITING_AT])
        assert res.exit_code == 0, res.output
        assert "Because:" in res.output and "Every rule" not in res.output
    res = runner.invoke(cli, ["advise", str(WAITING), "--explain=sometimes"])
    assert res.exit_code == 2 and "--explain=all" in res.output
    res = runner.invoke(cli, ["advise", str(WAITING), "--explain=all", "--format", "json", "--at", WAITING_AT])
    rules = json.loads(res.output)["rules"]
    assert {r["rule"]: r["status"] for r in rules}["thank-arrangers"] == "no_target"


def test_cli_bad_question_exits_2() -> None:
    res = CliRunner().invoke(cli, ["advise", str(WAITING), "--why-not", "fax"])
    assert res.exit_code == 2
    assert "--why-not 'fax'" in res.output and "fix:" in res.output


def test_subprocess_why_not() -> None:
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(WAITING), "--why-not", "call", "--at", WAITING_AT],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "nearest miss: call-if-invited-after-a-week for Jordan Okafor, 1 condition" in " ".join(proc.stdout.split())


def test_a_closed_or_unopened_window_is_the_reason(engine: followup.Engine, tmp_path: Path) -> None:
    # four days after the interview: a two-day window has closed, a day-six one has not opened
    pack = write_pack(tmp_path, "".join([
        rule("early", "{days_since_interview: {ge: 0}}", channel="email",
             due="{from: interview_end, hours: 24}\n    expires: {from: interview_end, hours: 48}"),
        rule("late", "{days_since_interview: {ge: 0}}", action="second_follow_up", channel="email",
             due="{from: interview_day, days: 7}\n    opens: {from: interview_day, days: 6}"),
    ]))
    x = engine.explain_rules(WAITING, pack, WAITING_AT)
    by = {r.rule: r for r in x.rules}
    assert by["early"].status == "expired"
    assert "window has closed" in (by["early"].targets[0].why_lost or "")
    assert by["late"].status == "not_open" and "opens only" in (by["late"].targets[0].why_lost or "")
    w = engine.why_not(WAITING, "early", pack, WAITING_AT)
    assert "window has closed" in w.answer


def test_the_lost_in_ranking_key_is_the_evaluations(engine: followup.Engine) -> None:
    """verdicts._sort_key scores a firing as evaluation.evaluate does (checked on every action of every example)."""
    from followup.derive import derive
    from followup.evaluation import _when
    from followup.verdicts import _sort_key

    for example in EXAMPLES:
        for pack in ("conservative", "proactive", "tech-industry"):
            cp = engine.load_pack(pack)
            advice = engine.advise(example, cp, _at_line(example))
            derived = derive(followup.load_facts(example), advice.at)
            for a in advice.actions:
                cr = next(c for c in cp.rules if c.rule.id == a.rule)
                key = _sort_key(cr, _when(cr, derived, cp), derived)
                assert (-key[0], key[2]) == (a.score, a.due), (example.name, pack, a.rule)


def test_compare_explain_says_why_a_pack_is_silent(engine: followup.Engine) -> None:
    from followup.compare_explain import missing_cells
    from followup.comparison import compare

    facts = followup.load_facts(WAITING)
    packs = ["conservative", "proactive", "tech-industry"]
    c = compare(facts, packs, WAITING_AT, engine=engine)
    cells = {(m.pack, m.kind, m.target): m for m in missing_cells(engine, c, facts, packs)}
    assert cells[("conservative", "formal_letter", "Jordan Okafor")].rule is None
    assert "conservative has no rule that gives formal letter" in cells[("conservative", "formal_letter", "Jordan Okafor")].answer
    # proactive gives no "don't phone" for the company: its nearest such rule and what it misses
    silent = cells[("proactive", "status_check", "the company")]
    assert silent.avoid and silent.rule is not None and silent.nearest is not None and silent.nearest.misses
    res = CliRunner().invoke(cli, ["compare", str(WAITING), "--at", WAITING_AT, "--explain"])
    assert res.exit_code == 0, res.output
    assert "Why a pack is silent:" in res.output and "What is missing?" in res.output
