"""Action windows (opens / due / expires / then), the evening floor, holidays, both time zones, and
dependency-aware ranking: through the pack format, validation and real evaluations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import followup
from authoring_support import pack, rule, run, write
from followup.businesstime import add_business_days, business_days_between, holiday_calendar, next_call_slot
from followup.cli import cli
from followup.engine import Engine

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def facts(**over: Any) -> dict[str, Any]:
    """A Tuesday 17 Nov 2026 interview in London, 13:00-14:00; `over` replaces top-level parts."""
    data: dict[str, Any] = {
        "candidate": {"name": "Sam Rivera"},
        "position": {"title": "Engineer", "company": "Northwind", "industry": "technology", "culture": "casual",
                     "timezone": "Europe/London"},
        "interview": {"start": "2026-11-17T13:00:00+00:00", "end": "2026-11-17T14:00:00+00:00", "format": "onsite",
                      "went": "well"},
        "interviewers": [{"name": "Priya Natarajan", "email": "priya@n.example", "contact_known": True},
                         {"name": "Dana Lee", "email": "dana@n.example", "role": "hiring_manager", "contact_known": True}],
    }
    data.update(over)
    return data


def advise(tmp_path: Path, rules: str, data: dict[str, Any], at: str) -> list[Any]:
    path = write(tmp_path, "mini.yaml", pack("mini", rules))
    return Engine(load_entrypoints=False).advise(data, path, at).actions


# --- the pack format and its validation ----------------------------------------------------------


def test_expires_before_due_is_an_error_at_file_line_col(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", pack("mini", rule("late", action="write_notes", extra="""
        due: {from: interview_end, hours: 24}
        expires: {from: interview_end, hours: 12}
        """)))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:11:5 (rules.0.expires): error: `expires` comes before `due`" in result.output
    assert "fix: move `expires` later than the due time" in result.output


def test_opens_after_due_and_a_window_that_never_opens_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", pack("mini", rule("odd", action="write_notes", extra="""
        opens: {from: interview_day, business_days: 5}
        due: {from: interview_day, business_days: 3}
        """), rule("shut", action="move_on", extra="""
        opens: {from: interview_end, hours: 5}
        expires: {from: interview_end, hours: 5}
        """)))
    out = run("validate", str(path)).output
    assert "(rules.0.opens): error: `opens` comes after `due`" in out
    assert "(rules.1.expires): error: `expires` is not after `opens`: the window never opens" in out


def test_then_must_name_another_rule_and_ahead_needs_a_scheduled_event(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", pack("mini", rule("a", action="write_notes", extra="""
        expires: {from: interview_end, hours: 5, then: late-thanks}
        """), rule("late-thank", action="keep_searching")))
    out = run("validate", str(path)).output
    assert "(rules.0.expires.then): error: `then: late-thanks` names no rule of this pack" in out
    assert "did you mean `late-thank`?" in out
    write(tmp_path, "mini.yaml", pack("mini", rule("b", action="move_on", extra="""
        expires: {on: [follow_up], ahead: {days: 1}}
        """)))
    assert "`ahead` applies to scheduled events" in run("validate", str(path)).output


def test_a_shared_replacement_needs_predecessors_that_close_together(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", pack("mini", rule("a", action="write_notes", extra="""
        expires: {from: interview_end, hours: 5, then: later}
        """), rule("b", action="collect_contacts", target="each_interviewer", extra="""
        expires: {from: interview_end, hours: 6, then: later}
        """), rule("later", action="keep_searching")))
    result = run("validate", str(path))
    assert result.exit_code != 0
    assert ("(rules.1.expires.then): error: `then: later` already takes over from rule `a`, whose window "
            "closes differently") in result.output
    assert "copy `later` under a new id for `b`" in result.output
    # closing at the same moment (a card or an email thank-you, say), two rules may share their replacement
    path.write_text(path.read_text().replace("hours: 6, then", "hours: 5, then"))
    assert run("validate", str(path)).exit_code == 0


def test_expired_actions_disappear_and_the_named_replacement_takes_over(tmp_path: Path) -> None:
    rules = rule("linkedin-same-day", when="{person.linkedin: none}", action="connect_linkedin",
                 target="each_interviewer", channel="linkedin", extra="""
        due: {from: interview_end, days: 0, time: "21:00"}
        expires: {from: interview_end, days: 1, time: "09:00", then: linkedin-later}
        """) + rule("linkedin-later", when="{person.linkedin: none}", action="connect_linkedin",
                    target="each_interviewer", channel="linkedin", priority="low", extra="""
        expires: {from: interview_end, business_days: 10}
        """)
    def shown(at: str) -> set[str]:
        return {a.rule for a in advise(tmp_path, rules, facts(), at)}
    assert shown("2026-11-17T20:00") == {"linkedin-same-day"}
    assert shown("2026-11-18T08:59") == {"linkedin-same-day"}
    assert shown("2026-11-18T09:00") == {"linkedin-later"}
    assert shown("2026-12-01T13:59") == {"linkedin-later"}
    assert shown("2026-12-01T14:00") == set()  # ten business days after Tue 17 Nov 14:00


def test_a_range_is_not_shown_before_it_opens_and_is_overdue_only_after_it_ends(tmp_path: Path) -> None:
    rules = rule("call", action="status_check", target="decision_contact", channel="phone", extra="""
        opens: {from: interview_day, business_days: 3, time: "10:00"}
        due: {from: interview_day, business_days: 5, time: "16:00"}
        expires: {from: interview_day, business_days: 8}
        """)
    assert advise(tmp_path, rules, facts(), "2026-11-20T09:59") == []  # Friday: business day 3 opens at 10:00
    first = advise(tmp_path, rules, facts(), "2026-11-20T10:00")[0]
    assert first.urgency == "today" and first.opens == datetime(2026, 11, 20, 10, tzinfo=LONDON)
    assert first.due == datetime(2026, 11, 24, 16, 0, tzinfo=LONDON)
    assert advise(tmp_path, rules, facts(), "2026-11-24T15:59")[0].urgency == "today"
    assert advise(tmp_path, rules, facts(), "2026-11-24T16:01")[0].urgency == "overdue"
    assert advise(tmp_path, rules, facts(), "2026-11-27T00:00") == []


def test_events_close_a_window_only_after_the_rules_reference(tmp_path: Path) -> None:
    rules = rule("ask", action="ask_decision_date", target="hiring_manager", channel="email", extra="""
        due: {from: interview_end, hours: 24}
        expires: {from: interview_end, business_days: 5, on: [follow_up, response]}
        """)
    data = facts(follow_ups=[{"at": "2026-11-19T10:00:00+00:00", "channel": "email", "to": ["Dana Lee"]}])
    assert [a.rule for a in advise(tmp_path, rules, data, "2026-11-19T09:00")] == ["ask"]
    assert advise(tmp_path, rules, data, "2026-11-19T10:00") == []


def test_ahead_closes_before_a_scheduled_event(tmp_path: Path) -> None:
    rules = rule("letter", action="formal_letter", target="each_interviewer", channel="letter", extra="""
        expires: {on: [decision_date], ahead: {business_days: 2}}
        """)
    data = facts(decision={"asked": True, "expected_by": "2026-11-26T17:00:00+00:00"})
    assert len(advise(tmp_path, rules, data, "2026-11-24T16:59")) == 2
    assert advise(tmp_path, rules, data, "2026-11-24T17:00") == []  # two business days before Thu 17:00


# --- the time model --------------------------------------------------------------------------------


EVENING = """
    due: {from: interview_end, days: 0, time: "19:00", at_least_hours: 2}
    """


def test_an_evening_interview_keeps_its_same_evening_thank_you_in_the_evening(tmp_path: Path) -> None:
    late = facts(interview={"start": "2026-11-17T19:30:00+00:00", "end": "2026-11-17T20:30:00+00:00",
                            "format": "onsite", "went": "well"})
    rules = rule("thanks", action="thank_you", target="each_interviewer", channel="email", extra=EVENING)
    at_end = advise(tmp_path, rules, late, "2026-11-17T20:31")
    assert {a.due for a in at_end} == {datetime(2026, 11, 17, 22, 30, tzinfo=LONDON)}
    assert {a.urgency for a in at_end} == {"today"}
    assert "at least 2 h after the interview ended" in (at_end[0].due_note or "")
    early = advise(tmp_path, rules, facts(), "2026-11-17T15:00")
    assert {a.due for a in early} == {datetime(2026, 11, 17, 19, tzinfo=LONDON)} and early[0].due_note is None


def test_holidays_of_the_companys_country_are_not_business_days() -> None:
    england = holiday_calendar("GB", "ENG")
    fri = datetime(2026, 8, 28, 16, tzinfo=LONDON)  # the Monday after is the summer bank holiday
    assert add_business_days(fri, 1, england).date().isoformat() == "2026-09-01"
    assert add_business_days(fri, 1).date().isoformat() == "2026-08-31"
    assert business_days_between(fri.date(), datetime(2026, 9, 4).date(), england) == 4
    assert next_call_slot(datetime(2026, 8, 28, 17, tzinfo=LONDON), cal=england) == datetime(2026, 9, 1, 10, tzinfo=LONDON)
    thanksgiving = holiday_calendar("US")
    assert add_business_days(datetime(2026, 11, 25, 9, tzinfo=NEW_YORK), 1, thanksgiving).date().isoformat() == "2026-11-27"


def test_a_due_time_on_a_weekend_or_holiday_moves_to_the_next_working_morning(tmp_path: Path) -> None:
    friday = facts(interview={"start": "2026-08-28T15:00:00+01:00", "end": "2026-08-28T16:00:00+01:00",
                              "format": "onsite", "went": "well"})
    friday["position"] |= {"country": "GB", "subdivision": "ENG"}
    rules = rule("thanks", action="thank_you", target="each_interviewer", channel="email", extra="""
        due: {from: interview_end, hours: 24}
        """)
    got = advise(tmp_path, rules, friday, "2026-08-28T17:00")
    assert {a.due for a in got} == {datetime(2026, 9, 1, 9, tzinfo=LONDON)}
    assert "Sat 29 Aug is a weekend" in (got[0].due_note or "")
    without = dict(friday, position={k: v for k, v in friday["position"].items() if k not in ("country", "subdivision")})
    assert {a.due for a in advise(tmp_path, rules, without, "2026-08-28T17:00")} == {datetime(2026, 8, 31, 9, tzinfo=LONDON)}


def test_explain_says_whether_holidays_are_known(tmp_path: Path) -> None:
    path = write(tmp_path, "f.json", json.dumps(facts()))
    out = CliRunner().invoke(cli, ["advise", str(path), "-p", "proactive", "--at", "2026-11-17T15:00", "--format", "json"]).output
    assert "no company country in the facts" in json.loads(out)["notes"][0]
    known = facts()
    known["position"] |= {"country": "GB", "subdivision": "ENG"}
    path.write_text(json.dumps(known))
    out = CliRunner().invoke(cli, ["advise", str(path), "-p", "proactive", "--at", "2026-11-17T15:00", "--format", "json"]).output
    assert json.loads(out)["notes"][0] == "business days skip weekends and the public holidays of GB-ENG"


def test_unknown_country_and_subdivision_are_errors_naming_the_field() -> None:
    bad = facts()
    bad["position"] |= {"country": "XX"}
    with pytest.raises(followup.FactsError, match="unknown country 'XX'"):
        followup.parse_facts(bad)
    bad["position"] |= {"country": "GB", "subdivision": "Kent"}
    with pytest.raises(followup.FactsError, match="unknown subdivision 'Kent' of GB: use one of ENG"):
        followup.parse_facts(bad)


def test_due_times_and_call_slots_in_both_zones_with_calls_in_company_hours(tmp_path: Path) -> None:
    data = facts(candidate={"name": "Sam Rivera", "timezone": "America/New_York"})
    rules = rule("call", action="status_check", target="decision_contact", channel="phone", extra="""
        due: {from: interview_day, business_days: 3, time: "10:30"}
        """)
    a = advise(tmp_path, rules, data, "2026-11-17T15:00")[0]
    assert a.suggested_at == datetime(2026, 11, 20, 10, 30, tzinfo=LONDON)
    assert a.suggested_local == datetime(2026, 11, 20, 5, 30, tzinfo=NEW_YORK)
    assert a.due_local is not None and a.due_local.tzinfo == NEW_YORK
    same = advise(tmp_path, rules, facts(candidate={"name": "Sam", "timezone": "Europe/London"}), "2026-11-17T15:00")[0]
    assert same.due_local is None


def test_new_response_fields_feed_derived_facts_and_anchors(tmp_path: Path) -> None:
    data = facts(responses=[{"kind": "second_round", "at": "2026-11-19T10:00:00+00:00", "channel": "phone",
                             "second_round_at": "2026-11-25T10:00:00+00:00", "panel": ["Grace Ho"]}])
    rules = rule("prep", when="{second_round.done: false, outcome.channel: phone}", action="prepare_second_round",
                 extra="""
        opens: {from: second_round, days: -5}
        expires: {on: [second_round]}
        """)
    assert advise(tmp_path, rules, data, "2026-11-19T11:00") == []  # more than five days ahead
    assert [a.rule for a in advise(tmp_path, rules, data, "2026-11-20T10:00")] == ["prep"]
    assert advise(tmp_path, rules, data, "2026-11-25T10:00") == []
    offer = facts(responses=[{"kind": "offer", "at": "2026-11-19T10:00:00+00:00", "answer_by": "2026-11-18T10:00:00+00:00"}])
    with pytest.raises(followup.FactsError, match="answer-by date is before the offer arrived"):
        followup.parse_facts(offer)


# --- dependency-aware ranking -------------------------------------------------------------------


def test_enablers_come_first_and_ties_put_the_hiring_manager_first(tmp_path: Path) -> None:
    data = facts(interviewers=[{"name": "Priya Natarajan", "contact_known": False},
                               {"name": "Dana Lee", "email": "dana@n.example", "role": "hiring_manager", "contact_known": True}])
    rules = (rule("thanks", action="thank_you", target="each_interviewer", channel="email", priority="critical",
                  extra="due: {from: interview_end, hours: 5}")
             + rule("notes", action="write_notes", priority="high", extra="due: {from: interview_end, hours: 6}")
             + rule("contacts", when="{person.contact_known: false}", action="collect_contacts",
                    target="each_interviewer", channel="email", priority="normal", extra="due: {from: interview_end, hours: 8}")
             + rule("searching", action="keep_searching", priority="low"))
    order = [(a.rule, a.target.name) for a in advise(tmp_path, rules, data, "2026-11-17T15:00")]
    assert order == [("notes", None), ("thanks", "Dana Lee"), ("contacts", "Priya Natarajan"),
                     ("thanks", "Priya Natarajan"), ("searching", None)]
    offer = dict(data, responses=[{"kind": "offer", "at": "2026-11-17T14:30:00+00:00"}])
    reply = rule("reply", action="reply_offer", target="decision_contact", channel="email", priority="low")
    assert advise(tmp_path, rules + reply, offer, "2026-11-17T15:00")[0].rule == "reply"


def test_business_day_walks_match_counting_day_by_day_with_holidays() -> None:
    england = holiday_calendar("GB", "ENG")

    def counted(moment: datetime, n: int) -> datetime:
        day, step, left = moment.date(), (1 if n >= 0 else -1), abs(n)
        while left:
            day += timedelta(days=step)
            left -= day.weekday() < 5 and day not in england
        return datetime.combine(day, moment.timetz())

    for offset in range(0, 40, 3):
        moment = datetime(2026, 12, 10, 9, tzinfo=LONDON) + timedelta(days=offset)
        for n in range(-12, 13):
            assert add_business_days(moment, n, england) == counted(moment, n), (moment, n)


def test_text_explain_shows_the_holiday_note_the_evening_reason_and_both_zones(tmp_path: Path) -> None:
    data = facts(candidate={"name": "Sam Rivera", "timezone": "America/New_York"},
                 interview={"start": "2026-11-17T19:30:00+00:00", "end": "2026-11-17T20:30:00+00:00",
                            "format": "video", "went": "well"})
    path = write(tmp_path, "f.json", json.dumps(data))
    mini = write(tmp_path, "mini.yaml", pack("mini", rule("thanks", action="thank_you", target="each_interviewer",
                                                          channel="email", extra=EVENING)))
    out = CliRunner().invoke(cli, ["advise", str(path), "-p", str(mini), "--at", "2026-11-17T20:45", "--explain"]).output
    assert "due Tue 17 Nov 22:30 (yours Tue 17 Nov 17:30)" in out
    flat = " ".join(out.split())  # the list is wrapped to 80 columns
    assert "Time: due 22:30, not 19:00: at least 2 h after the interview ended (Tue 20:30)" in flat
    assert "Note: no company country in the facts" in out


def test_an_extending_pack_overrides_a_window_and_a_bad_then_is_refused(tmp_path: Path) -> None:
    longer = write(tmp_path, "patient.yaml", """
        name: patient
        title: Patient
        summary: Proactive, but a LinkedIn invitation stays same-day business for two days.
        extends: proactive
        overrides:
          - id: linkedin-same-day
            expires: {from: interview_end, days: 2, time: "12:00", then: linkedin-later}
        """)
    engine = Engine(load_entrypoints=False)
    actions = engine.advise(facts(), longer, "2026-11-18T15:00").actions
    assert "linkedin-same-day" in {a.rule for a in actions} and "linkedin-later" not in {a.rule for a in actions}
    broken = write(tmp_path, "broken.yaml", """
        name: broken
        title: Broken
        summary: Hands over to a rule that does not exist.
        extends: proactive
        overrides:
          - id: linkedin-same-day
            expires: {from: interview_end, days: 1, then: linkedin-laterr}
        """)
    with pytest.raises(followup.PackError, match="`then: linkedin-laterr` names no rule of this pack"):
        engine.advise(facts(), broken, "2026-11-18T15:00")
