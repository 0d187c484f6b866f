"""One evaluation: facts at a moment, through a compiled pack, to ranked actions."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable

from .businesstime import add_business_days, next_call_slot
from .compiler import CompiledPack, CompiledRule
from .conditions import trace
from .derive import Derived, Subject, all_values, derive
from .facts import Facts
from .packs import Due
from .ranking import rank, score, sort_key, urgency
from .results import Action, Advice, BecauseItem, PackRef, Target

__all__ = ["evaluate", "due_time", "subject_facts"]


def due_time(due: Due, derived: Derived) -> datetime | None:
    """The concrete due time of `due` (company time zone), None if its anchor is unknown."""
    base = derived.anchors[due.from_]
    if base is None:
        return None
    if due.hours is not None:
        # elapsed hours, so a DST change in between does not shift them
        return (base.astimezone(timezone.utc) + timedelta(hours=due.hours)).astimezone(derived.tz)
    if due.business_days is not None:
        moment = add_business_days(base, due.business_days)
    else:
        moment = datetime.combine(base.date() + timedelta(days=due.days or 0), base.timetz())
    if due.time is not None:
        moment = datetime.combine(moment.date(), time.fromisoformat(due.time), derived.tz)
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
    fired = cp.ruleset.fire([fact for _, fact in asserted])
    seen: set[tuple[str, str]] = set()
    candidates = []
    for name, sid in fired:
        if (name, sid) in seen:  # `$or` fires once per true branch
            continue
        seen.add((name, sid))
        cr = cp.by_name[name]
        subject = by_id[sid]
        action = _action(cr, subject, derived, cp, explain)
        who = subject.person.name if subject else cr.rule.target
        candidates.append((sort_key(action.score, action.due, cr.rule.id, who),
                           (cr.rule.action, who, cr.rule.avoid), action))
    ranked = rank(candidates)
    pack = cp.file.pack
    return Advice.model_construct(
        schema_version=1,
        candidate=facts.candidate.name,
        position=facts.position.title,
        company=facts.position.company,
        timezone=facts.position.timezone,
        at=derived.at,
        pack=PackRef.model_construct(name=pack.name, title=pack.title, version=pack.version, origin=cp.file.origin),
        actions=[a.model_copy(update={"rank": i}) for i, a in enumerate(ranked, start=1)],  # type: ignore[union-attr]
    )


def _action(cr: CompiledRule, subject: Subject | None, derived: Derived, cp: CompiledPack, explain: bool) -> Action:
    rule = cr.rule
    due = due_time(rule.due, derived) if rule.due is not None else None
    suggested = None
    if rule.channel == "phone" and not rule.avoid:
        due = next_call_slot(due, cp.call_windows) if due is not None else None
        suggested = next_call_slot(max(derived.at, due) if due is not None else derived.at, cp.call_windows)
    urg = urgency(due, derived.at, rule.avoid)
    if subject is not None:
        p = subject.person
        target = Target.model_construct(kind=rule.target, name=p.name, title=p.title, email=p.email, role=p.role)
        who = p.name
    else:
        target = Target.model_construct(kind=rule.target, name=None, title=None, email=None, role=None)
        who = {"company": "the company", "self": "yourself"}[rule.target]
    because = None
    if explain:
        because = [BecauseItem.model_construct(test=b.test, fact=b.fact, value=b.value, held=b.held, negated=b.negated)
                   for b in trace(cr.condition, all_values(derived, subject))]
    return Action.model_construct(
        rank=0,
        rule=rule.id,
        pack=cr.pack or cp.file.pack.name,
        layer=cr.layer,
        kind=rule.action,
        avoid=rule.avoid,
        title=rule.title or _title(cr, who),
        target=target,
        channel=rule.channel,
        priority=rule.priority,
        score=score(rule.priority, urg),
        urgency=urg,
        due=due,
        suggested_at=suggested,
        rationale=rule.rationale.strip(),
        sources=list(cr.sources),
        because=because,
    )


_BY = {"email": "by email", "phone": "by phone", "handwritten": "as a handwritten card", "letter": "by letter",
       "linkedin": "", "none": ""}


def _title(cr: CompiledRule, who: str) -> str:
    spec = cr.spec
    text = (spec.avoid_label if cr.rule.avoid else spec.label).format(who=who)
    by = _BY[cr.rule.channel]
    if by:
        text += " " + by
    return text[0].upper() + text[1:]
