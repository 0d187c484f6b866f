"""One evaluation: facts at a moment, through a compiled pack, to ranked actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from .businesstime import next_call_slot
from .compiler import CompiledPack, CompiledRule
from .conditions import Because
from .conditions import explain as because_trace
from .derive import Derived, Subject, all_values, derive, due_moment, expiry, holiday_note, local, window_moment
from .facts import Facts
from .packs import Due, Rule
from .ranking import ENABLES, NEEDS_ADDRESS, URGENCY_POINTS, order_by_dependency, rank
from .results import Action, Advice, Target

__all__ = ["evaluate", "due_time", "subject_facts"]


def due_time(due: Due, derived: Derived, clock: time | None = None) -> datetime | None:
    """The concrete due time of `due` (company time zone), None if its anchor is unknown.

    `clock` is `due.time` already parsed (compiled rules keep it). The
    arithmetic itself lives in derive.due_moment.
    """
    if clock is None and due.time is not None:
        clock = time.fromisoformat(due.time)
    return due_moment(due, derived, clock)[0]


def subject_facts(cp: CompiledPack, derived: Derived) -> list[tuple[Subject | None, dict[str, Any]]]:
    """The facts asserted into durable-rules: one for the case, one per person; absent values left out.

    No `sid`: durable puts a fact without one in session "0", the one session each ruleset uses.
    """
    out: list[tuple[Subject | None, dict[str, Any]]] = []
    case = derived.case
    if cp.has_case_rules:
        fact: dict[str, Any] = {"id": "s0", "k": "c"}
        for name, f in cp.case_fields:
            v = case[name]
            if v is not None:
                fact[f] = v
        out.append((None, fact))
    if cp.has_person_rules:
        for i, s in enumerate(derived.subjects, start=1):
            fact = {"id": f"s{i}", "k": "i" if s.group == "interviewers" else "a",
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
        when = _when(cr, derived, cp)
        if (when.opens is not None and now < when.opens) or (when.expires is not None and now >= when.expires):
            continue  # not yet worth doing, or no longer
        due = when.due
        if rule.avoid or due is None:
            urg = "today"
        elif due < now:
            urg = "overdue"
        elif due.date() == today or when.opens is not None:
            urg = "today"  # inside an open range ("day 3 to 5"): now is a right moment
        else:
            urg = "upcoming"
        points = cr.points + URGENCY_POINTS[urg]
        who = subject.person.name if subject else rule.target
        lead = (0 if subject is None or subject.hiring_manager else 1, 0 if subject is None or subject.decision_contact else 1)
        candidates.append(((-points, due is None, due, rule.id, *lead, who), (rule.action, who, rule.avoid),
                           (cr, subject, when, urg, points)))
    ranked = order_by_dependency(rank(candidates), _enables)
    values: dict[int, Any] = {}
    targets: dict[tuple[int, str], Target] = {}
    actions = []
    for i, (cr, subject, when, urg, points) in enumerate(ranked, start=1):
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
        actions.append(_action(i, cr, target, when, urg, points, cp, because, derived))
    return Advice._trusted(
        schema_version=1,
        candidate=facts.candidate.name,
        position=facts.position.title,
        company=facts.position.company,
        timezone=facts.position.timezone,
        candidate_timezone=str(derived.local_tz) if derived.local_tz else None,
        at=now,
        at_source="given",
        notices=[],
        set_aside=[],
        pack=cp.ref,
        actions=actions,
        notes=[holiday_note(derived, facts.position.country, facts.position.subdivision)],
    )


@dataclass(frozen=True, slots=True)
class When:
    """An action's moments: due, when to call, its window, and why the due time was moved (if it was)."""

    due: datetime | None
    suggested: datetime | None
    opens: datetime | None
    expires: datetime | None
    note: str | None
    expired_because: str | None


def _window(cr: CompiledRule, derived: Derived) -> tuple[datetime | None, datetime | None, str | None]:
    """(opens, expires, why it expires): fixed for given facts, so memoised with them."""
    key = ("window", cr.window_key)
    hit = derived.memo.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    rule = cr.rule
    opens = window_moment(rule.opens, derived) if rule.opens is not None else None
    if cr.follows is not None:
        # a replacement opens when the rule it replaces expires (and not before its own opening)
        before, _ = expiry(cr.follows.expires, _reference(cr.follows, derived), derived)
        opens = _NEVER if before is None else max(before, opens) if opens is not None else before
    expires, why = (expiry(rule.expires, _reference(rule, derived), derived) if rule.expires is not None
                    else (None, None))
    derived.memo[key] = (opens, expires, why)
    return opens, expires, why


# A replacement whose predecessor has not expired is not open yet.
_NEVER = datetime.max.replace(tzinfo=UTC)


def _reference(rule: Rule, derived: Derived) -> datetime | None:
    """What a rule's window counts events from: its due anchor, else its opening's anchor, else the interview end."""
    if rule.due is not None and rule.due.from_ != "now":
        return derived.anchors[rule.due.from_]
    if rule.opens is not None:
        return derived.anchors[rule.opens.from_]
    return derived.anchors["interview_end"]


def _when(cr: CompiledRule, derived: Derived, cp: CompiledPack) -> When:
    """Due time, window and, for calls, when to call: inside the pack's call windows, on business days."""
    rule = cr.rule
    phone = rule.channel == "phone" and not rule.avoid
    cal = derived.holidays
    opens, expires, why = _window(cr, derived)
    note = None
    if rule.due is None:
        due = None
    elif rule.due.from_ == "now":
        due, note = due_moment(rule.due, derived, cr.due_clock)
        if phone and due is not None:
            due = next_call_slot(due, cp.call_windows, cal)
    else:
        # A fixed anchor gives the same due time at every evaluation of these facts;
        # the key is everything else the due time depends on.
        key = (cr.due_key, phone, cp.call_windows)
        if key in derived.memo:
            due, note = derived.memo[key]
        else:
            due, note = due_moment(rule.due, derived, cr.due_clock)
            if phone and due is not None:
                due = next_call_slot(due, cp.call_windows, cal)
            derived.memo[key] = (due, note)
    suggested = None
    if phone:
        if opens is not None and opens is not _NEVER:
            start = max(derived.at, opens)  # a range: the first slot inside it, not its end
        else:
            start = max(derived.at, due) if due is not None else derived.at
        suggested = next_call_slot(start, cp.call_windows, cal)
    return When(due, suggested, opens, expires, note, why)


def _enables(e: tuple[Any, ...], a: tuple[Any, ...]) -> bool:
    """Does ranked item `e` enable item `a` (ranking.ENABLES)?"""
    ecr, esub, acr, asub = e[0], e[1], a[0], a[1]
    if ecr.rule.avoid or acr.rule.avoid:
        return False
    kinds = ENABLES.get(ecr.rule.action)
    if kinds is None or acr.rule.action == ecr.rule.action:
        return False
    if "*" in kinds:
        return True
    if acr.rule.action not in kinds:
        return False
    if ecr.rule.action != "collect_contacts":
        return True
    if esub is None or asub is None or esub.person is not asub.person:
        return False
    need = NEEDS_ADDRESS.get(acr.rule.channel)
    person = asub.person
    if need == "email":
        return person.email is None
    if need == "contact":
        return not person.contact_known
    return False


_WHO = {"company": "the company", "self": "yourself"}


def _target(kind: str, subject: Subject | None) -> Target:
    if subject is None:
        return Target._trusted(kind=kind, name=None, title=None, email=None, role=None)
    p = subject.person
    return Target._trusted(kind=kind, name=p.name, title=p.title, email=p.email, role=p.role)


def _action(rank: int, cr: CompiledRule, target: Target, when: When, urg: str, points: int, cp: CompiledPack,
            because: list[Because] | None, derived: Derived) -> Action:
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
        due=when.due,
        suggested_at=when.suggested,
        opens=when.opens,
        expires=when.expires,
        due_note=when.note,
        due_local=local(when.due, derived),
        suggested_local=local(when.suggested, derived),
        rationale=cr.rationale,
        sources=list(cr.sources),
        because=because,
    )
