"""Meaning-level checks of a valid pack, and `followup validate` as a library call.

A pack can load and still be wrong. The lint looks for:

- ``never-holds`` (error): a rule whose condition can never be true, e.g.
  ``follow_ups.count: {ge: 5, lt: 3}``, ``outcome: offer`` together with
  ``outcome: rejection``, a count below zero, ``present: false`` together
  with a comparison of the same fact. Such a rule is dead code.
- ``shadowed`` (warning): a rule that gives the same action (avoid or not)
  to the same target as another whose condition is wider and whose priority
  is at least as high; whenever it applies the other does too and wins (the
  ranking keeps one action of a kind per person, whatever the channel), so
  it adds nothing.
  A rule that takes over when another expires (`expires: {then: ...}`)
  never competes with it, so the pair is neither shadowed nor opposing.
- ``opposing`` (warning): two rules that can apply at the same moment with
  opposite advice about the same action and target (one ``avoid: true``),
  at the same priority, so nothing says which advice comes first.
- ``name-mismatch`` (warning): the pack's ``name:`` differs from its file
  name, which is the name ``--pack`` finds it under.
- ``same-as-inherited`` (warning, found while resolving ``extends``): an
  override field that sets the value the rule already has.

Errors found while loading (unknown facts, operators, sources, items,
blank rationales, bad overrides) come from :mod:`followup.packs` and
:mod:`followup.inheritance` and are errors too. Only rules the checked file
defines or overrides are linted; inherited rules are the base pack's business.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import FACTS, PRIORITIES
from .compiler import check_size
from .conditions import NEGATE, All, Condition, Not, Test
from .errors import PackError, Problem
from .inheritance import Lookup, ResolvedPack, resolve
from .packs import PackFile, Rule, load_pack_file
from .yamlio import UNREADABLE

__all__ = ["lint", "satisfiable", "implies", "Report", "validate_pack", "UNREADABLE_CODES"]

# Facts that count things: never below these values.
MINIMUM: dict[str, int] = {
    "interview.round": 1,
    "interviewers.count": 1,
    "candidate.other_applications": 0,
    "follow_ups.count": 0,
    "follow_ups.unanswered": 0,
    "follow_ups.calls": 0,
    "follow_ups.emails": 0,
    "follow_ups.since_outcome": 0,
    "follow_ups.unanswered_since_outcome": 0,
    "interviewers.unthanked": 0,
    "interviewers.missing_contact": 0,
    "interviewers.not_on_linkedin": 0,
    "arrangers.count": 0,
    "arrangers.unthanked": 0,
    "person.followed_up": 0,
}

# Beyond this many alternatives the check gives up (and assumes the condition can hold).
_MAX_BRANCHES = 512

Conj = tuple[Test, ...]
_TRUE: list[Conj] = [()]
_FALSE: list[Conj] = []


class _TooBig(Exception):
    pass


def _dnf(cond: Condition | None, negate: bool = False) -> list[Conj]:
    """Alternatives (each a conjunction of tests) equivalent to `cond` (negated if asked)."""
    if cond is None:
        return _FALSE if negate else _TRUE
    if isinstance(cond, Not):
        return _dnf(cond.item, not negate)
    if isinstance(cond, Test):
        if not negate:
            return [(cond,)]
        if cond.op == "present":
            return [(Test(cond.fact, "present", not cond.value),)]
        flipped = Test(cond.fact, NEGATE[cond.op], cond.value)
        if FACTS[cond.fact].nullable:  # `not (x < 3)` also holds when x is absent
            return [(flipped,), (Test(cond.fact, "present", False),)]
        return [(flipped,)]
    conj = isinstance(cond, All) != negate
    parts = [_dnf(c, negate) for c in cond.items]
    if not conj:
        out = [c for p in parts for c in p]
        if len(out) > _MAX_BRANCHES:
            raise _TooBig
        return out
    out = _TRUE
    for p in parts:
        out = [a + b for a in out for b in p]
        if len(out) > _MAX_BRANCHES:
            raise _TooBig
    return out


def _conj_ok(conj: Conj) -> bool:
    by_fact: dict[str, list[Test]] = {}
    for t in conj:
        by_fact.setdefault(t.fact, []).append(t)
        spec = FACTS[t.fact]
        if spec.type == "bool" and t.op == "eq" and t.value is True:
            for other in spec.implies_present:
                by_fact.setdefault(other, []).append(Test(other, "present", True))
    return all(_fact_ok(name, tests) for name, tests in by_fact.items())


def _fact_ok(name: str, tests: list[Test]) -> bool:
    spec = FACTS[name]
    absent = any(t.op == "present" and t.value is False for t in tests)
    compared = [t for t in tests if t.op != "present"]
    if absent:
        return not compared and not any(t.op == "present" and t.value for t in tests) and spec.nullable
    if spec.type in ("bool", "enum"):
        values: set[Any] = {True, False} if spec.type == "bool" else set(spec.values)
        for t in compared:
            if t.op == "eq":
                values &= {t.value}
            elif t.op == "ne":
                values -= {t.value}
            elif t.op == "in":
                values &= set(t.value)
            elif t.op == "not_in":
                values -= set(t.value)
        return bool(values)
    return _numbers_ok(spec.type == "int", MINIMUM.get(name), compared)


def _numbers_ok(integer: bool, minimum: int | None, tests: list[Test]) -> bool:
    lo, lo_in = (float(minimum), True) if minimum is not None else (-math.inf, False)
    hi, hi_in = math.inf, False
    allowed: set[float] | None = None
    excluded: set[float] = set()
    for t in tests:
        v = t.value
        if t.op in ("gt", "ge") and (v > lo or (v == lo and lo_in and t.op == "gt")):
            lo, lo_in = float(v), t.op == "ge"
        elif t.op in ("lt", "le") and (v < hi or (v == hi and hi_in and t.op == "lt")):
            hi, hi_in = float(v), t.op == "le"
        elif t.op == "eq":
            allowed = {float(v)} if allowed is None else allowed & {float(v)}
        elif t.op == "in":
            allowed = {float(x) for x in v} if allowed is None else allowed & {float(x) for x in v}
        elif t.op == "ne":
            excluded.add(float(v))
        elif t.op == "not_in":
            excluded |= {float(x) for x in v}

    def inside(x: float) -> bool:
        if integer and x != int(x):
            return False
        return (lo < x or (lo == x and lo_in)) and (x < hi or (x == hi and hi_in)) and x not in excluded

    if allowed is not None:
        return any(inside(x) for x in allowed)
    if integer:
        if lo == -math.inf or hi == math.inf:
            return lo <= hi  # unbounded on one side: room for a value besides the excluded ones
        first = math.ceil(lo) if lo_in else math.floor(lo) + 1
        last = math.floor(hi) if hi_in else math.ceil(hi) - 1
        return any(x not in excluded for x in range(int(first), int(last) + 1)) if first <= last else False
    if lo < hi:
        return True
    return lo == hi and lo_in and hi_in and lo not in excluded


def satisfiable(cond: Condition | None, *more: Condition | None, negated: Iterable[Condition | None] = ()) -> bool:
    """Can `cond` (and every one of `more`, and none of `negated`) hold at once?

    Errs on the side of True: only real contradictions make it False.
    """
    try:
        alternatives = _TRUE
        for part in [_dnf(c) for c in (cond, *more)] + [_dnf(c, True) for c in negated]:
            alternatives = [a + b for a in alternatives for b in part]
            if len(alternatives) > _MAX_BRANCHES:
                raise _TooBig
    except _TooBig:
        return True
    return any(_conj_ok(c) for c in alternatives)


def implies(a: Condition | None, b: Condition | None) -> bool:
    """Whenever `a` holds, `b` holds (as far as the check can tell)."""
    return not satisfiable(a, negated=[b])


# --- the lint ------------------------------------------------------------------

Report = Callable[[str, str, str, str, str], None]  # (rule id, field, message, hint, code)


@dataclass
class _Place:
    pf: PackFile
    path: tuple[str | int, ...]


def _places(resolved: ResolvedPack) -> dict[str, _Place]:
    """For each rule id, the file and entry that last defined or changed it."""
    out: dict[str, _Place] = {}
    for pf in resolved.chain:
        for i, r in enumerate(pf.pack.rules):
            out[r.id] = _Place(pf, ("rules", i))
        for j, ov in enumerate(pf.pack.overrides):
            out[ov.id] = _Place(pf, ("overrides", j))
    return out


def _disjoint_windows(a: Rule, b: Rule) -> bool:
    """One rule's window ends where the other's begins (`expires.then`), so they never compete."""
    return bool((a.expires and a.expires.then == b.id) or (b.expires and b.expires.then == a.id))


def lint(resolved: ResolvedPack, *, own_only: bool = True) -> list[Problem]:
    """Findings on the resolved pack, located in the file that defines or changes each rule."""
    pf = resolved.file
    places = _places(resolved)
    this = resolved.chain[-1] if resolved.chain else pf
    mine = {rid for rid, place in places.items() if place.pf is this} if own_only else set(places)
    out: list[Problem] = []

    def report(rid: str, where: tuple[str | int, ...], message: str, hint: str, code: str, severity: str) -> None:
        place = places.get(rid)
        if place is None or place.pf.doc is None:
            out.append(Problem(message, ("rules", rid) + where, file=pf.origin, hint=hint, severity=severity, code=code))
            return
        out.append(place.pf.doc.problem(place.path + where, message, hint, severity=severity, code=code))

    rules = pf.pack.rules
    conds = pf.conditions
    for r in rules:
        if r.id in mine and not satisfiable(conds.get(r.id)):
            report(r.id, ("when",), f"the condition of `{r.id}` can never hold, so the rule never fires",
                   "look for bounds that exclude each other (e.g. ge 5 and lt 3), two different values for one fact, "
                   "or a count below zero", "never-holds", "error")
    live = [r for r in rules if satisfiable(conds.get(r.id))]
    for a, b in itertools.permutations(live, 2):
        if a.id not in mine and b.id not in mine:
            continue
        if _disjoint_windows(a, b):
            continue  # one takes over when the other expires: they never apply at the same moment
        if _key(a) == _key(b) and PRIORITIES[b.priority] >= PRIORITIES[a.priority] and implies(conds.get(a.id), conds.get(b.id)):
            if implies(conds.get(b.id), conds.get(a.id)) and PRIORITIES[a.priority] == PRIORITIES[b.priority] \
                    and rules.index(a) < rules.index(b):
                continue  # equivalent rules: report the later one only
            how = f"by {a.channel}" if a.channel == b.channel else f"by {b.channel} instead of {a.channel}"
            report(a.id, ("id",), f"`{a.id}` is shadowed by `{b.id}`: whenever it applies, `{b.id}` gives the same "
                   f"advice ({a.action} to {a.target} {how}) at {b.priority} priority or higher, and only one "
                   f"action of a kind per person is shown",
                   f"remove `{a.id}`, narrow the condition of `{b.id}`, or give `{a.id}` a higher priority",
                   "shadowed", "warning")
    for a, b in itertools.combinations(live, 2):
        if a.id not in mine and b.id not in mine:
            continue
        if (a.action, a.target) == (b.action, b.target) and a.avoid != b.avoid and str(a.priority) == str(b.priority) \
                and not _disjoint_windows(a, b) and satisfiable(conds.get(a.id), conds.get(b.id)):
            later = b if b.id in mine else a
            other = a if later is b else b
            report(later.id, ("priority",), f"`{later.id}` and `{other.id}` can apply at the same time with opposite advice "
                   f"about {a.action} for {a.target}, both at {a.priority} priority",
                   "give the one that should win a higher priority, or make their conditions exclude each other",
                   "opposing", "warning")
    if this.path is not None and this.pack.name != this.path.stem:
        doc = this.doc
        msg = f"the pack is named `{this.pack.name}` but its file is `{this.path.name}`; --pack finds it as `{this.path.stem}`"
        hint = f"rename the file to {this.pack.name}.yaml or set `name: {this.path.stem}`"
        out.append(doc.problem(("name",), msg, hint, severity="warning", code="name-mismatch") if doc
                   else Problem(msg, ("name",), file=this.origin, hint=hint, severity="warning", code="name-mismatch"))
    out += [w for w in pf.warnings if w not in out]  # found while resolving, e.g. an override that changes nothing
    return sorted(out, key=lambda p: (p.file or "", p.line or 0, p.column or 0))


def _key(r: Rule) -> tuple[str, bool, str]:
    # the ranking keeps one action per (kind, person, avoid), whatever its channel
    return (r.action, r.avoid, r.target)


# --- followup validate ------------------------------------------------------------

# Problems that mean "this is not a pack we could read", as opposed to findings in one.
UNREADABLE_CODES = frozenset({"unreadable", "not_a_pack"}) | UNREADABLE


@dataclass
class ValidationResult:
    path: str
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False
    resolved: ResolvedPack | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def exit_code(self) -> int:
        return 2 if self.unreadable else (1 if self.problems else 0)


def validate_pack(path: str | os.PathLike[str], lookup: Lookup | None = None) -> ValidationResult:
    """Everything wrong with the pack file at `path`: load errors, inheritance errors, lint findings."""
    result = ValidationResult(str(path))
    p = Path(path)
    if os.path.isdir(p):
        result.problems.append(Problem(f"{path} is a folder with no pack files in it", file=str(path),
                                       hint="give a pack's .yaml file, or a folder that holds some", code="unreadable"))
        result.unreadable = True
        return result
    meaning: list[Problem] = []  # rule-level problems, reported together with inheritance ones
    try:
        pf = load_pack_file(p, origin=str(path), problems_out=meaning)
        resolved = resolve(pf, lookup)
    except PackError as exc:
        result.problems = meaning + [pr for pr in exc.problems if pr not in meaning]
        if len({pr.file for pr in result.problems}) == 1:
            result.problems.sort(key=lambda pr: (pr.line or 0, pr.column or 0))
        result.unreadable = any(pr.code in UNREADABLE_CODES for pr in exc.problems)
        return result
    if meaning:  # a pack with errors is not linted: its conditions are incomplete
        result.problems = meaning
        return result
    try:
        check_size(resolved.file)  # before the lint, whose pairwise checks grow with the square of the rules
    except PackError as exc:
        result.problems = list(exc.problems)
        return result
    result.resolved = resolved
    result.problems = lint(resolved)
    if pf.path is not None:  # a pack's own draft templates are part of it (drafts channel)
        from .draftcheck import template_problems

        result.problems += template_problems(pf.path, pf.pack.name)
    return result
