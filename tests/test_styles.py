"""The three built-in styles differ exactly where the articles disagree.

Each test takes one row of the disagreement table (ADVICE.md, "Where the
articles disagree") and checks that the same facts, at the same moment,
give the differing advice under conservative, proactive and tech-industry:
action kind, channel, due time and avoid flags, as concrete values.

Fact variations are dict copies of one base case (a London interview on
Tuesday 17 November 2026, 13:00-15:00 UTC, which is also local time).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import followup
from followup import Action, Advice, Engine

LONDON = ZoneInfo("Europe/London")
PACKS = ("conservative", "proactive", "tech-industry")
FOLLOW_UP_KINDS = {"status_check", "second_follow_up"}

BASE: dict[str, Any] = {
    "candidate": {"name": "Sam Rivera", "email": "sam.rivera@example.org"},
    "position": {
        "title": "Senior Backend Engineer",
        "company": "Northwind Analytics",
        "industry": "technology",
        "culture": "casual",
        "timezone": "Europe/London",
    },
    "interview": {
        "start": "2026-11-17T13:00:00+00:00",
        "end": "2026-11-17T15:00:00+00:00",
        "format": "onsite",
        "went": "well",
        "notes_taken": True,
    },
    "interviewers": [
        {"name": "Dana Lee", "title": "Engineering Manager", "email": "dana.lee@northwind.example",
         "role": "hiring_manager", "contact_known": True},
        {"name": "Priya Natarajan", "title": "Staff Engineer", "email": "priya.n@northwind.example",
         "contact_known": True},
    ],
    "arrangers": [
        {"name": "Alex Chen", "title": "Technical Recruiter", "email": "alex.chen@northwind.example",
         "role": "recruiter", "contact_known": True},
    ],
    "decision": {"asked": True},
}
INTERVIEWERS = {"Dana Lee", "Priya Natarajan"}


def local(text: str) -> datetime:
    """A London wall-clock time (aware)."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_entrypoints=False)


def case(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with top-level sections merged in (`section=value`)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def thanked(data: dict[str, Any], at: str = "2026-11-17T18:30:00+00:00") -> dict[str, Any]:
    """Everyone thanked by email, and connected on LinkedIn, so later rows show only what they test."""
    for group in ("interviewers", "arrangers"):
        for p in data[group]:
            p["thank_you"] = {"at": at, "channel": "email"}
            p["linkedin"] = "connected"
    return data


def advise_all(engine: Engine, data: dict[str, Any], at: datetime) -> dict[str, Advice]:
    facts = followup.parse_facts(data)
    return {p: engine.advise(facts, p, at) for p in PACKS}


def doing(advice: Advice, kind: str) -> list[Action]:
    return [a for a in advice.actions if a.kind == kind and not a.avoid]


def avoiding(advice: Advice, kind: str, channel: str | None = None) -> list[Action]:
    return [a for a in advice.actions if a.kind == kind and a.avoid and (channel is None or a.channel == channel)]


def phone_status(advice: Advice) -> list[Action]:
    return [a for a in doing(advice, "status_check") if a.channel == "phone"]


def only(actions: Iterable[Action]) -> Action:
    found = list(actions)
    assert len(found) == 1, [a.rule for a in found]
    return found[0]


# --- thank-you deadline -------------------------------------------------------


def test_thank_you_deadline_differs(engine: Engine) -> None:
    advice = advise_all(engine, case(), local("2026-11-17T16:00"))
    due = {}
    for pack, adv in advice.items():
        thanks = [a for a in doing(adv, "thank_you") if a.target.name in INTERVIEWERS]
        assert {a.target.name for a in thanks} == INTERVIEWERS, pack
        assert {a.channel for a in thanks} == {"email"}, pack  # casual tech company: email in every style
        assert len({a.due for a in thanks}) == 1, pack
        due[pack] = thanks[0].due
    assert due["conservative"] == local("2026-11-18T15:00")  # within 24 h of the end (15:00)
    assert due["proactive"] == local("2026-11-17T19:00")  # that evening
    assert due["tech-industry"] == local("2026-11-17T18:00")  # the same (working) day
    assert due["proactive"] - local("2026-11-17T15:00") < timedelta(hours=24)


def test_thank_you_deadline_never_before_the_interview_ends(engine: Engine) -> None:
    late = case(interview={"start": "2026-11-17T18:00:00+00:00", "end": "2026-11-17T20:15:00+00:00"})
    advice = advise_all(engine, late, local("2026-11-17T20:30"))
    for pack in ("proactive", "tech-industry"):  # still that evening: at least two hours after it ended
        thanks = doing(advice[pack], "thank_you")
        assert {a.due for a in thanks} == {local("2026-11-17T22:15")}, pack
        assert {a.urgency for a in thanks} == {"today"}
        assert all("at least 2 h after the interview ended" in (a.due_note or "") for a in thanks)
    assert {a.due for a in doing(advice["conservative"], "thank_you")} == {local("2026-11-18T20:15")}


# --- thank-you medium ---------------------------------------------------------


@pytest.mark.parametrize("culture, conservative_channel", [("formal", "handwritten"), ("casual", "email")])
def test_thank_you_medium_conservative_follows_culture(engine: Engine, culture: str, conservative_channel: str) -> None:
    data = case(position={"culture": culture, "industry": "legal"})
    advice = advise_all(engine, data, local("2026-11-17T16:00"))
    interviewer_thanks = {p: [a for a in doing(adv, "thank_you") if a.target.kind == "each_interviewer"]
                          for p, adv in advice.items()}
    assert {a.channel for a in interviewer_thanks["conservative"]} == {conservative_channel}
    rule = {"formal": "thank-interviewers-card", "casual": "thank-interviewers-email"}[culture]
    assert {a.rule for a in interviewer_thanks["conservative"]} == {rule}
    # the other two styles do not look at culture
    assert {a.channel for a in interviewer_thanks["proactive"]} == {"email"}
    assert {a.channel for a in interviewer_thanks["tech-industry"]} == {"email"}


def test_tech_industry_is_email_only_and_says_so(engine: Engine) -> None:
    advice = advise_all(engine, case(position={"culture": "formal"}), local("2026-11-17T16:00"))
    tech = advice["tech-industry"]
    assert {a.channel for a in doing(tech, "thank_you")} == {"email"}
    card = only(avoiding(tech, "thank_you", "handwritten"))
    assert card.rule == "no-handwritten-cards"
    assert not avoiding(advice["conservative"], "thank_you") and not avoiding(advice["proactive"], "thank_you")


def test_formal_letter_later_only_in_proactive(engine: Engine) -> None:
    # Friday 20 November: thank-yous went out on the day, three business days have passed.
    advice = advise_all(engine, thanked(case()), local("2026-11-20T09:00"))
    letters = doing(advice["proactive"], "formal_letter")
    assert {a.target.name for a in letters} == INTERVIEWERS
    assert {a.channel for a in letters} == {"email"}  # T8: email or paper; a tech company reads paper as slow (T3)
    assert {a.due for a in letters} == {local("2026-11-20T09:00")}  # 3 business days after Tue 17, before the call opens
    assert not doing(advice["conservative"], "formal_letter")
    assert not doing(advice["tech-industry"], "formal_letter")
    # not yet on the day after the interview (fewer than two business days)
    next_day = advise_all(engine, thanked(case()), local("2026-11-18T12:00"))
    assert not doing(next_day["proactive"], "formal_letter")


# --- first status check, no date given ---------------------------------------


def test_first_status_check_without_a_date(engine: Engine) -> None:
    # Friday 20 November, day 3 after the interview: thanks sent, no date given, no follow-up yet.
    advice = advise_all(engine, thanked(case()), local("2026-11-20T16:00"))

    call = only(doing(advice["proactive"], "status_check"))
    assert (call.rule, call.channel, call.target.name) == ("call-day-three", "phone", "Dana Lee")
    assert call.opens == local("2026-11-20T10:00")  # business day 3 ...
    assert call.due == local("2026-11-24T16:00")  # ... to business day 5: a range, not overdue inside it
    assert call.urgency == "today"
    assert call.suggested_at == local("2026-11-20T16:00")  # still inside the 14:00-16:30 window
    assert not avoiding(advice["proactive"], "status_check")

    for pack in ("conservative", "tech-industry"):
        adv = advice[pack]
        email = only(doing(adv, "status_check"))
        assert (email.rule, email.channel, email.target.name) == ("email-status-after-a-week", "email", "Dana Lee")
        assert email.due == local("2026-11-24T10:00")  # 5 business days after Tuesday 17
        assert email.urgency == "upcoming"
        assert avoiding(adv, "status_check", "phone"), f"{pack} must advise against calling now"
        assert not phone_status(adv)


def test_proactive_holds_the_call_until_day_three(engine: Engine) -> None:
    adv = engine.advise(followup.parse_facts(thanked(case())), "proactive", local("2026-11-18T11:00"))
    assert not doing(adv, "status_check")
    hold = only(avoiding(adv, "status_check", "phone"))
    assert hold.rule == "no-call-before-day-three"
    assert hold.due == local("2026-11-20T10:00")  # until business day 3 opens the call


# --- decision date given and passed ------------------------------------------

PROMISED = {"asked": True, "expected_by": "2026-11-20T17:00:00+00:00", "informs": "Alex Chen"}


def test_date_passed_first_contact(engine: Engine) -> None:
    # Monday 23 November, 09:00: they promised an answer by Friday 17:00; nothing came.
    advice = advise_all(engine, thanked(case(decision=PROMISED)), local("2026-11-23T09:00"))

    call = only(doing(advice["proactive"], "status_check"))
    assert (call.rule, call.channel, call.target.name) == ("call-when-date-passes", "phone", "Alex Chen")
    assert call.due == local("2026-11-23T10:30")  # next business day after the Friday
    assert call.priority == "critical"

    for pack in ("conservative", "tech-industry"):
        email = only(doing(advice[pack], "status_check"))
        assert (email.rule, email.channel, email.target.name) == ("email-when-date-passes", "email", "Alex Chen")
        assert email.due == local("2026-11-23T10:00")
        assert not phone_status(advice[pack])
        assert avoiding(advice[pack], "status_check", "phone")


def test_date_passed_after_one_unanswered_contact(engine: Engine) -> None:
    # Thursday 26 November: the first check (Monday 10:00) is unanswered.
    def after(channel: str) -> dict[str, Any]:
        data = thanked(case(decision=PROMISED))
        data["follow_ups"] = [{"at": "2026-11-23T10:00:00+00:00", "channel": channel, "to": ["Alex Chen"]}]
        return data

    at = local("2026-11-26T11:00")
    conservative = engine.advise(followup.parse_facts(after("email")), "conservative", at)
    call = only(phone_status(conservative))
    assert call.rule == "one-call-after-email"
    assert call.due == local("2026-11-26T10:30")  # 3 business days after the email

    proactive = engine.advise(followup.parse_facts(after("phone")), "proactive", at)
    second = only(phone_status(proactive))
    assert second.rule == "second-call-after-date"
    assert second.due == local("2026-11-26T10:30")

    tech = engine.advise(followup.parse_facts(after("email")), "tech-industry", at)
    assert not phone_status(tech)
    emails = doing(tech, "second_follow_up")
    assert {a.target.name for a in emails} == INTERVIEWERS
    assert {(a.channel, a.due) for a in emails} == {("email", local("2026-11-26T10:00"))}


# --- calls allowed in total ---------------------------------------------------


def _with_calls(n: int, *, invited: bool = False) -> dict[str, Any]:
    data = thanked(case(decision={**PROMISED, "call_invited": invited}))
    stamps = ["2026-11-23T10:30:00+00:00", "2026-11-26T10:30:00+00:00"]
    data["follow_ups"] = [{"at": stamps[i], "channel": "phone", "to": ["Alex Chen"]} for i in range(n)]
    return data


def test_conservative_allows_one_call(engine: Engine) -> None:
    at = local("2026-12-01T11:00")
    adv = engine.advise(followup.parse_facts(_with_calls(1)), "conservative", at)
    assert not phone_status(adv)
    assert only(avoiding(adv, "status_check", "phone")).rule == "no-second-call"


def test_proactive_allows_two_calls(engine: Engine) -> None:
    at = local("2026-12-01T11:00")
    one = engine.advise(followup.parse_facts(_with_calls(1)), "proactive", at)
    assert only(phone_status(one)).rule == "second-call-after-date"
    assert not avoiding(one, "status_check", "phone")
    two = engine.advise(followup.parse_facts(_with_calls(2)), "proactive", at)
    assert not phone_status(two)
    assert only(avoiding(two, "status_check", "phone")).rule == "no-third-call"


def test_tech_industry_calls_only_when_invited(engine: Engine) -> None:
    at = local("2026-11-23T09:00")
    uninvited = engine.advise(followup.parse_facts(_with_calls(0)), "tech-industry", at)
    assert not phone_status(uninvited)
    assert only(avoiding(uninvited, "status_check", "phone")).rule == "no-calls-unless-invited"

    invited = engine.advise(followup.parse_facts(_with_calls(0, invited=True)), "tech-industry", at)
    call = only(phone_status(invited))
    assert (call.rule, call.due) == ("call-if-invited-after-date", local("2026-11-23T10:30"))
    assert not avoiding(invited, "status_check", "phone")

    called = engine.advise(followup.parse_facts(_with_calls(1, invited=True)), "tech-industry", local("2026-12-01T11:00"))
    assert not phone_status(called)
    assert only(avoiding(called, "status_check", "phone")).rule == "no-second-call"


def test_tech_industry_without_date_calls_only_when_invited(engine: Engine) -> None:
    data = thanked(case(decision={"asked": True, "call_invited": True}))
    adv = engine.advise(followup.parse_facts(data), "tech-industry", local("2026-11-20T16:00"))
    call = only(doing(adv, "status_check"))
    assert (call.rule, call.channel, call.due) == ("call-if-invited-after-a-week", "phone", local("2026-11-24T10:30"))


# --- LinkedIn -----------------------------------------------------------------


def test_linkedin_same_day_except_conservative(engine: Engine) -> None:
    advice = advise_all(engine, case(), local("2026-11-17T16:00"))
    for pack in ("proactive", "tech-industry"):
        invites = doing(advice[pack], "connect_linkedin")
        assert {a.target.name for a in invites} == INTERVIEWERS, pack
        assert {(a.channel, a.due) for a in invites} == {("linkedin", local("2026-11-17T21:00"))}, pack
    assert not doing(advice["conservative"], "connect_linkedin")
    hold = only(avoiding(advice["conservative"], "connect_linkedin"))
    assert hold.rule == "no-linkedin-before-decision"
    assert hold.sources == []  # the pack owns this choice


@pytest.mark.parametrize("outcome", ["offer", "rejection"])
def test_conservative_linkedin_after_a_decision(engine: Engine, outcome: str) -> None:
    data = thanked(case())
    for p in data["interviewers"]:
        p["linkedin"] = "none"
    data["responses"] = [{"kind": outcome, "at": "2026-11-25T15:00:00+00:00", "from": "Dana Lee"}]
    adv = engine.advise(followup.parse_facts(data), "conservative", local("2026-11-26T09:00"))
    invites = doing(adv, "connect_linkedin")
    assert {a.target.name for a in invites} == INTERVIEWERS
    assert {a.due for a in invites} == {local("2026-11-27T15:00")}  # two business days after the news
    assert not avoiding(adv, "connect_linkedin")


def test_conservative_still_waits_through_a_second_round(engine: Engine) -> None:
    data = thanked(case())
    for p in data["interviewers"]:
        p["linkedin"] = "none"
    data["responses"] = [{"kind": "second_round", "at": "2026-11-25T15:00:00+00:00", "from": "Dana Lee"}]
    adv = engine.advise(followup.parse_facts(data), "conservative", local("2026-11-26T09:00"))
    assert not doing(adv, "connect_linkedin")
    assert only(avoiding(adv, "connect_linkedin")).rule == "no-linkedin-before-decision"


def test_conservative_still_waits_on_a_mere_update(engine: Engine) -> None:
    data = thanked(case())
    for p in data["interviewers"]:
        p["linkedin"] = "none"
    data["responses"] = [{"kind": "update", "at": "2026-11-25T15:00:00+00:00", "from": "Dana Lee"}]
    adv = engine.advise(followup.parse_facts(data), "conservative", local("2026-11-26T09:00"))
    assert not doing(adv, "connect_linkedin")


# --- second follow-up (same in all three) ------------------------------------


def test_second_follow_up_about_ten_days_after(engine: Engine) -> None:
    first = {"conservative": "email", "proactive": "phone", "tech-industry": "email"}
    for pack, channel in first.items():
        data = thanked(case())
        data["follow_ups"] = [{"at": "2026-11-24T10:00:00+00:00", "channel": channel, "to": ["Dana Lee"]}]
        adv = engine.advise(followup.parse_facts(data), pack, local("2026-11-25T09:00"))
        second = doing(adv, "second_follow_up")
        assert {a.target.name for a in second} == INTERVIEWERS, pack  # a new email to each person (F5)
        assert {(a.channel, a.due) for a in second} == {("email", local("2026-11-27T10:00"))}, pack
        assert {a.rule for a in second} == {"second-follow-up"}, pack
        assert (second[0].due.date() - datetime(2026, 11, 17).date()).days == 10
        assert any("F5" in s.items for s in second[0].sources), pack
        assert not doing(adv, "status_check"), pack


# --- move on after two unanswered follow-ups (same in all three) -------------


def _simulate(engine: Engine, pack: str, data: dict[str, Any], start: datetime, days: int = 35) -> list[tuple[str, str]]:
    """Follow the pack's follow-up advice as it falls due; nobody ever answers.

    All follow-up actions due at one moment are done together as one round
    (one FollowUp naming everyone contacted), as a person working down the
    list would. Returns the rounds and the final move_on.
    """
    data = copy.deepcopy(data)
    data.setdefault("follow_ups", [])
    log: list[tuple[str, str]] = []
    t = start
    while t < start + timedelta(days=days):
        adv = engine.advise(followup.parse_facts(data), pack, t)
        due = [a for a in adv.actions if not a.avoid and a.due is not None and a.due <= t]
        if any(a.kind == "move_on" for a in due):
            log.append(("move_on", "none"))
            return log
        rounds = [a for a in due if a.kind in FOLLOW_UP_KINDS]
        if rounds:
            channel = rounds[0].channel
            to = sorted({a.target.name for a in rounds if a.channel == channel})
            data["follow_ups"].append({"at": t.isoformat(), "channel": channel, "to": to})
            log.append((rounds[0].kind, channel))
            continue
        t += timedelta(hours=2)
    return log


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("scenario", ["no date", "date passes"])
def test_two_unanswered_follow_ups_then_move_on(engine: Engine, pack: str, scenario: str) -> None:
    data = thanked(case())
    if scenario == "date passes":
        data["decision"] = dict(PROMISED)
    log = _simulate(engine, pack, data, local("2026-11-17T19:00"))
    assert log[-1] == ("move_on", "none"), log
    follow_ups = log[:-1]
    assert len(follow_ups) == 2, log
    expected = {
        ("conservative", "no date"): [("status_check", "email"), ("second_follow_up", "email")],
        ("proactive", "no date"): [("status_check", "phone"), ("second_follow_up", "email")],
        ("tech-industry", "no date"): [("status_check", "email"), ("second_follow_up", "email")],
        ("conservative", "date passes"): [("status_check", "email"), ("status_check", "phone")],
        ("proactive", "date passes"): [("status_check", "phone"), ("status_check", "phone")],
        ("tech-industry", "date passes"): [("status_check", "email"), ("second_follow_up", "email")],
    }[(pack, scenario)]
    assert follow_ups == expected


def test_move_on_is_due_three_business_days_after_the_second(engine: Engine) -> None:
    data = thanked(case())
    data["follow_ups"] = [
        {"at": "2026-11-24T10:00:00+00:00", "channel": "email", "to": ["Dana Lee"]},
        {"at": "2026-11-27T10:00:00+00:00", "channel": "email", "to": ["Dana Lee", "Priya Natarajan"]},
    ]
    for pack, adv in advise_all(engine, data, local("2026-11-27T12:00")).items():
        move = only(doing(adv, "move_on"))
        assert move.due == local("2026-12-02T10:00"), pack  # Fri + 3 business days = Wed
        assert move.urgency == "upcoming", pack
        assert not doing(adv, "status_check") and not doing(adv, "second_follow_up"), pack


def test_an_answer_stops_the_countdown(engine: Engine) -> None:
    data = thanked(case())
    data["follow_ups"] = [
        {"at": "2026-11-24T10:00:00+00:00", "channel": "email", "to": ["Dana Lee"],
         "answered": True, "answered_at": "2026-11-24T15:00:00+00:00"},
        {"at": "2026-11-27T10:00:00+00:00", "channel": "email", "to": ["Dana Lee", "Priya Natarajan"]},
    ]
    for pack, adv in advise_all(engine, data, local("2026-12-03T12:00")).items():
        assert not doing(adv, "move_on"), pack


# --- what the table does not split stays the same in every style -------------


def test_notes_and_contact_details_are_due_alike_in_every_style(engine: Engine) -> None:
    # D1 and D3 belong right after the interview in every article; no style row of the table times them, so
    # all three ask for both two hours after the end, before any style's first thank-you is due.
    data = case(interview={"notes_taken": False})
    data["interviewers"][1].update(contact_known=False, email=None)
    advice = advise_all(engine, data, local("2026-11-17T15:30"))
    for pack, adv in advice.items():
        notes = only(doing(adv, "write_notes"))
        contact = only(doing(adv, "collect_contacts"))
        assert (notes.due, contact.due) == (local("2026-11-17T17:00"), local("2026-11-17T17:00")), pack
        first_thanks = min(a.due for a in doing(adv, "thank_you") if a.due is not None)
        assert contact.due <= first_thanks, pack


def test_second_follow_up_after_an_update_lands_about_ten_days_after_it(engine: Engine) -> None:
    # The table gives proactive an earlier first check (day 3, not a working week) and every style the second
    # follow-up around day ten. After an update (Monday 23 November) each style checks when its own rule says
    # and, with no answer, writes again on the same day: eight working days after the update, Thursday 3 December.
    update = {"kind": "update", "at": "2026-11-23T10:00:00+00:00", "from": "Dana Lee"}
    for pack in PACKS:
        data = thanked(case())
        data["responses"] = [update]
        first = only(doing(engine.advise(followup.parse_facts(data), pack, local("2026-11-23T12:00")), "status_check"))
        assert first.due is not None
        data["follow_ups"] = [{"at": first.due.isoformat(), "channel": first.channel, "to": ["Dana Lee"]}]
        adv = engine.advise(followup.parse_facts(data), pack, first.due + timedelta(hours=1))
        second = doing(adv, "second_follow_up")
        assert {a.target.name for a in second} == INTERVIEWERS, pack
        assert {a.due for a in second} == {local("2026-12-03T10:00")}, (pack, first.due)


# --- a step that lapses unmade (no row of the table: all three alike) ------------------------------------


@pytest.mark.parametrize("first", ["email", "phone"])
def test_a_second_step_never_made_gives_way_alike_to_a_late_email_then_to_moving_on(engine: Engine, first: str) -> None:
    data = thanked(case())
    data["decision"] = dict(PROMISED)
    data["follow_ups"] = [{"at": "2026-11-24T10:30:00+00:00", "channel": first, "to": ["Dana Lee"]}]
    # Thu 3 Dec 11:00, 9 days on: whatever each style planned second (a call, an email) has closed
    for pack, adv in advise_all(engine, data, local("2026-12-03T11:00")).items():
        late = doing(adv, "second_follow_up")
        assert {(a.rule, a.channel, a.target.name) for a in late} == {
            ("second-follow-up-late", "email", name) for name in INTERVIEWERS}, pack
        assert {a.due for a in late} == {local("2026-12-04T10:00")}, pack  # Tue + 8 business days
        assert not doing(adv, "status_check") and not doing(adv, "move_on"), pack
    # Thu 10 Dec: that lapsed too (12 business days on), and each style says to move on, due that morning
    for pack, adv in advise_all(engine, data, local("2026-12-10T11:00")).items():
        move = only(doing(adv, "move_on"))
        assert (move.rule, move.due) == ("move-on-after-silence", local("2026-12-10T09:00")), pack
        assert not doing(adv, "second_follow_up"), pack
