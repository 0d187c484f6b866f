"""One evaluation: facts at a moment, through a compiled pack, to ranked actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from .businesstime import add_business_days, next_call_slot
from .compiler import CompiledPack, CompiledRule
from .conditions import Because
from .conditions import explain as because_trace
from .derive import Derived, Subject, all_values, derive
from .facts import Facts
from .packs import Due
from .ranking import URGENCY_POINTS, rank
from .results import Action, Advice, PackRef, Target

__all__ = ["evaluate", "due_time", "subject_facts"]


def due_time(due: Due, derived: Derived, clock: time | None = None) -> datetime | None:
    """The concrete due time of `due` (company time zone), None if its anchor is unknown.

    `clock` is `due.time` already parsed (compiled rules keep it).
    """
    base = derived.anchors[due.from_]
    if base is None:
        return None
    if due.hours is not None:
        # elapsed hours, so a DST change in between does not shift them
        return (base.astimezone(UTC) + timedelta(hours=due.hours)).astimezone(derived.tz)
    if due.business_days is not None:
        moment = add_business_days(base, due.business_days)
    else:
        moment = datetime.combine(base.date() + timedelta(days=due.days or 0), base.timetz())
    if due.time is not None:
        moment = datetime.combine(moment.date(), clock or time.fromisoformat(due.time), derived.tz)
        if moment < base:  # "that evening" when the interview ended after the evening began
            moment = base
    return moment


def subject_facts(cp: CompiledPack, derived: Derived) -> list[tuple[Subject | None, dict[str, Any]]]:
    """The facts asserted into durable-rules: one for the case, one per person; absent values left out."""
    out: list[tuple[Subject | None, dict[str, Any]]] = []
    case = derived.case
    if cp.has_case_rules:
        fact: dict[str, Any] = {"id": "s0", "sid": "0", "k": "c"}
        for name, f in cp.case_fields:
            v = case[name]
            if v is not None:
                fact[f] = v
        out.append((None, fact))
    if cp.has_person_rules:
        for i, s in enumerate(derived.subjects, start=1):
            fact = {"id": f"s{i}", "sid": "0", "k": "i" if s.group == "interviewers" else "a",
                    "p": True, "hm": s.hiring_manager, "dc": s.decision_contact}
            values = s.values
            for name, f in cp.person_fields:
                v = values[name] if name in values else case[name]
                if v is not None:
                    fact[f] = v
            out.append((s, fact))
    return out


def evaluate(cp: CompiledPack, facts: Facts, at: datetime, *, explain: bool = False,
             enrich: Callable[[Facts, Derived], Derived] | None = None) -> Advice:
    """Rank the actions `cp` recommends for `facts` at `at` (`enrich`: plugin-derived values, see enrich.py)."""
    derived = derive(facts, at)
    if enrich is not None:
        derived = enrich(facts, derived)
    asserted = subject_facts(cp, derived)
    by_id = {fact["id"]: subject for subject, fact in asserted}
    now = derived.at
    today = now.date()
    seen: set[tuple[str, str]] = set()
    candidates = []
    # This loop runs per firing on every evaluation: urgency, score and the
    # sort key (see ranking.py) are inlined, and result objects are built
    # only for the actions that survive ranking.
    for name, sid in cp.ruleset.fire([fact for _, fact in asserted]):
        if (name, sid) in seen:  # `$or` fires once per true branch
            continue
        seen.add((name, sid))
        cr = cp.by_name[name]
        rule = cr.rule
        subject = by_id[sid]
        due, suggested = _when(cr, derived, cp)
        if rule.avoid or due is None:
            urg = "today"
        elif due < now:
            urg = "overdue"
        else:
            urg = "today" if due.date() == today else "upcoming"
        points = cr.points + URGENCY_POINTS[urg]
        who = subject.person.name if subject else rule.target
        candidates.append(((-points, due is None, due, rule.id, who), (rule.action, who, rule.avoid),
                           (cr, subject, due, suggested, urg, points)))
    ranked = rank(candidates)
    values: dict[int, Any] = {}
    targets: dict[tuple[int, str], Target] = {}
    actions = []
    for i, (cr, subject, due, suggested, urg, points) in enumerate(ranked, start=1):
        because = None
        if explain:
            key = id(subject)
            if key not in values:
                values[key] = all_values(derived, subject)
            because = because_trace(cr.tests, values[key])
        tkey = (id(subject), cr.rule.target)
        target = targets.get(tkey)
        if target is None:
            target = targets[tkey] = _target(cr.rule.target, subject)
        actions.append(_action(i, cr, target, due, suggested, urg, points, cp, because))
    pack = cp.file.pack
    return Advice._trusted(
        schema_version=1,
        candidate=facts.candidate.name,
        position=facts.position.title,
        company=facts.position.company,
        timezone=facts.position.timezone,
        at=now,
        at_source="given",
        notices=[],
        pack=PackRef._trusted(name=pack.name, title=pack.title, version=pack.version, origin=cp.file.origin),
        actions=actions,
    )


def _when(cr: CompiledRule, derived: Derived, cp: CompiledPack) -> tuple[datetime | None, datetime | None]:
    """Due time and, for calls, when to call: both inside the pack's call windows."""
    rule = cr.rule
    phone = rule.channel == "phone" and not rule.avoid
    if rule.due is None:
        due = None
    elif rule.due.from_ == "now":
        due = due_time(rule.due, derived, cr.due_clock)
        if phone and due is not None:
            due = next_call_slot(due, cp.call_windows)
    else:
        # A fixed anchor gives the same due time at every evaluation of these facts;
        # the key is everything else the due time depends on.
        key = (rule.due, phone, cp.call_windows)
        if key in derived.memo:
            due = derived.memo[key]
        else:
            due = due_time(rule.due, derived, cr.due_clock)
            if phone and due is not None:
                due = next_call_slot(due, cp.call_windows)
            derived.memo[key] = due
    if not phone:
        return due, None
    return due, next_call_slot(max(derived.at, due) if due is not None else derived.at, cp.call_windows)


_WHO = {"company": "the company", "self": "yourself"}


def _target(kind: str, subject: Subject | None) -> Target:
    if subject is None:
        return Target._trusted(kind=kind, name=None, title=None, email=None, role=None)
    p = subject.person
    return Target._trusted(kind=kind, name=p.name, title=p.title, email=p.email, role=p.role)


def _action(rank: int, cr: CompiledRule, target: Target, due: datetime | None, suggested: datetime | None,
            urg: str, points: int, cp: CompiledPack, because: list[Because] | None) -> Action:
    rule = cr.rule
    return Action._trusted(
        rank=rank,
        rule=rule.id,
        pack=cr.pack or cp.file.pack.name,
        layer=cr.layer,
        kind=rule.action,
        avoid=rule.avoid,
        title=cr.title(target.name or _WHO[target.kind]),
        target=target,
        channel=rule.channel,
        priority=rule.priority,
        score=points,
        urgency=urg,
        due=due,
        suggested_at=suggested,
        rationale=cr.rationale,
        sources=list(cr.sources),
        because=because,
    )
