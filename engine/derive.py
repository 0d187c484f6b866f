"""Derived facts: the numbers and flags rules test, computed once per evaluation.

Every value a rule can refer to is computed here, from the facts and an
explicit evaluation time, in the company's time zone. Nothing else in
followup does date arithmetic on facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .businesstime import business_days_between
from .facts import Facts, Person

__all__ = ["Derived", "Subject", "derive"]

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


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600.0, 2)


def derive(facts: Facts, at: datetime) -> Derived:
    """All derived facts of `facts` as seen at `at` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("the evaluation time must be timezone-aware")
    tz = ZoneInfo(facts.position.timezone)
    now = at.astimezone(tz)
    iv = facts.interview
    end = iv.end.astimezone(tz)
    iv_day = iv.start.astimezone(tz).date()
    today = now.date()

    d = facts.decision
    expected = d.expected_by.astimezone(tz) if d.expected_by else None
    responses = sorted(facts.responses, key=lambda r: r.at)
    latest = responses[-1] if responses else None
    fus = sorted(facts.follow_ups, key=lambda f: f.at)
    last_fu = fus[-1].at.astimezone(tz) if fus else None
    after = [f for f in fus if f.at > latest.at] if latest else fus

    case: dict[str, Value] = {
        "hours_since_interview": _hours((now - end).total_seconds()),
        "days_since_interview": (today - iv_day).days,
        "business_days_since_interview": business_days_between(iv_day, today),
        "interview.same_day": today == iv_day,
        "interview.round": iv.round,
        "interview.format": iv.format,
        "interview.went": iv.went,
        "candidate.still_interested": iv.still_interested,
        "candidate.notes_taken": iv.notes_taken,
        "candidate.other_applications": sum(1 for a in facts.other_applications),
        "company.culture": facts.position.culture,
        "company.is_tech": facts.position.industry == "technology",
        "decision.asked": d.asked,
        "decision.date_known": expected is not None,
        "decision.days_past": (today - expected.date()).days if expected else None,
        "decision.passed": bool(expected is not None and now > expected),
        "decision.contact_known": d.informs is not None,
        "decision.call_invited": d.call_invited,
        "follow_ups.count": len(fus),
        "follow_ups.unanswered": sum(1 for f in fus if not f.answered),
        "follow_ups.calls": sum(1 for f in fus if f.channel == "phone"),
        "follow_ups.emails": sum(1 for f in fus if f.channel == "email"),
        "follow_ups.days_since_last": (today - last_fu.date()).days if last_fu else None,
        "follow_ups.business_days_since_last": business_days_between(last_fu.date(), today) if last_fu else None,
        "follow_ups.since_outcome": len(after),
        "follow_ups.unanswered_since_outcome": sum(1 for f in after if not f.answered),
        "outcome": latest.kind if latest else "none",
        "outcome.replied": bool(latest and latest.replied is not None),
        "outcome.hours_since": _hours((now - latest.at).total_seconds()) if latest else None,
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
        "now": now,
    }
    return Derived(at=now, tz=tz, case=case, subjects=tuple(subjects), anchors=anchors)


def all_values(derived: Derived, subject: Subject | None) -> dict[str, Any]:
    """The flat fact values a rule sees: the case's, plus the person's for a person rule."""
    if subject is None:
        return derived.case
    return {**derived.case, **subject.values}
