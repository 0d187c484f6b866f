"""followup plan: simulating each pack over the days ahead, on the real engine and packs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.casefiles import case_at
from followup.cli import cli
from followup.errors import FactsError
from followup.planning import Lane, Plan, parse_replies, plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JUST_AFTER = EXAMPLES / "just-after.yaml"
PACKS_DIR = Path(__file__).parent / "packs_for_tests"
START = "2026-11-17T16:00"  # an hour after the interview ended (Tue 17 Nov, Europe/London)


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine()


def done(lane: Lane) -> list[tuple[str, int, str]]:
    """(when, day, label) of everything done, e.g. ("Fri 20 10:30", 3, "call: Dana Lee")."""
    return [(e.at.strftime("%a %d %H:%M"), e.day, e.label) for e in lane.done]


def when(lane: Lane, label: str) -> tuple[str, int]:
    hits = [(w, d) for w, d, lab in done(lane) if lab == label]
    assert len(hits) == 1, (label, done(lane))
    return hits[0]


# --- events and their days, per style ---------------------------------------------------------

def test_proactive_timeline(three_styles: Plan) -> None:
    lane = three_styles.lane("proactive")
    assert when(lane, "notes") == ("Tue 17 17:00", 0)
    assert when(lane, "thank-you: Dana Lee") == ("Tue 17 19:00", 0)
    assert when(lane, "LinkedIn: Dana Lee") == ("Tue 17 21:00", 0)
    assert when(lane, "call: Dana Lee") == ("Fri 20 10:00", 3)  # the first call slot of business day 3
    assert when(lane, "formal letter: Priya Natarajan") == ("Fri 20 09:00", 3)  # before the day-3 call it would trail
    # three working days after the call, as after every first check (8-10 days after the interview)
    assert when(lane, "2nd follow-up: Dana Lee") == ("Wed 25 10:00", 8)
    assert when(lane, "move on") == ("Mon 30 10:00", 13)
    assert lane.end.reason == "move_on" and lane.end.day == 13
    assert lane.done[-1].kind == "move_on"


def test_conservative_timeline(three_styles: Plan) -> None:
    lane = three_styles.lane("conservative")
    assert when(lane, "thank-you: Dana Lee") == ("Wed 18 15:00", 1)  # within 24 hours, at the deadline
    assert when(lane, "status email: Dana Lee") == ("Tue 24 10:00", 7)
    assert not [e for e in lane.done if e.channel == "phone"]  # the email went unanswered but no call before move-on
    assert not lane.find("connect_linkedin")  # LinkedIn only after a decision
    assert lane.end.reason == "move_on"


def test_tech_industry_timeline(three_styles: Plan) -> None:
    lane = three_styles.lane("tech-industry")
    assert when(lane, "thank-you: Dana Lee") == ("Tue 17 18:00", 0)
    assert when(lane, "status email: Dana Lee") == ("Tue 24 10:00", 7)
    assert not [e for e in lane.done if e.channel == "phone"]
    assert lane.end.reason == "move_on"


def test_things_done_together_are_one_follow_up_round(three_styles: Plan) -> None:
    facts = three_styles.lane("proactive").final_facts
    assert [(f.channel, len(f.to)) for f in facts.follow_ups] == [("phone", 1), ("email", 3)]
    assert all(not f.answered for f in facts.follow_ups)
    assert all(p.thank_you is not None for p in facts.people)
    assert facts.interview.notes_taken and facts.decision.asked


def test_standing_advice_is_listed_once(three_styles: Plan) -> None:
    lane = three_styles.lane("proactive")
    advice = [e for e in lane.events if e.type == "advice"]
    assert [e.kind for e in advice].count("keep_searching") == 1
    no_call = [e for e in advice if e.avoid and e.kind == "status_check" and e.rule == "no-call-before-day-three"]
    assert len(no_call) == 1 and no_call[0].at.strftime("%a %d %H:%M") == "Tue 17 16:00"
    assert no_call[0].last_seen is not None and no_call[0].last_seen < no_call[0].due  # gone by day three


def test_nothing_is_done_at_night(three_styles: Plan) -> None:
    for lane in three_styles.lanes:
        for e in lane.done:
            assert time(8) <= e.at.time() <= time(22), (lane.pack.name, e)


def test_each_action_is_what_the_engine_advised_at_that_moment(engine: followup.Engine, three_styles: Plan) -> None:
    """Replaying the facts just before an event, the engine gives that action, due by then."""
    lane = three_styles.lane("proactive")
    call = lane.find("status_check", "Dana Lee")[0]
    facts = followup.load_facts(JUST_AFTER)
    facts = facts.model_copy(update={"interviewers": lane.final_facts.interviewers,
                                     "arrangers": lane.final_facts.arrangers,
                                     "decision": lane.final_facts.decision,
                                     "interview": lane.final_facts.interview})
    advice = engine.advise(facts, "proactive", call.at)
    calls = [a for a in advice.actions if a.kind == "status_check" and not a.avoid]
    assert calls and calls[0].suggested_at == call.at


# --- every built-in pack ends in a move-on when nobody answers ------------------------------------

@pytest.mark.parametrize("example", ["just-after.yaml", "waiting-no-news.yaml", "decision-passed.yaml"])
def test_every_builtin_pack_moves_on_without_answers(engine: followup.Engine, example: str) -> None:
    path = EXAMPLES / example
    start = case_at(path, followup.load_facts(path)) if example != "just-after.yaml" else START
    result = plan(path, None, start, 35, engine=engine)
    assert [lane.pack.name for lane in result.lanes] == list(engine.pack_paths())
    for lane in result.lanes:
        assert lane.end.reason == "move_on", (lane.pack.name, lane.end.message)
        follow_ups = lane.final_facts.follow_ups
        assert len(follow_ups) >= 2 and not any(f.answered for f in follow_ups)
        # nothing more is done after the move-on
        assert lane.done[-1].kind == "move_on"


# --- simulated answers ---------------------------------------------------------------------------

def test_offer_stops_the_follow_ups(engine: followup.Engine) -> None:
    result = plan(JUST_AFTER, ["proactive", "conservative"], START, 21, "offer@9", engine=engine)
    for lane in result.lanes:
        got = lane.find("offer", type="received")
        assert len(got) == 1 and got[0].day == 9 and got[0].at.strftime("%H:%M") == "10:00"
        answer = lane.find("reply_offer")
        assert len(answer) == 1 and 9 <= answer[0].day <= 10
        assert lane.end.reason == "horizon"
        assert not [e for e in lane.done if e.kind in ("status_check", "second_follow_up") and e.at > got[0].at]
        assert lane.final_facts.responses[-1].replied is not None
    assert result.lane("proactive").find("reply_offer")[0].channel == "email"  # O1 names no channel: all styles write


def test_rejection_gets_a_thank_you_by_email(engine: followup.Engine) -> None:
    result = plan(JUST_AFTER, ["proactive"], START, 14, "rejection@4", engine=engine)
    lane = result.lane("proactive")
    thanks = lane.find("thank_after_rejection")
    # O2: the one who said no and every other interviewer, all by email
    assert len(thanks) == 3 and {t.channel for t in thanks} == {"email"}
    assert [e.channel for e in lane.events if e.type == "advice" and e.kind == "thank_after_rejection"] == ["phone"]
    rejected = lane.find("rejection", type="received")[0].at
    assert [e.day for e in lane.find("status_check")] == [3]  # the day-3 call, before the rejection
    assert not [e for e in lane.done if e.at > rejected and e.kind != "thank_after_rejection"]
    assert not lane.find("move_on")


def test_second_round_is_accepted_and_prepared(engine: followup.Engine) -> None:
    result = plan(JUST_AFTER, ["tech-industry"], START, 10, "second_round@2026-11-20T11:00", engine=engine)
    lane = result.lane("tech-industry")
    assert lane.find("second_round", type="received")[0].at.strftime("%a %d %H:%M") == "Fri 20 11:00"
    assert lane.find("reply_second_round")
    assert [e for e in lane.events if e.type == "advice" and e.kind == "prepare_second_round"]


def test_parse_replies() -> None:
    facts = followup.load_facts(JUST_AFTER)
    got = parse_replies("second_round@3,offer@2026-11-30", facts)
    assert [(r.kind, r.at.isoformat()) for r in got] == [
        ("second_round", "2026-11-20T10:00:00+00:00"), ("offer", "2026-11-30T10:00:00+00:00")]
    assert got[0].from_ == "Dana Lee"
    assert parse_replies("none", facts) == []
    for bad in ("offer", "hired@3", "offer@soon"):
        with pytest.raises(FactsError, match="--replies"):
            parse_replies(bad, facts)


# --- a pack whose action stays due is reported, not looped ------------------------------------

def test_an_action_that_stays_due_is_reported(engine: followup.Engine) -> None:
    result = plan(JUST_AFTER, [str(PACKS_DIR / "stuck.yaml")], START, 5, engine=engine)
    lane = result.lanes[0]
    assert lane.end.reason == "stuck"
    assert "'notes-forever'" in lane.end.message and "right after it was done" in lane.end.message
    assert len(lane.find("write_notes")) == 1
    assert result.stuck == [lane]


def test_cli_reports_a_stuck_plan_with_exit_1(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--pack", str(PACKS_DIR / "stuck.yaml"), "--from", START],
                                obj={"engine": engine})
    assert result.exit_code == 1
    assert "STUCK" in result.output
    assert "the stuck plan got stuck on day 0" in result.output


# --- the CLI --------------------------------------------------------------------------------------

def test_cli_text_plan(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--pack", "proactive", "--from", START],
                                obj={"engine": engine}, catch_exceptions=False)
    assert result.exit_code == 0
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "Tue 17 19:00 day 0 • thank-you: Dana Lee (email)" in lines
    assert "Fri 20 10:00 day 3 • call: Dana Lee (phone)" in lines
    assert "Mon 30 10:00 day 13 • move on" in lines
    assert "END: the pack says move on, on day 13" in lines


def test_cli_json_matches_the_api(engine: followup.Engine, three_styles: Plan) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--packs", "conservative,proactive,tech-industry",
                                      "--from", START, "--format", "json"], obj={"engine": engine})
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [lane["end"]["day"] for lane in data["lanes"]] == [lane.end.day for lane in three_styles.lanes]
    assert Plan.model_validate_json(result.output).lanes[1].events == three_styles.lanes[1].events


def test_cli_markdown(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--pack", "conservative", "--from", START,
                                      "--format", "markdown", "--days", "10"], obj={"engine": engine})
    assert result.exit_code == 0
    assert "## Conservative (`conservative`)" in result.output
    assert "end of the simulated days (day 10) without a move-on" in result.output


def test_cli_pack_and_packs_together_is_a_usage_error(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--pack", "proactive", "--packs", "conservative"],
                                obj={"engine": engine})
    assert result.exit_code == 2 and "not both" in result.output


def test_cli_bad_replies_is_a_clear_error(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--pack", "proactive", "--replies", "offer@someday"],
                                obj={"engine": engine})
    assert result.exit_code == 2
    assert "offer@someday" in result.output and "fix:" in result.output


def test_subprocess_plan_html(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("followup")
    out = tmp_path / "plan.html"
    proc = subprocess.run([str(exe), "plan", str(JUST_AFTER), "--packs", "conservative,proactive,tech-industry",
                           "--from", START, "--format", "html", "--output", str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and page.count("<th>") >= 4
    for title in ("Conservative", "Proactive", "Tech industry"):
        assert f"<th>{title}</th>" in page
    assert "<b>10:00</b> call: Dana Lee" in page


# --- an update ("still deciding") restarts the follow-up clock --------------------------------------

@pytest.mark.parametrize("pack", ["conservative", "proactive", "tech-industry"])
def test_an_update_restarts_the_follow_ups_and_ends_in_a_move_on(engine: followup.Engine, pack: str) -> None:
    facts = followup.load_facts(JUST_AFTER)
    replies = parse_replies("update@5", facts)
    assert [(r.kind, r.at.strftime("%a %d %H:%M")) for r in replies] == [("update", "Sun 22 10:00")]
    result = plan(JUST_AFTER, [pack], START, 40, replies, engine=engine)
    lane = result.lane(pack)
    update = lane.find("update", type="received")
    assert len(update) == 1 and update[0].day == 5
    after = [e for e in lane.done if e.at > update[0].at]
    checks = [e for e in after if e.kind == "status_check"]
    seconds = [e for e in after if e.kind == "second_follow_up"]
    assert len(checks) == 1 and checks[0].rule in ("email-status-after-update", "call-after-update"), done(lane)
    assert seconds and {e.rule for e in seconds} == {"second-follow-up-after-update"}, done(lane)
    assert checks[0].at < seconds[0].at
    assert lane.end.reason == "move_on", lane.end.message
    assert lane.done[-1].kind == "move_on" and lane.done[-1].at > seconds[0].at
    # the two follow-ups since the update are what it moves on after, none answered
    since = [f for f in lane.final_facts.follow_ups if f.at > update[0].at]
    assert len(since) == 2 and not any(f.answered for f in since)
    if pack == "proactive":  # its second call, within the limit of two
        assert [e.channel for e in lane.done if e.kind == "status_check"] == ["phone", "phone"]
    else:
        assert checks[0].channel == "email" and checks[0].at.strftime("%a %d %H:%M") == "Fri 27 10:00"
