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
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .businesstime import business_days_between
from .facts import Facts, Person

__all__ = ["Derived", "Subject", "derive", "all_values"]

Value = bool | int | float | str | None


@dataclass(frozen=True)
class Subject:
    """Whom a person-scoped rule is evaluated for."""

    person: Person
    group: str  # "interviewers" | "arrangers"
    hiring_manager: bool
    decision_contact: bool
    values: dict[str, Value]


@dataclass(frozen=True)
class Derived:
    at: datetime  # evaluation time, in the company's time zone
    tz: ZoneInfo
    case: dict[str, Value]
    subjects: tuple[Subject, ...]
    anchors: dict[str, datetime | None]
    # Shared by every evaluation of the same Facts object: results that depend
    # on the facts alone (evaluation keeps due times of fixed anchors here).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
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
    case["business_days_since_interview"] = business_days_between(st.iv_day, today)
    case["interview.same_day"] = today == st.iv_day
    if st.expected is not None:
        case["decision.days_past"] = (today - st.expected.date()).days
        case["decision.passed"] = now > st.expected
    if st.last_fu is not None:
        case["follow_ups.days_since_last"] = (today - st.last_fu.date()).days
        case["follow_ups.business_days_since_last"] = business_days_between(st.last_fu.date(), today)
    if st.latest_at is not None:
        case["outcome.hours_since"] = _hours((now - st.latest_at).total_seconds())
    anchors = dict(st.anchors)
    anchors["now"] = now
    return Derived(at=now, tz=st.tz, case=case, subjects=st.subjects, anchors=anchors, memo=st.memo)


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
        "follow_ups.unanswered": sum(1 for f in fus if not f.answered),
        "follow_ups.calls": sum(1 for f in fus if f.channel == "phone"),
        "follow_ups.emails": sum(1 for f in fus if f.channel == "email"),
        "follow_ups.days_since_last": None,
        "follow_ups.business_days_since_last": None,
        "follow_ups.since_outcome": len(after),
        "follow_ups.unanswered_since_outcome": sum(1 for f in after if not f.answered),
        "outcome": latest.kind if latest else "none",
        "outcome.replied": bool(latest and latest.replied is not None),
        "outcome.hours_since": None,
        "interviewers.count": len(facts.interviewers),
        "interviewers.unthanked": sum(1 for p in facts.interviewers if p.thank_you is None),
        "interviewers.missing_contact": sum(1 for p in facts.interviewers if not p.contact_known),
        "arrangers.count": len(facts.arrangers),
        "arrangers.unthanked": sum(1 for p in facts.arrangers if p.thank_you is None),
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
    }
    return _Static(tz, end, iv_day, expected, last_fu, latest.at if latest else None, case, tuple(subjects),
                   anchors, {})


def all_values(derived: Derived, subject: Subject | None) -> dict[str, Any]:
    """The flat fact values a rule sees: the case's, plus the person's for a person rule."""
    if subject is None:
        return derived.case
    return {**derived.case, **subject.values}
