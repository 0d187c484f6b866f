"""Walking time: each built-in pack over every bundled example (examples/*.yaml|json and the cases of
examples/corpus/) and a set of realistic cases, hour by hour and then every three hours from the interview to
30 days later.

Every bundled example is walked twice: as the file stands (the done-when of issue 8: `--at` moved over the
same facts), and as it happened, the facts cut at each moment to what had been recorded by then (a follow-up
sent on day 7 is not known on day 3), which is what someone running `followup advise` every day sees.

At every step: nothing whose window has closed (or not yet opened) is shown, no dated action is shown more
than 7 days after its due time, no due time or call slot falls on a weekend or public holiday, and at the
moments that matter the top action is the one a career advisor would name.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import followup
from followup.businesstime import holiday_calendar, is_business_day
from followup.engine import Engine
from followup.facts import FollowUp, Person, Response
from followup.results import Action, Advice

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = (sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))
            + sorted((ROOT / "examples" / "corpus").glob("*.yaml")))
PACKS = ("conservative", "proactive", "tech-industry")
LONDON = ZoneInfo("Europe/London")
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_entrypoints=False)


def walk(start: datetime) -> Iterator[datetime]:
    """Hourly for three days, then every three hours to day 30."""
    t = start
    while t < start + timedelta(days=3):
        yield t
        t += timedelta(hours=1)
    while t <= start + timedelta(days=30):
        yield t
        t += timedelta(hours=3)


def check(advice: Advice, facts: followup.Facts, where: str) -> None:
    now = advice.at
    pos = facts.position
    cal = holiday_calendar(pos.country, pos.subdivision)
    for a in advice.actions:
        here = f"{where} at {now:%a %d %b %H:%M}: #{a.rank} {a.rule} ({a.target.name or a.target.kind})"
        assert a.expires is None or now < a.expires, f"{here} shown after its window closed ({a.expires})"
        assert a.opens is None or a.opens <= now, f"{here} shown before its window opened ({a.opens})"
        if a.due is not None:
            assert now - a.due <= WEEK, f"{here} shown {now - a.due} after its due time {a.due:%a %d %b %H:%M}"
            local = a.due.astimezone(ZoneInfo(advice.timezone))
            assert is_business_day(local.date(), cal), f"{here} is due on a day off: {local:%a %d %b}"
        if a.suggested_at is not None:
            slot = a.suggested_at.astimezone(ZoneInfo(advice.timezone))
            assert is_business_day(slot.date(), cal), f"{here} proposes a call on a day off: {slot:%a %d %b}"


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_example_walked_for_thirty_days_shows_nothing_stale(engine: Engine, path: Path, pack: str) -> None:
    facts = followup.load_facts(path)
    cp = engine.load_pack(pack)
    for t in walk(facts.interview.end):
        check(engine.advise(facts, cp, t), facts, f"{path.name} under {pack}")


def known_at(facts: followup.Facts, t: datetime) -> followup.Facts:
    """The facts as they stood at `t`: notes, follow-ups, answers, responses and replies recorded later are cut."""
    def person(p: Person) -> Person:
        later = {k: None for k in ("thank_you", "formal_letter") if (s := getattr(p, k)) is not None and s.at > t}
        return p.model_copy(update=later) if later else p

    def follow_up(f: FollowUp) -> FollowUp:
        if f.answered and f.answered_at is not None and f.answered_at > t:
            return f.model_copy(update={"answered": False, "answered_at": None})
        return f

    def response(r: Response) -> Response:
        return r.model_copy(update={"replied": None}) if r.replied is not None and r.replied.at > t else r

    return facts.model_copy(update={
        "interviewers": [person(p) for p in facts.interviewers],
        "arrangers": [person(p) for p in facts.arrangers],
        "follow_ups": [follow_up(f) for f in facts.follow_ups if f.at <= t],
        "responses": [response(r) for r in facts.responses if r.at <= t],
    })


def recorded(facts: followup.Facts) -> list[datetime]:
    """Every moment at which something was recorded: the cuts of `known_at` change only there."""
    moments = [s.at for p in facts.people for s in (p.thank_you, p.formal_letter) if s is not None]
    moments += [m for f in facts.follow_ups for m in (f.at, f.answered_at) if m is not None]
    moments += [m for r in facts.responses for m in (r.at, r.replied.at if r.replied else None) if m is not None]
    return sorted(moments)


def as_it_happened(engine: Engine, facts: followup.Facts, pack: str, start: datetime | None = None,
                   days: int = 30) -> Iterator[tuple[datetime, followup.Facts, Advice]]:
    """Walk the facts as they stood at each moment (one Facts object per cut, so derived values are reused)."""
    cp = engine.load_pack(pack)
    moments = recorded(facts)
    cuts: dict[int, followup.Facts] = {}
    begin = start or facts.interview.end
    for t in walk(begin):
        if t > begin + timedelta(days=days):
            break
        n = sum(1 for m in moments if m <= t)
        seen = cuts.get(n)
        if seen is None:
            seen = cuts[n] = known_at(facts, t)
        yield t, seen, engine.advise(seen, cp, t)


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_example_walked_as_it_happened_shows_nothing_stale(engine: Engine, path: Path, pack: str) -> None:
    for _, facts, advice in as_it_happened(engine, followup.load_facts(path), pack):
        check(advice, facts, f"{path.name} (as it happened) under {pack}")


def test_known_at_cuts_what_was_recorded_later() -> None:
    facts = followup.load_facts(ROOT / "examples" / "corpus" / "12-first-email-no-answer.yaml")
    before = known_at(facts, datetime(2026, 11, 13, 15, tzinfo=ZoneInfo("America/Toronto")))
    assert before.interviewers[0].thank_you is None and before.follow_ups == []
    after = known_at(facts, datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("America/Toronto")))
    assert after.interviewers[0].thank_you is not None and len(after.follow_ups) == 1


def test_every_dated_rule_of_a_builtin_pack_has_a_window(engine: Engine) -> None:
    for pack in PACKS:
        for rule in engine.load_pack(pack).file.pack.rules:
            if rule.due is not None and not rule.avoid:
                assert rule.expires is not None, f"{pack}: {rule.id} is dated but never expires"


# --- realistic cases --------------------------------------------------------------------------------------


def base(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "candidate": {"name": "Sam Rivera", "email": "sam@example.org"},
        "position": {"title": "Analyst", "company": "Harbour & Co", "industry": "finance", "culture": "casual",
                     "timezone": "Europe/London", "country": "GB", "subdivision": "ENG"},
        "interview": {"start": "2026-11-17T13:00:00+00:00", "end": "2026-11-17T14:00:00+00:00",
                      "format": "onsite", "went": "well"},
        "interviewers": [{"name": "Dana Lee", "title": "Head of Research", "email": "dana@harbour.example",
                          "role": "hiring_manager", "contact_known": True},
                         {"name": "Ola Berg", "title": "Analyst", "email": "ola@harbour.example", "contact_known": True}],
        "decision": {"asked": True},
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def thanked(data: dict[str, Any], at: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for p in out["interviewers"]:
        p["thank_you"] = {"at": at, "channel": "email"}
        p["linkedin"] = "connected"
    out["interview"]["notes_taken"] = True
    return out


def run_walk(engine: Engine, data: dict[str, Any], pack: str, start: datetime, days: int = 30) -> dict[datetime, Advice]:
    facts = followup.parse_facts(data)
    cp = engine.load_pack(pack)
    seen = {}
    for t in walk(start):
        if t > start + timedelta(days=days):
            break
        advice = engine.advise(facts, cp, t)
        check(advice, facts, pack)
        seen[t] = advice
    return seen


def at(seen: dict[datetime, Advice], moment: datetime) -> Advice:
    """The advice at the first step of the walk at or after `moment`."""
    return seen[min(t for t in seen if t >= moment)]


def top(advice: Advice) -> Action:
    return next(a for a in advice.actions if not a.avoid)


FRIDAY = base(interview={"start": "2026-08-28T15:00:00+01:00", "end": "2026-08-28T16:00:00+01:00"},
              decision={"asked": False})
BANK_HOLIDAY_WEEKEND = {date(2026, 8, 29), date(2026, 8, 30), date(2026, 8, 31)}


@pytest.mark.parametrize("pack", PACKS)
def test_friday_interview_before_a_bank_holiday_weekend(engine: Engine, pack: str) -> None:
    seen = run_walk(engine, FRIDAY, pack, datetime(2026, 8, 28, 16, tzinfo=LONDON), days=14)
    for t, advice in seen.items():
        for a in advice.actions:
            for moment in (a.due, a.suggested_at):
                if moment is not None:
                    assert moment.astimezone(LONDON).date() not in BANK_HOLIDAY_WEEKEND, (pack, t, a.rule, moment)
    # just after: the thank-yous (after the notes that shape them) lead
    first = at(seen, datetime(2026, 8, 28, 17, tzinfo=LONDON))
    assert [a.kind for a in first.actions[:2]] == ["write_notes", "thank_you"]


def test_proactives_first_call_lands_on_business_day_three_to_five(engine: Engine) -> None:
    data = thanked(FRIDAY, "2026-08-28T19:00:00+01:00")
    data["decision"] = {"asked": True}
    seen = run_walk(engine, data, "proactive", datetime(2026, 8, 28, 16, tzinfo=LONDON), days=14)
    calls = {t: a for t, adv in seen.items() for a in adv.actions if a.rule == "call-day-three"}
    first = min(calls)
    # business days after Fri 28 Aug (Mon 31 is a bank holiday): 1 Tue, 2 Wed, 3 Thu 3 Sep, 5 Mon 7 Sep
    assert first == datetime(2026, 9, 3, 10, tzinfo=LONDON)
    for t, a in calls.items():
        if t <= datetime(2026, 9, 7, 16, tzinfo=LONDON):  # until the range ends, the call is proposed inside it
            assert a.suggested_at is not None and date(2026, 9, 3) <= a.suggested_at.date() <= date(2026, 9, 7), t
        assert a.urgency != "overdue" or t > datetime(2026, 9, 7, 16, tzinfo=LONDON)
    assert top(at(seen, datetime(2026, 9, 3, 10, tzinfo=LONDON))).rule == "call-day-three"


@pytest.mark.parametrize("pack", PACKS)
def test_evening_interview_keeps_the_same_evening_thank_you_in_the_evening(engine: Engine, pack: str) -> None:
    late = base(interview={"start": "2026-11-17T19:30:00+00:00", "end": "2026-11-17T20:30:00+00:00"})
    seen = run_walk(engine, late, pack, datetime(2026, 11, 17, 20, 30, tzinfo=LONDON), days=3)
    just_after = at(seen, datetime(2026, 11, 17, 20, 30, tzinfo=LONDON))
    thanks = [a for a in just_after.actions if a.kind == "thank_you" and not a.avoid]
    assert thanks and all(a.urgency != "overdue" for a in thanks)
    assert all(a.due is not None and a.due >= datetime(2026, 11, 17, 22, 30, tzinfo=LONDON) for a in thanks)
    if pack != "conservative":  # the same-evening styles: due later that evening
        assert {a.due.date() for a in thanks if a.due} == {date(2026, 11, 17)}


@pytest.mark.parametrize("pack", PACKS)
def test_video_interview_across_time_zones(engine: Engine, pack: str) -> None:
    data = base(candidate={"name": "Sam Rivera", "timezone": "America/New_York"},
                interview={"start": "2026-11-17T15:00:00+00:00", "end": "2026-11-17T16:00:00+00:00", "format": "video"})
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 16, tzinfo=LONDON), days=14)
    advice = at(seen, datetime(2026, 11, 17, 17, tzinfo=LONDON))
    assert advice.candidate_timezone == "America/New_York"
    for a in advice.actions:
        if a.due is not None:
            assert a.due_local == a.due.astimezone(ZoneInfo("America/New_York"))
    for adv in seen.values():
        for a in adv.actions:
            if a.suggested_at is not None:  # calls in the company's hours, shown in the candidate's too
                assert 10 <= a.suggested_at.astimezone(LONDON).hour < 17
                assert a.suggested_local is not None


@pytest.mark.parametrize("pack", PACKS)
def test_decision_date_passed_then_status_check_leads(engine: Engine, pack: str) -> None:
    data = thanked(base(decision={"asked": True, "expected_by": "2026-11-24T17:00:00+00:00"}), "2026-11-17T18:00:00+00:00")
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    before = top(at(seen, datetime(2026, 11, 23, 14, tzinfo=LONDON)))
    assert before.kind != "status_check"  # their date is still ahead
    after = top(at(seen, datetime(2026, 11, 25, 11, tzinfo=LONDON)))
    assert after.kind == "status_check" and after.rule.endswith("date-passes")
    assert after.channel == {"conservative": "email", "proactive": "phone", "tech-industry": "email"}[pack]


@pytest.mark.parametrize("pack", PACKS)
def test_second_round_done_stops_the_preparation(engine: Engine, pack: str) -> None:
    data = thanked(base(responses=[{"kind": "second_round", "at": "2026-11-19T10:00:00+00:00", "channel": "email",
                                    "replied": {"at": "2026-11-19T11:00:00+00:00", "channel": "email"},
                                    "second_round_at": "2026-11-24T10:00:00+00:00", "panel": ["Grace Ho"]}]),
                   "2026-11-17T18:00:00+00:00")
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    assert top(at(seen, datetime(2026, 11, 23, 9, tzinfo=LONDON))).kind == "prepare_second_round"
    for t, adv in seen.items():
        if t >= datetime(2026, 11, 24, 10, tzinfo=LONDON):
            assert "prepare_second_round" not in {a.kind for a in adv.actions}, t


@pytest.mark.parametrize("pack", PACKS)
def test_offer_with_a_deadline_comes_before_everything_then_lapses(engine: Engine, pack: str) -> None:
    data = base(responses=[{"kind": "offer", "at": "2026-11-19T15:00:00+00:00", "channel": "phone",
                            "answer_by": "2026-11-24T17:00:00+00:00"}])
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    assert at(seen, datetime(2026, 11, 19, 17, tzinfo=LONDON)).actions[0].kind == "reply_offer"
    for t, adv in seen.items():
        kinds = {a.kind for a in adv.actions}
        if t >= datetime(2026, 11, 24, 17, tzinfo=LONDON):
            assert "reply_offer" not in kinds, t
        assert "keep_searching" in kinds, t  # O4: never stop searching, not even with an offer in hand


@pytest.mark.parametrize("pack", PACKS)
def test_rejection_thanks_every_interviewer_by_email_then_goes_quiet(engine: Engine, pack: str) -> None:
    data = thanked(base(responses=[{"kind": "rejection", "at": "2026-11-20T11:00:00+00:00", "from": "Dana Lee"}]),
                   "2026-11-17T18:00:00+00:00")
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    after = at(seen, datetime(2026, 11, 20, 12, tzinfo=LONDON))
    thanks = {a.target.name for a in after.actions if a.kind == "thank_after_rejection" and not a.avoid}
    assert thanks == {"Dana Lee", "Ola Berg"}  # O2: the interviewers too, not only the one who said no
    assert {a.channel for a in after.actions if a.kind == "thank_after_rejection" and not a.avoid} == {"email"}
    assert top(after).kind == "thank_after_rejection"
    late = at(seen, datetime(2026, 12, 10, 12, tzinfo=LONDON))
    assert top(late).kind == "keep_searching"


@pytest.mark.parametrize("pack", PACKS)
def test_not_interested_gets_a_gracious_close_and_no_claim_of_interest(engine: Engine, pack: str) -> None:
    data = base(interview={"still_interested": False, "went": "badly"}, decision={"asked": False})
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    kinds = {a.kind for adv in seen.values() for a in adv.actions if not a.avoid}
    assert "thank_you" in kinds  # T7: thank them anyway
    assert not kinds & {"ask_decision_date", "status_check", "second_follow_up", "formal_letter"}


# --- the corpus: the top action at the moments that matter --------------------------------------------------

CORPUS = ROOT / "examples" / "corpus"

# At each case's own `# at:` moment, the first thing a career advisor would name under each style.
CORPUS_TOP: dict[str, dict[str, str]] = {
    # notes first (they shape the thank-yous), every style
    "01-evening-after-formal": dict.fromkeys(PACKS, "write-notes"),
    # thanked already: the later formal note (proactive) or the status email after a working week
    "02-day-two-tech-thanked": {"conservative": "email-status-after-a-week", "proactive": "formal-letter-email",
                                "tech-industry": "email-status-after-a-week"},
    # day 6, no date given: proactive's call range (business days 3-5) is open; the others email on day 5
    "03-waiting-a-week": {"conservative": "email-status-after-a-week", "proactive": "call-day-three",
                          "tech-industry": "email-status-after-a-week"},
    "04-date-passed": {"conservative": "email-when-date-passes", "proactive": "call-when-date-passes",
                       "tech-industry": "email-when-date-passes"},
    # one call unanswered: proactive's second call; the others stay in writing (conservative's one call is used)
    "05-one-call-unanswered": {"conservative": "second-follow-up-after-date", "proactive": "second-call-after-date",
                               "tech-industry": "second-follow-up-after-date"},
    "06-two-unanswered": dict.fromkeys(PACKS, "move-on"),
    "07-offer-this-morning": dict.fromkeys(PACKS, "answer-offer"),
    "08-rejected-yesterday": dict.fromkeys(PACKS, "thank-after-rejection"),
    "09-second-round-invite": dict.fromkeys(PACKS, "answer-second-round"),
    "10-went-badly-next-morning": dict.fromkeys(PACKS, "write-notes"),
    # told to call: proactive's call and tech's invited call
    "11-invited-to-call": {"proactive": "call-day-three", "tech-industry": "call-if-invited-after-a-week"},
    "12-first-email-no-answer": dict.fromkeys(PACKS, "second-follow-up"),
}

# What comes right after the top action, where it matters as much.
CORPUS_NEXT: dict[str, dict[str, tuple[str, str]]] = {
    # the thank-you to the hiring manager, in the medium of the style: a card for a formal firm in conservative
    "01-evening-after-formal": {"conservative": ("thank_you", "handwritten"), "proactive": ("thank_you", "email"),
                                "tech-industry": ("thank_you", "email")},
    "09-second-round-invite": dict.fromkeys(PACKS, ("prepare_second_round", "none")),
    # it went badly: thank them all the same (T7)
    "10-went-badly-next-morning": {"conservative": ("thank_you", "handwritten"), "proactive": ("thank_you", "email"),
                                   "tech-industry": ("thank_you", "email")},
}


def corpus_cases() -> list[Any]:
    from followup.casefiles import load_corpus
    return load_corpus(CORPUS)


def test_the_corpus_table_names_every_case() -> None:
    assert {c.name for c in corpus_cases()} == set(CORPUS_TOP)


@pytest.mark.parametrize("pack", PACKS)
def test_corpus_top_action_at_each_cases_own_moment(engine: Engine, pack: str) -> None:
    cp = engine.load_pack(pack)
    for case in corpus_cases():
        advice = engine.advise(case.facts, cp, case.at)
        lead = [a for a in advice.actions if not a.avoid]
        expected = CORPUS_TOP[case.name].get(pack)
        if expected is not None:
            assert lead[0].rule == expected, (case.name, pack, [a.rule for a in lead[:3]])
        after = CORPUS_NEXT.get(case.name, {}).get(pack)
        if after is not None:
            assert (lead[1].kind, lead[1].channel) == after, (case.name, pack, [a.rule for a in lead[:3]])
            if lead[1].target.kind != "self":
                assert lead[1].target.name == case.facts.interviewers[0].name  # the hiring manager first


def case_walk(engine: Engine, name: str, pack: str) -> dict[datetime, Advice]:
    facts = followup.load_facts(CORPUS / f"{name}.yaml")
    return {t: advice for t, _, advice in as_it_happened(engine, facts, pack)}


@pytest.mark.parametrize("pack", PACKS)
def test_corpus_first_email_unanswered_as_it_happened(engine: Engine, pack: str) -> None:
    seen = case_walk(engine, "12-first-email-no-answer", pack)
    toronto = ZoneInfo("America/Toronto")
    # just after the phone interview (Fri 13 Nov, notes written): the thank-you
    assert top(at(seen, datetime(2026, 11, 13, 13, tzinfo=toronto))).kind == "thank_you"
    # Thu 19 Nov, business day 4: proactive's call range is open; the others' status email is due Friday
    first = top(at(seen, datetime(2026, 11, 19, 11, tzinfo=toronto)))
    assert (first.kind, first.channel) == ("status_check", "phone" if pack == "proactive" else "email")
    # the email went out Fri 20 Nov; on business day 8 the second, personal follow-up leads
    second = top(at(seen, datetime(2026, 11, 25, 10, tzinfo=toronto)))
    assert second.rule == "second-follow-up"
    assert "status_check" not in {a.kind for a in at(seen, datetime(2026, 11, 25, 10, tzinfo=toronto)).actions
                                  if not a.avoid}


@pytest.mark.parametrize("pack", PACKS)
def test_corpus_date_passed_then_one_call_as_it_happened(engine: Engine, pack: str) -> None:
    seen = case_walk(engine, "05-one-call-unanswered", pack)
    # Thu 19 Nov 17:00 was their date; the next working morning the first status check leads (the hiring
    # manager asked for a call: conservative's and tech's invited call, the one call they allow)
    morning = top(at(seen, datetime(2026, 11, 20, 9, tzinfo=LONDON)))
    assert (morning.rule, morning.channel) == {"conservative": ("call-if-invited-after-date", "phone"),
                                               "proactive": ("call-when-date-passes", "phone"),
                                               "tech-industry": ("call-if-invited-after-date", "phone")}[pack]
    # before their date nothing about the status is advised (it is theirs to keep)
    before = at(seen, datetime(2026, 11, 19, 12, tzinfo=LONDON))
    assert "status_check" not in {a.kind for a in before.actions if not a.avoid}


@pytest.mark.parametrize("pack", PACKS)
def test_corpus_offer_and_rejection_lead_as_soon_as_they_arrive(engine: Engine, pack: str) -> None:
    offer = case_walk(engine, "07-offer-this-morning", pack)
    assert at(offer, datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("America/Chicago"))).actions[0].kind == "reply_offer"
    rejected = case_walk(engine, "08-rejected-yesterday", pack)
    sydney = ZoneInfo("Australia/Sydney")
    assert top(at(rejected, datetime(2026, 11, 18, 16, tzinfo=sydney))).kind == "thank_after_rejection"
    # three weeks on, only the search is left
    assert top(at(rejected, datetime(2026, 12, 9, 12, tzinfo=sydney))).kind == "keep_searching"


# --- a first status check that never happens ------------------------------------------------------------------


def status_checks(advice: Advice) -> list[Action]:
    return [a for a in advice.actions if a.kind == "status_check" and not a.avoid]


@pytest.mark.parametrize("pack", PACKS)
def test_a_first_status_check_never_made_gives_way_to_a_late_one_not_to_silence(engine: Engine, pack: str) -> None:
    data = thanked(base(), "2026-11-17T18:00:00+00:00")  # asked, no date given, and no check is ever recorded
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    shown = [t for t, adv in seen.items() if status_checks(adv)]
    # from the first check's opening until the late one lapses, asking about the status is always on the list
    assert all(status_checks(seen[t]) for t in seen if shown[0] <= t <= shown[-1])
    assert datetime(2026, 12, 4, 17, tzinfo=LONDON) < shown[-1] < datetime(2026, 12, 7, tzinfo=LONDON)
    # two weeks on (Tue 1 Dec), the late, plain email leads, due that morning
    late = top(at(seen, datetime(2026, 12, 1, 9, tzinfo=LONDON)))
    assert (late.rule, late.channel) == ("email-status-late", "email")
    assert late.due == datetime(2026, 12, 1, 10, tzinfo=LONDON)
    # and once it too has lapsed, three working weeks of silence: move on (not a list with nothing to do)
    assert top(at(seen, datetime(2026, 12, 8, 10, tzinfo=LONDON))).rule == "move-on-unasked"


@pytest.mark.parametrize("pack", PACKS)
def test_a_check_never_made_after_their_date_gives_way_to_a_late_email(engine: Engine, pack: str) -> None:
    data = thanked(base(decision={"asked": True, "expected_by": "2026-11-24T17:00:00+00:00"}), "2026-11-17T18:00:00+00:00")
    seen = run_walk(engine, data, pack, datetime(2026, 11, 17, 14, tzinfo=LONDON))
    shown = [t for t, adv in seen.items() if status_checks(adv)]
    assert datetime(2026, 11, 24, 17, tzinfo=LONDON) < shown[0] <= datetime(2026, 11, 24, 20, tzinfo=LONDON)  # once it passes
    assert all(status_checks(seen[t]) for t in seen if shown[0] <= t <= shown[-1])
    # a week after their date (Tue 1 Dec 09:00) the first check lapses and a plain email takes over
    late = top(at(seen, datetime(2026, 12, 1, 9, tzinfo=LONDON)))
    assert (late.rule, late.channel) == ("email-status-late-after-date", "email")
    assert late.due == datetime(2026, 12, 2, 10, tzinfo=LONDON)
    assert shown[-1] < datetime(2026, 12, 8, 17, tzinfo=LONDON)


@pytest.mark.parametrize("pack", PACKS)
def test_after_a_late_first_check_the_second_follow_up_gives_it_time(engine: Engine, pack: str) -> None:
    data = thanked(base(), "2026-11-17T18:00:00+00:00")
    sent = datetime(2026, 12, 1, 10, tzinfo=LONDON)  # the late email, two weeks on
    data["follow_ups"] = [{"at": sent.isoformat(), "channel": "email", "to": ["Dana Lee"]}]
    wait = datetime(2026, 12, 4, 10, tzinfo=LONDON)  # three working days for it to be answered
    seconds, late = [], []
    for t, _, advice in as_it_happened(engine, followup.parse_facts(data), pack):
        for a in advice.actions:
            if a.rule == "second-follow-up-late":  # once the planned one has lapsed unmade
                late.append(t)
            elif a.kind == "second_follow_up":
                assert t > sent and a.due == wait, (t, a.rule, a.due)  # never overdue the moment the check is sent
                seconds.append(t)
    assert seconds and min(seconds) < wait < max(seconds)
    assert late and min(late) > max(seconds)


# --- one Facts object walked back and forth ---------------------------------------------------------------

# Cases whose month crosses a change of clocks: London's autumn and spring changes, New York's, and
# Santiago's, whose spring change skips midnight (the first moment of that day is 01:00).
CLOCK_CHANGES = [
    ("Europe/London", "GB", "2026-10-22T10:00:00+01:00", "2026-10-22T11:00:00+01:00"),
    ("Europe/London", "GB", "2027-03-25T15:00:00+00:00", "2027-03-25T16:00:00+00:00"),
    ("America/New_York", "US", "2026-10-29T16:00:00-04:00", "2026-10-29T17:00:00-04:00"),
    ("America/Santiago", None, "2026-09-03T18:00:00-04:00", "2026-09-03T19:00:00-04:00"),
]


def clock_change_case(zone: str, country: str | None, start: str, end: str) -> followup.Facts:
    position: dict[str, Any] = {"timezone": zone, "country": country, "subdivision": None}
    expected = (datetime.fromisoformat(end) + timedelta(days=5)).isoformat()
    return followup.parse_facts(base(position=position, interview={"start": start, "end": end},
                                     decision={"asked": True, "expected_by": expected}))


@pytest.mark.parametrize("pack", PACKS)
def test_one_facts_object_walked_back_and_forth_advises_as_fresh_facts_do(engine: Engine, pack: str) -> None:
    # An evaluation keeps, per firing, what it decided (shown or not, urgency, score) with the
    # moments between which that cannot change. Walking one Facts object to and fro over a month,
    # at every moment where something changes (each due time, opening and expiry, the microsecond
    # either side, every midnight) and between them, must advise exactly as a Facts object seen
    # for the first time does.
    import random

    from followup import evaluation
    from followup.derive import derive

    cp = engine.load_pack(pack)
    examples = [followup.load_facts(p) for p in EXAMPLES if p.parent.name == "examples"]
    cases = examples + [clock_change_case(*c) for c in CLOCK_CHANGES]
    tick = timedelta(microseconds=1)
    checked = 0
    for facts in cases:
        tz = ZoneInfo(facts.position.timezone)
        start = facts.interview.end
        grid = set(walk(start))
        moments = set()  # where something changes, probed with the microsecond either side
        for t in grid:  # what the advice shows changes at
            advice = engine.advise(copy.copy(facts), cp, t)
            for a in advice.actions:
                moments.update(m for m in (a.due, a.opens, a.expires) if m is not None)
        derived = derive(facts, start)
        for firing in evaluation._firings(cp, evaluation._layout(cp, derived), derived.memo)[0].values():
            if firing.when is not None:  # and what the actions not shown change at
                moments.update(m for m in (firing.when.opens, firing.when.due, firing.when.expires)
                               if m is not None and m.year < 9999)
        days = {(start + timedelta(days=d)).astimezone(tz).date() for d in range(-1, 33)}
        moments.update(datetime.combine(d, datetime.min.time(), tzinfo=tz) for d in days)
        probes = sorted(grid | {m + d for m in moments for d in (-tick, timedelta(0), tick) if m + d >= start})
        random.Random(len(probes)).shuffle(probes)
        for t in probes:
            kept = engine.advise(facts, cp, t, explain=True)
            assert kept == engine.advise(copy.copy(facts), cp, t, explain=True), (facts.position.timezone, t)
            checked += 1
    assert checked > 4_000
