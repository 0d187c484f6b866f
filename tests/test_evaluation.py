"""Evaluation end to end through the public API: ranking, due times, call windows, threads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import followup
from followup.businesstime import add_business_days, business_days_between, next_call_slot
from followup.cli import cli
from followup.results import Advice

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine(load_entrypoints=False)


def write_pack(tmp_path: Path, rules: str, name: str = "mini") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ntitle: Mini\nsummary: test pack\nrules:\n{rules}")
    return path


RULE = """  - id: {id}
    action: {action}
    target: {target}
    channel: {channel}
    priority: {priority}
    rationale: because
    sources: []
{extra}"""


def rule(id: str, action: str = "keep_searching", target: str = "self", channel: str = "none",
         priority: str = "normal", extra: str = "") -> str:
    return RULE.format(id=id, action=action, target=target, channel=channel, priority=priority, extra=extra)


def test_api_returns_typed_ranked_actions_that_round_trip_as_json(engine: followup.Engine) -> None:
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00")
    assert isinstance(advice, Advice)
    assert [a.rank for a in advice.actions] == list(range(1, len(advice.actions) + 1))
    assert advice.at == datetime(2026, 11, 17, 16, 0, tzinfo=LONDON)
    again = Advice.model_validate_json(advice.to_json())
    assert again == advice


def test_score_orders_priority_then_urgency_then_due_then_rule_id(engine: followup.Engine, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "".join([
        rule("b-low", priority="low"),
        rule("a-normal-later", action="ask_decision_date", target="company", channel="email", extra="    due: {from: interview_end, days: 2}\n"),
        rule("c-normal-overdue", action="prepare_second_round", extra="    due: {from: interview_end, hours: 1}\n"),
        rule("d-high", action="move_on", priority="high", extra="    due: {from: interview_end, days: 5}\n"),
        rule("e-normal-today", action="collect_contacts", target="company", channel="email",
             extra="    due: {from: interview_end, hours: 4}\n"),
    ]))
    advice = engine.advise(JUST_AFTER, pack, "2026-11-17T17:00")
    got = [(a.rule, a.urgency, a.score) for a in advice.actions]
    assert got == [
        ("d-high", "upcoming", 30),
        ("c-normal-overdue", "overdue", 26),
        ("e-normal-today", "today", 24),
        ("a-normal-later", "upcoming", 20),
        ("b-low", "today", 14),
    ]


def test_one_action_per_kind_and_target_keeps_the_best(engine: followup.Engine, tmp_path: Path) -> None:
    cond = "    when: {person.thanked: false}\n"
    pack = write_pack(tmp_path, rule("thanks-low", "thank_you", "each_interviewer", "email", "low", cond)
                      + rule("thanks-high", "thank_you", "each_interviewer", "email", "high", cond))
    advice = engine.advise(JUST_AFTER, pack, "2026-11-17T17:00")
    assert [(a.rule, a.target.name) for a in advice.actions] == [
        ("thanks-high", "Dana Lee"), ("thanks-high", "Priya Natarajan"), ("thanks-high", "Tomás Ó Briain")]


def test_due_times_are_concrete_and_in_the_company_time_zone(engine: followup.Engine, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "".join([
        rule("evening", "thank_you", "hiring_manager", "email", extra="    due: {from: interview_end, days: 0, time: '19:00'}\n"),
        rule("bdays", "write_notes", extra="    due: {from: interview_day, business_days: 5, time: '09:30'}\n"),
        rule("hours", "keep_searching", extra="    due: {from: interview_end, hours: 24}\n"),
    ]))
    advice = engine.advise(JUST_AFTER, pack, "2026-11-17T16:00:00+00:00")
    due = {a.rule: a.due for a in advice.actions}
    assert due["evening"] == datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)
    assert due["bdays"] == datetime(2026, 11, 24, 9, 30, tzinfo=LONDON)  # Tue + 5 business days = next Tue
    assert due["hours"] == datetime(2026, 11, 18, 15, 0, tzinfo=LONDON)
    assert all(d.tzinfo is not None and d.utcoffset() == timedelta(0) for d in due.values())


def test_calls_land_inside_the_call_windows(engine: followup.Engine, tmp_path: Path) -> None:
    # Due at 09:00 on Saturday: the first allowed slot is Monday 10:00.
    pack = write_pack(tmp_path, rule("call", "status_check", "hiring_manager", "phone",
                                     extra="    due: {from: interview_day, days: 4, time: '09:00'}\n"))
    (action,) = engine.advise(JUST_AFTER, pack, "2026-11-17T16:00").actions
    assert action.due == datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    assert action.suggested_at == action.due
    (late,) = engine.advise(JUST_AFTER, pack, "2026-11-24T12:30").actions  # overdue, during lunch
    assert late.urgency == "overdue" and late.suggested_at == datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)


def test_avoid_advice_is_ranked_and_explained(engine: followup.Engine) -> None:
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00", explain=True)
    avoid = [a for a in advice.actions if a.avoid]
    assert avoid and all(a.rationale and a.because for a in avoid)
    assert all(a.title.startswith("Don't") for a in avoid)


def test_because_trace_shows_the_values_seen(engine: followup.Engine) -> None:
    advice = engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00", explain=True)
    thanks = next(a for a in advice.actions if a.kind == "thank_you" and a.target.name == "Dana Lee")
    seen = {b.fact: (b.value, b.held) for b in thanks.because}
    assert seen["person.thanked"] == (False, True)
    assert engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00").actions[0].because is None


def test_evaluation_leaves_no_state_behind(engine: followup.Engine) -> None:
    first = engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00")
    for _ in range(50):
        engine.advise(JUST_AFTER, "proactive", "2026-11-24T16:00")
    assert engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00") == first


def test_threads_sharing_one_engine_get_the_same_answers(engine: followup.Engine) -> None:
    # One Facts object evaluated by several threads at different moments at once: what an
    # evaluation keeps for the next (per facts, per firing) must never mix two moments.
    import copy

    facts = followup.load_facts(JUST_AFTER)
    times = [datetime(2026, 11, 17, 16, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(12)]
    expected = {t: engine.advise(copy.copy(facts), "proactive", t, explain=True) for t in times}
    errors: list[BaseException] = []

    def work(shift: int) -> None:
        try:
            for _ in range(20):
                for t in times[shift:] + times[:shift]:
                    assert engine.advise(facts, "proactive", t, explain=True) == expected[t], t
        except BaseException as exc:
            errors.append(exc)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    threads = [threading.Thread(target=work, args=(3 * i,)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert not errors


def test_two_engines_side_by_side_have_their_own_plugin_managers() -> None:
    a, b = followup.Engine(load_entrypoints=False), followup.Engine(load_entrypoints=False)
    assert a.pm is not b.pm
    assert a.advise(JUST_AFTER, "conservative", "2026-11-18T10:00") == b.advise(JUST_AFTER, "conservative", "2026-11-18T10:00")


def test_advise_accepts_a_dict_and_json_text(engine: followup.Engine) -> None:
    from followup.yamlio import load_document, plain

    doc, _ = load_document(JUST_AFTER.read_text(), None)
    data = plain(doc.data)
    by_dict = engine.advise(data, "proactive", "2026-11-17T16:00")
    by_json = engine.advise(json.dumps(data), "proactive", "2026-11-17T16:00")
    assert by_dict == by_json == engine.advise(JUST_AFTER, "proactive", "2026-11-17T16:00")


def test_bad_at_is_a_located_input_error(engine: followup.Engine) -> None:
    with pytest.raises(followup.FactsError) as info:
        engine.advise(JUST_AFTER, "proactive", "tomorrow")
    assert info.value.problems[0].path == ("at",)


def test_unknown_pack_name_suggests_the_closest() -> None:
    result = CliRunner().invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactiv"])
    assert result.exit_code == 2 and "did you mean `proactive`" in result.output


def test_cli_json_output_as_a_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(JUST_AFTER), "--pack", "proactive",
                           "--at", "2026-11-17T16:00", "--format", "json"], capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1 and data["pack"]["name"] == "proactive"
    assert data["actions"][0]["kind"] == "write_notes"
    assert data["actions"][1]["kind"] == "thank_you" and data["actions"][1]["due"] == "2026-11-17T19:00:00Z"


def test_cli_reads_facts_from_stdin() -> None:
    result = CliRunner().invoke(cli, ["advise", "-", "--pack", "proactive", "--at", "2026-11-17T16:00", "--format", "markdown"],
                                input=JUST_AFTER.read_text())
    assert result.exit_code == 0, result.output
    assert "2. **Send a thank-you to Dana Lee by email**" in result.output


def test_business_day_arithmetic() -> None:
    fri = datetime(2026, 11, 20, 9, 0, tzinfo=LONDON)
    assert add_business_days(fri, 1).date().isoformat() == "2026-11-23"
    assert add_business_days(fri, 5).date().isoformat() == "2026-11-27"
    assert business_days_between(fri.date(), datetime(2026, 11, 30).date()) == 6
    assert business_days_between(datetime(2026, 11, 30).date(), fri.date()) == -6
    assert next_call_slot(datetime(2026, 11, 20, 16, 45, tzinfo=LONDON)) == datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    assert next_call_slot(datetime(2026, 11, 20, 10, 30, tzinfo=LONDON)) == datetime(2026, 11, 20, 10, 30, tzinfo=LONDON)


def test_cli_takes_the_time_from_the_files_at_line_unless_given() -> None:
    runner = CliRunner()
    by_line = runner.invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactive", "--format", "json"])
    assert json.loads(by_line.output)["at"] == "2026-11-17T16:00:00Z"
    given = runner.invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactive", "--format", "json",
                                "--at", "2026-11-18T09:00"])
    assert json.loads(given.output)["at"] == "2026-11-18T09:00:00Z"


def test_business_day_arithmetic_matches_counting_day_by_day() -> None:
    def counted(moment: datetime, n: int) -> datetime:
        day, step, left = moment.date(), (1 if n >= 0 else -1), abs(n)
        while left:
            day += timedelta(days=step)
            left -= day.weekday() < 5
        return datetime.combine(day, moment.timetz())

    for offset in range(14):
        moment = datetime(2026, 11, 16, 9, tzinfo=LONDON) + timedelta(days=offset)
        for n in range(-12, 13):
            assert add_business_days(moment, n) == counted(moment, n), (moment, n)


def test_text_and_markdown_say_which_pack_and_file_each_inherited_action_came_from() -> None:
    pack = ROOT / "docs" / "examples" / "recruiter-agency" / "recruiter-agency.yaml"
    runner = CliRunner()
    md = runner.invoke(cli, ["advise", str(JUST_AFTER), "--pack", str(pack), "--format", "markdown"]).output
    assert "From: rule thank-arrangers from pack conservative (last set in recruiter-agency.yaml)" in md
    assert "From: rule thank-interviewers-email from pack conservative (last set in conservative.yaml)" in md
    text = runner.invoke(cli, ["advise", str(JUST_AFTER), "--pack", "proactive"]).output
    assert "From: rule thank-interviewers\n" in text


@pytest.mark.parametrize("base", ["conservative", "proactive", "tech-industry"])
def test_packs_asserting_the_same_facts_keep_their_own_rules_for_one_facts_object(
        engine: followup.Engine, tmp_path: Path, base: str) -> None:
    # A pack extending another that only rewords and reprioritises asserts the same facts (one
    # layout), but its rules are its own: evaluating one Facts object under the base pack
    # first must not hand the extending pack the base pack's actions.
    at = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    fired = engine.advise(followup.load_facts(JUST_AFTER), base, at).actions[0]
    lower = "low" if fired.priority != "low" else "critical"
    ext = tmp_path / "reworded.yaml"
    ext.write_text(f"name: reworded\ntitle: Reworded\nsummary: {base}, reworded\nversion: '1'\nextends: {base}\n"
                   f"overrides:\n  - id: {fired.rule}\n    priority: {lower}\n"
                   "    rationale: Reworded for this test, and so told apart from the base pack.\n")
    facts = followup.load_facts(JUST_AFTER)
    for first, second in ((base, ext), (ext, base)):
        engine.advise(facts, first, at, explain=True)
        shared = engine.advise(facts, second, at, explain=True)
        assert shared == engine.advise(followup.load_facts(JUST_AFTER), second, at, explain=True)
    mine = [a for a in engine.advise(facts, ext, at).actions if a.rule == fired.rule]
    assert mine and all(a.priority == lower and a.rationale.startswith("Reworded") for a in mine)

    out = CliRunner().invoke(cli, ["compare", str(JUST_AFTER), "--packs", f"{base},{ext}", "--at", at.isoformat(),
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    by_pack = {a["pack"]["name"]: a for a in json.loads(out.output)["advice"]}
    rationale = {name: {x["rationale"] for x in advice["actions"] if x["rule"] == fired.rule}
                 for name, advice in by_pack.items()}
    assert rationale["reworded"] == {"Reworded for this test, and so told apart from the base pack."}
    assert rationale[base] == {fired.rationale}
