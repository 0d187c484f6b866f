"""Derived facts: the numbers and flags rules test, computed once per evaluation.

Every value a rule can refer to is computed here, from the facts and an
explicit evaluation time, in the company's time zone. Nothing else in
followup does date arithmetic on facts.

Most values depend on the facts alone. Facts are immutable, so those are
computed once per Facts object and reused when the same facts are
evaluated again: under several packs (compare), at many moments (plan), or
by an embedder that polls. Only the values that depend on the evaluation
time are computed on every call.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from .businesstime import (
    NO_HOLIDAYS,
    Holidays,
    business_days_between,
    holiday_calendar,
    holiday_name,
    next_business_start,
    shift,
)
from .catalogue import EVENTS, SCHEDULED_EVENTS
from .facts import Facts, Person

__all__ = ["Derived", "Subject", "Closing", "MOVING", "derive", "all_values", "due_moment", "window_moment", "expiry",
           "holiday_note", "local"]

Value = bool | int | float | str | None


@dataclass(frozen=True)
class Subject:
    """Whom a person-scoped rule is evaluated for."""

    person: Person
    group: str  # "interviewers" | "arrangers"
    hiring_manager: bool
    decision_contact: bool
    values: dict[str, Value]


# Not frozen: one is made per evaluation, and a frozen dataclass sets each field
# through object.__setattr__ (about twice the cost). Nothing assigns to one after it
# is made; plugins get a read-only view of its values (enrich.py).
@dataclass(slots=True)
class Derived:
    at: datetime  # evaluation time, in the company's time zone
    tz: ZoneInfo
    case: dict[str, Value]
    subjects: tuple[Subject, ...]
    anchors: dict[str, datetime | None]
    # Public holidays of the company's country (empty without one), and the
    # candidate's own zone when it differs from the company's.
    holidays: Holidays = NO_HOLIDAYS
    local_tz: ZoneInfo | None = None
    # Event times that can close a window (catalogue.EVENTS), earliest first.
    events: dict[str, tuple[datetime, ...]] = field(default_factory=dict)
    # The latest time at which the facts record something done or received (recorded_after).
    last_recorded: datetime | None = None
    # Shared by every evaluation of the same Facts object: results that depend
    # on the facts alone (evaluation keeps due times of fixed anchors here).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


# Slotted, not frozen: made once per Facts object and never changed (a frozen dataclass
# sets each of these fields through object.__setattr__, several µs per distinct case).
@dataclass(slots=True)
class _Static:
    """What derive() needs that does not depend on the evaluation time."""

    tz: ZoneInfo
    end: datetime
    iv_day: date
    expected: datetime | None
    last_fu: datetime | None
    latest_at: datetime | None
    case: dict[str, Value]
    subjects: tuple[Subject, ...]
    anchors: dict[str, datetime | None]
    memo: dict[Any, Any]
    holidays: Holidays
    local_tz: ZoneInfo | None
    events: dict[str, tuple[datetime, ...]]
    second_round: datetime | None
    answer_by: datetime | None
    last_recorded: datetime | None


_statics: dict[int, tuple[weakref.ref[Facts], _Static]] = {}
_statics_lock = threading.Lock()


def _static_of(facts: Facts) -> _Static:
    """The time-independent part for this very Facts object (by identity, dropped when it is)."""
    key = id(facts)
    hit = _statics.get(key)
    if hit is not None and hit[0]() is facts:
        return hit[1]
    static = _compute_static(facts)

    def forget(ref: weakref.ref[Facts], key: int = key) -> None:
        with _statics_lock:
            entry = _statics.get(key)
            if entry is not None and entry[0] is ref:
                del _statics[key]

    with _statics_lock:
        _statics[key] = (weakref.ref(facts, forget), static)
    return static


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600.0, 2)


def _business_days(st: _Static, start: date, today: date) -> int:
    """Business days from `start` to `today`, remembered for the last day asked.

    Counting walks the calendar day by day (holidays); the same facts are
    usually evaluated many times a day (polling, compare, plan), and one
    entry per anchor keeps the memo from growing as the days go by.
    """
    key = ("business_days", start)
    hit = st.memo.get(key)
    if hit is not None and hit[0] == today:
        return hit[1]  # type: ignore[no-any-return]
    n = business_days_between(start, today, st.holidays)
    st.memo[key] = (today, n)
    return n


# The case values derive() computes from the evaluation time; every other case value
# is fixed for given facts (evaluation builds the asserted facts around this split).
MOVING = frozenset({
    "hours_since_interview", "days_since_interview", "business_days_since_interview", "interview.same_day",
    "decision.days_past", "decision.passed", "follow_ups.days_since_last", "follow_ups.business_days_since_last",
    "outcome.hours_since", "second_round.hours_until", "second_round.done", "offer.hours_left",
})


def derive(facts: Facts, at: datetime) -> Derived:
    """All derived facts of `facts` as seen at `at` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("the evaluation time must be timezone-aware")
    st = _static_of(facts)
    now = at.astimezone(st.tz)
    today = now.date()
    case = dict(st.case)
    case["hours_since_interview"] = _hours((now - st.end).total_seconds())
    case["days_since_interview"] = (today - st.iv_day).days
    case["business_days_since_interview"] = _business_days(st, st.iv_day, today)
    case["interview.same_day"] = today == st.iv_day
    if st.expected is not None:
        case["decision.days_past"] = (today - st.expected.date()).days
        case["decision.passed"] = now > st.expected
    if st.last_fu is not None:
        case["follow_ups.days_since_last"] = (today - st.last_fu.date()).days
        case["follow_ups.business_days_since_last"] = _business_days(st, st.last_fu.date(), today)
    if st.latest_at is not None:
        case["outcome.hours_since"] = _hours((now - st.latest_at).total_seconds())
    if st.second_round is not None:
        case["second_round.hours_until"] = _hours((st.second_round - now).total_seconds())
        case["second_round.done"] = now >= st.second_round
    if st.answer_by is not None:
        case["offer.hours_left"] = _hours((st.answer_by - now).total_seconds())
    anchors = dict(st.anchors)
    anchors["now"] = now
    return Derived(at=now, tz=st.tz, case=case, subjects=st.subjects, anchors=anchors, memo=st.memo,
                   holidays=st.holidays, local_tz=st.local_tz, events=st.events, last_recorded=st.last_recorded)


def _compute_static(facts: Facts) -> _Static:
    tz = ZoneInfo(facts.position.timezone)
    iv = facts.interview
    end = iv.end.astimezone(tz)
    iv_day = iv.start.astimezone(tz).date()
    d = facts.decision
    expected = d.expected_by.astimezone(tz) if d.expected_by else None
    responses = sorted(facts.responses, key=lambda r: r.at)
    latest = responses[-1] if responses else None
    fus = sorted(facts.follow_ups, key=lambda f: f.at)
    last_fu = fus[-1].at.astimezone(tz) if fus else None
    after = [f for f in fus if f.at > latest.at] if latest else fus
    pos = facts.position
    cal = holiday_calendar(pos.country, pos.subdivision)
    local = facts.candidate.timezone
    local_tz = ZoneInfo(local) if local and local != pos.timezone else None
    rounds = [r.second_round_at.astimezone(tz) for r in responses if r.second_round_at is not None]
    second_round = rounds[-1] if rounds else None
    answer_by = (latest.answer_by.astimezone(tz)
                 if latest is not None and latest.kind == "offer" and latest.answer_by is not None else None)

    # None here: filled in by derive() from the evaluation time (or left absent).
    case: dict[str, Value] = {
        "hours_since_interview": None,
        "days_since_interview": None,
        "business_days_since_interview": None,
        "interview.same_day": None,
        "interview.round": iv.round,
        "interview.format": iv.format,
        "interview.went": iv.went,
        "candidate.still_interested": iv.still_interested,
        "candidate.notes_taken": iv.notes_taken,
        "candidate.other_applications": len(facts.other_applications),
        "company.culture": facts.position.culture,
        "company.is_tech": facts.position.industry == "technology",
        "decision.asked": d.asked,
        "decision.date_known": expected is not None,
        "decision.days_past": None,
        "decision.passed": False,
        "decision.contact_known": d.informs is not None,
        "decision.call_invited": d.call_invited,
        "follow_ups.count": len(fus),
        "follow_ups.unanswered": sum([not f.answered for f in fus]),
        "follow_ups.calls": sum([f.channel == "phone" for f in fus]),
        "follow_ups.emails": sum([f.channel == "email" for f in fus]),
        "follow_ups.days_since_last": None,
        "follow_ups.business_days_since_last": None,
        "follow_ups.since_outcome": len(after),
        "follow_ups.unanswered_since_outcome": sum([not f.answered for f in after]),
        "outcome": latest.kind if latest else "none",
        "outcome.replied": bool(latest and latest.replied is not None),
        "outcome.hours_since": None,
        "outcome.channel": latest.channel if latest else None,
        "offer.hours_left": None,
        "second_round.scheduled": second_round is not None,
        "second_round.hours_until": None,
        "second_round.done": False,
        "interviewers.count": len(facts.interviewers),
        "interviewers.unthanked": sum([p.thank_you is None for p in facts.interviewers]),
        "interviewers.missing_contact": sum([not p.contact_known for p in facts.interviewers]),
        "interviewers.not_on_linkedin": sum([p.linkedin == "none" for p in facts.interviewers]),
        "arrangers.count": len(facts.arrangers),
        "arrangers.unthanked": sum([p.thank_you is None for p in facts.arrangers]),
    }

    hm = next((p for p in facts.interviewers if p.role == "hiring_manager"), facts.interviewers[0])
    contact = facts.person(d.informs) if d.informs else None
    contact = contact or hm
    followed: dict[str, int] = {}
    answered: set[str] = set()
    for f in fus:
        for who in f.to:
            key = who.casefold()
            followed[key] = followed.get(key, 0) + 1
            if f.answered:
                answered.add(key)

    subjects = []
    for group, people in (("interviewers", facts.interviewers), ("arrangers", facts.arrangers)):
        for p in people:
            key = p.name.casefold()
            values: dict[str, Value] = {
                "person.role": p.role,
                "person.arranged": group == "arrangers",
                "person.thanked": p.thank_you is not None,
                "person.thank_you_channel": p.thank_you.channel if p.thank_you else None,
                "person.formal_letter_sent": p.formal_letter is not None,
                "person.contact_known": p.contact_known,
                "person.has_email": p.email is not None,
                "person.linkedin": p.linkedin,
                "person.followed_up": followed.get(key, 0),
                "person.answered": key in answered,
                "person.decision_contact": p is contact,
            }
            subjects.append(Subject(p, group, p is hm, p is contact, values))

    anchors: dict[str, datetime | None] = {
        "interview_end": end,
        "interview_day": datetime.combine(iv_day, datetime.min.time(), tz),
        "decision_date": expected,
        "last_follow_up": last_fu,
        "outcome": latest.at.astimezone(tz) if latest else None,
        "second_round": second_round,
        "answer_by": answer_by,
    }
    events: dict[str, tuple[datetime, ...]] = {
        "response": tuple(r.at.astimezone(tz) for r in responses),
        "follow_up": tuple(f.at.astimezone(tz) for f in fus),
        "decision_date": (expected,) if expected else (),
        "second_round": tuple(rounds),
        "answer_by": (answer_by,) if answer_by else (),
    }
    recorded = [when for when, _ in _recorded(facts)]
    return _Static(tz, end, iv_day, expected, last_fu, latest.at if latest else None, case, tuple(subjects),
                   anchors, {}, cal, local_tz, events, second_round, answer_by, max(recorded) if recorded else None)


def _recorded(facts: Facts) -> list[tuple[datetime, str]]:
    """What the facts record as done or received, with its time: notes sent, follow-ups and their
    answers, responses and the replies to them (not what is scheduled: a decision date, a second round)."""
    out: list[tuple[datetime, str]] = []
    for p in facts.people:
        if p.thank_you is not None:
            out.append((p.thank_you.at, f"the thank-you to {p.name}"))
        if p.formal_letter is not None:
            out.append((p.formal_letter.at, f"the letter to {p.name}"))
    for f in facts.follow_ups:
        out.append((f.at, f"a follow-up by {f.channel}"))
        if f.answered_at is not None:
            out.append((f.answered_at, "the answer to a follow-up"))
    for r in facts.responses:
        out.append((r.at, f"a response ({r.kind.replace('_', ' ')})"))
        if r.replied is not None:
            out.append((r.replied.at, f"your reply to a response ({r.kind.replace('_', ' ')})"))
    return out


def recorded_after(facts: Facts, at: datetime) -> str | None:
    """A notice when the facts record things done or received after `at`, which an evaluation at `at`
    counts as done all the same (facts hold one state, not a history): None when there are none."""
    later = sorted((when, what) for when, what in _recorded(facts) if when > at)
    if not later:
        return None
    tz = at.tzinfo
    shown = "; ".join(f"{what} ({when.astimezone(tz):%a %d %b %H:%M})" for when, what in later[:3])
    more = f"; and {len(later) - 3} more" if len(later) > 3 else ""
    return (f"The facts record {len(later)} thing{'s' if len(later) > 1 else ''} done or received after "
            f"{at:%a %d %b %Y %H:%M}: {shown}{more}. This advice counts them as done; for the advice as it "
            f"stood then, give facts holding only what had happened by then")


def all_values(derived: Derived, subject: Subject | None) -> dict[str, Any]:
    """The flat fact values a rule sees: the case's, plus the person's for a person rule."""
    if subject is None:
        return derived.case
    return {**derived.case, **subject.values}




_ANCHOR_WORDS = {"interview_end": "the interview ended", "interview_day": "the interview day began",
                 "decision_date": "the decision date", "last_follow_up": "your last follow-up",
                 "outcome": "their latest response", "second_round": "the second round",
                 "answer_by": "the answer-by date", "now": "now"}


def _not_working(day: date, cal: Holidays) -> str:
    return holiday_name(day, cal) or ("a weekend" if day.weekday() >= 5 else "a holiday")


def due_moment(due: Any, derived: Derived, clock: time | None) -> tuple[datetime | None, str | None]:
    """The concrete due time of a pack's `due` (company zone) and, when it was moved, why; None if its anchor is unknown.

    A due time never falls on a weekend or public holiday: it moves to the
    start of the next business day. `at_least_hours` keeps "that evening"
    in the evening: never earlier than that long after the anchor.
    """
    base = derived.anchors[due.from_]
    if base is None:
        return None, None
    cal = derived.holidays
    moment = shift(base, derived.tz, hours=due.hours, days=due.days, business_days=due.business_days, clock=clock, cal=cal)
    notes = []
    if due.at_least_hours is not None:
        floor = shift(base, derived.tz, hours=due.at_least_hours)
        if floor > moment:
            notes.append(f"due {floor:%H:%M}, not {moment:%H:%M}: at least {due.at_least_hours:g} h after "
                         f"{_ANCHOR_WORDS[due.from_]} ({base:%a %H:%M})")
            moment = floor
    elif clock is not None and moment < base:  # "that evening" when the anchor is already in the evening
        moment = base
    rolled = next_business_start(moment, cal)
    if rolled != moment:
        notes.append(f"{moment:%a %d %b} is {_not_working(moment.date(), cal)}, so it is due {rolled:%a %d %b %H:%M}")
        moment = rolled
    return moment, "; ".join(notes) or None


def window_moment(spec: Any, derived: Derived) -> datetime | None:
    """An `opens` or `expires` moment (None: its anchor is unknown), moved off weekends and holidays like due times."""
    base = derived.anchors[spec.from_]
    if base is None:
        return None
    clock = time.fromisoformat(spec.time) if spec.time else None
    moment = shift(base, derived.tz, hours=spec.hours, days=spec.days, business_days=spec.business_days, clock=clock,
                   cal=derived.holidays)
    return next_business_start(moment, derived.holidays)


class Closing:
    """Why a window closes, written out when it is read (``str(closing)``): its own moment or an event.

    Only why-not reads it, for a rule whose window has closed; formatting the
    time for every window of every new case cost more than finding the moment.
    """

    __slots__ = ("_at", "_event")

    def __init__(self, event: str | None, at: datetime) -> None:
        self._event = event  # None: the window's own moment; else the event (catalogue.EVENTS) that closed it
        self._at = at

    def __str__(self) -> str:
        if self._event is None:
            return f"its window closed {self._at:%a %d %b %H:%M}"
        return f"{EVENTS[self._event]} ({self._at:%a %d %b %H:%M})"

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Closing):
            return (self._event, self._at) == (other._event, other._at)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


def expiry(spec: Any, reference: datetime | None, derived: Derived) -> tuple[datetime | None, Closing | None]:
    """When an `expires` closes the window, and why: the earliest of its moment and its events.

    Events count only after `reference` (the moment the action counts from),
    so the follow-up that made a rule apply does not close it at once.
    """
    best: datetime | None = None
    event_at: datetime | None = None  # the event that closes it (None: its own moment)
    closing: str | None = None
    if spec.from_ is not None:
        best = window_moment(spec, derived)
    for event in spec.on:
        times = [t for t in derived.events.get(event, ()) if reference is None or t > reference]
        if not times:
            continue
        at = times[0]
        if spec.ahead is not None and event in SCHEDULED_EVENTS:
            ahead = spec.ahead
            at = shift(at, derived.tz, hours=-ahead.hours if ahead.hours is not None else None,
                       days=-ahead.days if ahead.days is not None else None,
                       business_days=-ahead.business_days if ahead.business_days is not None else None,
                       cal=derived.holidays)
        if best is None or at < best:  # on a tie the first found stays, its own moment before events
            best, event_at, closing = at, times[0], event
    if best is None:
        return None, None
    return best, Closing(closing, best if event_at is None else event_at)


def holiday_note(derived: Derived, country: str | None, subdivision: str | None) -> str:
    """What the business days of this evaluation skip, for --explain."""
    if derived.holidays is NO_HOLIDAYS:
        return ("no company country in the facts: business days skip weekends only, not public holidays "
                "(add position.country, e.g. GB, to skip them)")
    return f"business days skip weekends and the public holidays of {country}" + (f"-{subdivision}" if subdivision else "")


def local(moment: datetime | None, derived: Derived) -> datetime | None:
    """`moment` in the candidate's own time zone, when that differs from the company's."""
    if moment is None or derived.local_tz is None:
        return None
    return moment.astimezone(derived.local_tz)
