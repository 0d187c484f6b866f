"""Every rule of a pack against one evaluation: fired, lost in ranking, or not fired and why.

Built on the same condition tree the compiler flattens, so an answer is
exact: which rules fired is what durable-rules says for the very facts the
evaluation asserted; what a rule missed is read off its condition tree with
the values the evaluation saw.

"Conditions to change" is the smallest number of tests whose outcome must
flip for the condition to hold: an `all` needs each failing part, an `any`
its cheapest branch, a `not` flips what its part must do. Ties are broken by
how far the values are from their thresholds (hours counted as 1/24 day, so
hours and days weigh alike; a test on a yes/no or a named value is one step).

Each failing test also says what can change it: time alone (`wait`), nothing
any more because time has passed its point (`passed`), nothing because it
describes the situation (`fixed`: a person's role, the industry), or
recording something that happens (`facts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from .catalogue import FACTS
from .compiler import CompiledPack, CompiledRule
from .conditions import NEGATE, All, Condition, Not, Test
from .conditions import evaluate as holds
from .derive import Derived, Subject, all_values
from .evaluation import When, _when, subject_facts
from .ranking import URGENCY_POINTS
from .results import Action, Advice, Result

__all__ = ["Miss", "TargetVerdict", "RuleVerdict", "FactChange", "TargetStatus", "RuleStatus", "rule_verdicts",
           "misses", "FACT_CHANGES", "miss_key"]

FactChange = Literal["wait", "passed", "fixed", "facts"]
TargetStatus = Literal["fired", "lost", "not_open", "expired", "later", "needs_change", "too_late", "never"]
RuleStatus = Literal["fired", "lost", "not_open", "expired", "later", "needs_change", "too_late", "never", "no_target"]

# Facts that grow as time passes, and what can restart their clock (None: nothing, it counts from the interview).
GROWS: dict[str, str | None] = {
    "hours_since_interview": None,
    "days_since_interview": None,
    "business_days_since_interview": None,
    "decision.days_past": "a new decision date",
    "follow_ups.days_since_last": "a new follow-up",
    "follow_ups.business_days_since_last": "a new follow-up",
    "outcome.hours_since": "a new response",
}
# Facts describing the situation: nothing the candidate does or hears changes them.
FIXED = frozenset({
    "person.role", "person.arranged", "company.culture", "company.is_tech", "interview.format", "interview.round",
    "interview.went", "interviewers.count", "arrangers.count",
})
# How each fact of the catalogue can change (a test keeps this complete).
FACT_CHANGES: dict[str, str] = {
    name: ("time" if name in GROWS or name in ("interview.same_day", "decision.passed")
           else "fixed" if name in FIXED else "facts")
    for name in FACTS
}


class Miss(Result):
    """One test of a rule's condition that would have to come out the other way for the rule to fire."""

    test: str = Field(description="The test as written, e.g. `follow_ups.count = 1`.")
    needs: str = Field(description="What must hold instead (differs from `test` for a test under a `not`).")
    fact: str
    value: Any = Field(description="The value the evaluation saw (null when absent).")
    negated: bool = Field(description="The test sits under a `not` (so it must become false).")
    change: FactChange = Field(description="What can change it: wait (time alone), passed (too late), fixed (never), "
                                           "facts (recording something that happens).")
    distance: float = Field(description="How far the value is from making it hold (days for time; 1 for a yes/no or a name).")
    note: str = Field(description="The value seen and what would change it, in words.")


class TargetVerdict(Result):
    """A rule for one target (a person, the company, yourself)."""

    target: str = Field(description="A person's name, `the company` or `yourself`.")
    status: TargetStatus
    rank: int | None = Field(default=None, description="Rank of the action, when it fired and made the list.")
    to_change: int = Field(default=0, description="Fewest tests that must come out the other way for it to fire.")
    distance: float = Field(default=0.0, description="Tie-breaker: how far the values are from their thresholds.")
    misses: list[Miss] = Field(default_factory=list, description="Those tests, with the values seen.")
    won_by: Action | None = Field(default=None, description="When it lost in ranking: the action that was kept.")
    why_lost: str | None = None


class RuleVerdict(Result):
    """One rule: its best outcome over its targets, and each target's."""

    rule: str
    pack: str = Field(description="The pack that defines the rule.")
    action: str = Field(description="Action kind.")
    avoid: bool
    channel: str
    priority: str
    target_kind: str
    title: str = Field(description="What it would say, for its first target.")
    status: RuleStatus
    note: str = Field(description="One line on the outcome.")
    targets: list[TargetVerdict]

    @property
    def nearest(self) -> TargetVerdict | None:
        return self.targets[0] if self.targets else None


# --- what must change --------------------------------------------------------------


@dataclass(frozen=True)
class _Cost:
    impossible: int
    count: int
    distance: float
    misses: tuple[Miss, ...]

    @property
    def key(self) -> tuple[int, int, float]:
        return self.impossible, self.count, self.distance


_FREE = _Cost(0, 0, 0.0, ())


def _sum(costs: list[_Cost]) -> _Cost:
    return _Cost(sum(c.impossible for c in costs), sum(c.count for c in costs), sum(c.distance for c in costs),
                 tuple(m for c in costs for m in c.misses))


def _cost(cond: Condition, values: Mapping[str, Any], want: bool) -> _Cost:
    if isinstance(cond, Test):
        if holds(cond, values) == want:
            return _FREE
        miss = _miss(cond, values, negated=not want)
        return _Cost(int(_impossible(miss)), 1, miss.distance, (miss,))
    if isinstance(cond, Not):
        return _cost(cond.item, values, not want)
    parts = [_cost(c, values, want) for c in cond.items]
    every = isinstance(cond, All) == want  # all-of wanted true, or any-of wanted false: each part must
    return _sum(parts) if every else min(parts, key=lambda c: c.key)


def _impossible(m: Miss) -> bool:
    return m.change == "fixed" or (m.change == "passed" and GROWS.get(m.fact, "") is None) or (
        m.change == "passed" and m.fact == "interview.same_day")


def misses(cond: Condition | None, values: Mapping[str, Any]) -> tuple[int, float, list[Miss]]:
    """(tests to change, distance, the tests) for `cond` to hold with `values`; (0, 0, []) when it holds."""
    if cond is None:
        return 0, 0.0, []
    c = _cost(cond, values, True)
    return c.count, c.distance, list(c.misses)


def miss_key(status: TargetStatus, to_change: int, distance: float) -> tuple[int, int, float]:
    """Nearest miss first: what can happen before what cannot, then fewest changes, then smallest distance."""
    order = {"fired": 0, "lost": 1, "not_open": 2, "later": 2, "needs_change": 3, "expired": 4, "too_late": 4, "never": 5}
    return order[status], to_change, distance


def _effective(t: Test, negated: bool) -> tuple[str, Any]:
    """The operator and value that must hold: the test itself, or its negation under a `not`."""
    if not negated:
        return t.op, t.value
    if t.op == "present":
        return "present", not t.value
    return NEGATE[t.op], t.value


def _show(v: Any) -> str:
    if v is None:
        return "absent"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _miss(t: Test, values: Mapping[str, Any], negated: bool) -> Miss:
    v = values.get(t.fact)
    op, target = _effective(t, negated)
    needs = Test(t.fact, op, target).text
    change, distance, note = _judge(t.fact, op, target, v, values)
    return Miss(test=t.text, needs=needs, fact=t.fact, value=v, negated=negated, change=change,
                distance=round(distance, 3), note=note)


def _gap(op: str, target: Any, v: Any, step: float) -> float:
    """How much `v` must move for `v op target` to hold (positive: grow, negative: shrink)."""
    if op in ("ge", "gt"):
        return float(target - v + (step if op == "gt" else 0))
    if op in ("le", "lt"):
        return float(-(v - target + (step if op == "lt" else 0)))
    if op == "eq":
        return float(target - v)
    if op == "in":
        return float(min(target, key=lambda x: abs(x - v)) - v)
    return float(step)  # ne / not_in: any move will do


def _judge(fact: str, op: str, target: Any, v: Any, values: Mapping[str, Any]) -> tuple[FactChange, float, str]:
    spec = FACTS.get(fact)
    if fact in FIXED:
        return "fixed", 1.0, f"is {_show(v)}: it describes the situation, nothing changes it"
    if v is None:
        if op == "present" and not target:
            return "facts", 1.0, "is known: only different facts would make it absent"
        return "facts", 1.0, "is unknown: " + _absent_hint(fact)
    if fact == "interview.same_day":
        want = target if op == "eq" else not target
        if want:
            return "passed", 1.0, "the interview day is over"
        return "wait", 1.0, "becomes false tomorrow"
    if fact == "decision.passed":
        want = target if op == "eq" else not target
        if want and values.get("decision.days_past") is None:
            return "facts", 1.0, "no decision date is known: it needs one"
        if want:
            return "wait", max(1.0, -float(values.get("decision.days_past") or 0)), "becomes true once the date passes"
        return "passed", 1.0, "the date has passed: only a later decision date would change it"
    if spec is not None and spec.type in ("int", "number") and op != "present":
        step = 1.0 if spec.type == "int" else 0.01
        gap = _gap(op, target, v, step)
        scale = 24.0 if "hours" in fact else 1.0
        distance = abs(gap) / scale
        unit = "hour" if "hours" in fact else "day" if "days" in fact else ""
        size = abs(round(gap, 2))
        amount = f"{_show(size)} {unit}{'s' * (size != 1)}" if unit else _show(size)
        if fact in GROWS:
            if gap > 0:
                return "wait", distance, f"is {_show(v)}: holds in {amount}" if unit else f"is {_show(v)}: holds with time"
            restart = GROWS[fact]
            return "passed", distance, f"is {_show(v)}: {amount} past it" + (f"; only {restart} would reset it" if restart else "")
        return "facts", distance, f"is {_show(v)}"
    return "facts", 1.0, f"is {_show(v)}"


_ABSENT = {
    "decision.days_past": "no decision date is known",
    "follow_ups.days_since_last": "no follow-up has been made",
    "follow_ups.business_days_since_last": "no follow-up has been made",
    "outcome.hours_since": "no response has come",
    "person.thank_you_channel": "no thank-you has been sent",
}


def _absent_hint(fact: str) -> str:
    return _ABSENT.get(fact, "it needs a value")


# --- which rules fired, and which lost in ranking ------------------------------------


def _targets(cr: CompiledRule, derived: Derived) -> list[Subject | None]:
    kind = cr.rule.target
    if not cr.person:
        return [None]
    subjects = derived.subjects
    if kind == "each_interviewer":
        return [s for s in subjects if s.group == "interviewers"]
    if kind == "each_arranger":
        return [s for s in subjects if s.group == "arrangers"]
    if kind == "hiring_manager":
        return [s for s in subjects if s.hiring_manager]
    if kind == "decision_contact":
        return [s for s in subjects if s.decision_contact]
    return list(subjects)  # everyone


def _who(cr: CompiledRule, subject: Subject | None) -> str:
    return subject.person.name if subject else cr.rule.target


def _label(cr: CompiledRule, subject: Subject | None) -> str:
    if subject is not None:
        return subject.person.name
    return "yourself" if cr.rule.target == "self" else "the company"


def _sort_key(cr: CompiledRule, when: When, derived: Derived) -> tuple[Any, ...]:
    """The ranking key evaluation.evaluate gives a firing (see ranking.py; a test keeps the two in step)."""
    now = derived.at
    due = when.due
    if cr.rule.avoid or due is None:
        urg = "today"
    elif due < now:
        urg = "overdue"
    elif due.date() == now.date() or when.opens is not None:
        urg = "today"
    else:
        urg = "upcoming"
    points = cr.points + URGENCY_POINTS[urg]
    return -points, due is None, due, urg


def _why_lost(cr: CompiledRule, mine: tuple[Any, ...], winner: Action) -> str:
    points = -mine[0]
    if winner.score != points:
        return (f"both give {winner.kind} for {winner.target.name or winner.target.kind}; one per person is kept and "
                f"{winner.rule} scores higher ({winner.score}: {winner.priority}, {winner.urgency}) than this rule "
                f"({points}: {cr.rule.priority}, {mine[3]})")
    if mine[2] is None and winner.due is not None:
        return f"both score {points}; {winner.rule} has a due time and this rule has none, so it is kept"
    if winner.due is not None and mine[2] is not None and winner.due < mine[2]:
        return f"both score {points}; {winner.rule} is due earlier ({winner.due:%a %d %b %H:%M}), so it is kept"
    return f"same score and due time; rule ids decide, and {winner.rule} comes first"


def rule_verdicts(cp: CompiledPack, derived: Derived, advice: Advice) -> list[RuleVerdict]:
    """Every rule of `cp` for the evaluation that gave `advice` (derived with the same facts, time and plugins)."""
    asserted = subject_facts(cp, derived)
    by_id = {fact["id"]: subject for subject, fact in asserted}
    fired = {(name, id(by_id[sid])) for name, sid in cp.ruleset.fire([fact for _, fact in asserted])}
    shown = {(a.rule, a.target.name or a.target.kind): a for a in advice.actions}
    kept = {(a.kind, a.target.name or a.target.kind, a.avoid): a for a in advice.actions}
    out = []
    for cr in cp.rules:
        verdicts = []
        for subject in _targets(cr, derived):
            who = _who(cr, subject)
            label = _label(cr, subject)
            action = shown.get((cr.rule.id, who))
            if action is not None:
                verdicts.append(TargetVerdict(target=label, status="fired", rank=action.rank))
                continue
            if (cr.name, id(subject)) in fired:
                when = _when(cr, derived, cp)
                winner = kept.get((cr.rule.action, who, cr.rule.avoid))
                status: TargetStatus = "lost"
                if when.opens is not None and derived.at < when.opens:
                    status = "not_open"
                    why = (f"its conditions hold, but its window opens only {when.opens:%a %d %b %H:%M}"
                           if when.opens.year < 9999 else
                           "its conditions hold, but it opens only when the rule it replaces expires")
                    winner = None
                elif when.expires is not None and derived.at >= when.expires:
                    status = "expired"
                    why = f"its conditions hold, but its window has closed: {when.expired_because}"
                    winner = None
                else:
                    why = (_why_lost(cr, _sort_key(cr, when, derived), winner) if winner is not None
                           else "it fired, but the evaluation did not keep it")
                verdicts.append(TargetVerdict(target=label, status=status, won_by=winner, why_lost=why))
                continue
            count, distance, found = misses(cr.condition, all_values(derived, subject))
            verdicts.append(TargetVerdict(target=label, status=_status(found), to_change=count,
                                          distance=distance, misses=found))
        verdicts.sort(key=lambda v: miss_key(v.status, v.to_change, v.distance))
        out.append(_rule_verdict(cp, cr, verdicts, derived))
    return out


def _status(found: list[Miss]) -> TargetStatus:
    if any(m.change == "fixed" for m in found):
        return "never"
    if any(_impossible(m) for m in found):
        return "too_late"
    if all(m.change == "wait" for m in found):
        return "later"
    return "needs_change"


_NOTES = {
    "not_open": "not yet: its conditions hold but its window is not open",
    "expired": "not shown: its conditions hold but its window has closed",
    "later": "not yet: time alone will make it fire",
    "needs_change": "not fired: facts must change",
    "too_late": "not fired, and it cannot any more: its time has passed",
    "never": "cannot fire for these facts",
}


def _rule_verdict(cp: CompiledPack, cr: CompiledRule, verdicts: list[TargetVerdict], derived: Derived) -> RuleVerdict:
    rule = cr.rule
    first = verdicts[0] if verdicts else None
    title = cr.title(first.target if first else {"self": "yourself", "company": "the company"}.get(rule.target) or rule.target)
    status: RuleStatus
    if first is None:
        status = "no_target"
        group = {"each_arranger": "arrangers", "each_interviewer": "interviewers"}.get(rule.target, "people")
        note = f"cannot fire for these facts: its target is {rule.target} and the facts list no {group}"
    else:
        status = first.status
        if status == "fired":
            ranks = ", ".join(f"#{v.rank} {v.target}" for v in verdicts if v.status == "fired")
            note = f"fired: {ranks}"
        elif status in ("not_open", "expired"):
            note = f"{_NOTES[status]} ({first.target}: {first.why_lost})"
        elif status == "lost":
            assert first.won_by is not None or first.why_lost
            won = f" to #{first.won_by.rank} {first.won_by.rule}" if first.won_by else ""
            note = f"fired for {first.target} but lost in ranking{won}"
        else:
            n = first.to_change
            note = _NOTES[status] + f" ({n} condition{'s' * (n != 1)} to change, nearest: {first.target})"
            if status == "never":
                fixed = next(m for m in first.misses if m.change == "fixed")
                whom = "nobody it is for has" if cr.person and fixed.fact.startswith("person.") else "these facts do not have"
                note = f"cannot fire for these facts: {whom} {fixed.needs}"
    return RuleVerdict(rule=rule.id, pack=cr.pack or cp.file.pack.name, action=rule.action, avoid=rule.avoid,
                       channel=rule.channel, priority=rule.priority, target_kind=rule.target, title=title,
                       status=status, note=note, targets=verdicts)
