"""The condition language of pack rules: parse, check, evaluate in Python, compile.

A condition is a tree of `all` / `any` / `not` over tests of one fact each:

    when:
      all:
        - person.thanked: false                 # equality
        - hours_since_interview: {lt: 24}       # comparison
        - outcome: {in: [none, update]}         # membership
        - decision.days_past: {present: true}   # presence

A test on a fact that is absent (a nullable fact with no value) is false,
except `present: false`. The same tree is compiled to a durable-rules
expression (:func:`to_durable`) and read in Python for the because-trace
(:func:`trace`); a property test checks the two agree.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from pydantic import Field

from .catalogue import FACTS, FactSpec
from .slots import slot_setter

__all__ = ["Test", "All", "Any_", "Not", "Condition", "Because", "parse_condition", "evaluate", "trace", "flatten", "explain", "to_durable", "facts_used"]

Path = tuple[str | int, ...]

OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "present")
OP_ALIASES = {"==": "eq", "=": "eq", "is": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "is_not": "ne"}
SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in", "not_in": "not in", "present": "present"}
NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in", "not_in": "in"}
ORDER_OPS = {"lt", "le", "gt", "ge"}
GROUPS = ("all", "any", "not")


@dataclass(frozen=True)
class Test:
    fact: str
    op: str
    value: Any
    path: Path = ()

    @cached_property
    def text(self) -> str:
        """The test as an author reads it, e.g. `hours_since_interview < 24`."""
        if self.op == "present":
            return f"{self.fact} is {'present' if self.value else 'absent'}"
        value = "[" + ", ".join(map(_show, self.value)) + "]" if isinstance(self.value, tuple) else _show(self.value)
        return f"{self.fact} {SYMBOL[self.op]} {value}"


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]
    path: Path = ()


@dataclass(frozen=True)
class Any_:
    items: tuple[Condition, ...]
    path: Path = ()


@dataclass(frozen=True)
class Not:
    item: Condition
    path: Path = ()


Condition = Test | All | Any_ | Not


# A slotted dataclass rather than a pydantic model: an evaluation returns one per
# test of every fired rule, several times cheaper to make. Frozen, like every result,
# so that the items whose value is fixed for given facts are made once and shared by
# every evaluation of them (ready_plan).
@dataclass(frozen=True, slots=True)
class Because:
    """One test of a rule's condition as it was evaluated (an item of the because-trace)."""

    test: Annotated[str, Field(description="The test as written, e.g. `hours_since_interview < 24`.")]
    fact: Annotated[str, Field(description="The fact the test reads.")]
    value: Annotated[Any, Field(description="The fact's value at evaluation time (null when absent).")]
    held: Annotated[bool, Field(description="Whether the test held (before any enclosing `not`).")]
    negated: Annotated[bool, Field(description="The test sits under a `not`.")] = False


def _make_because() -> Callable[[str, str, Any, bool, bool], Because]:
    """``Because(test, fact, value, held, negated)`` for the engine's own values, with its slots set
    directly (slots.slot_setter): a frozen dataclass's __init__ goes through object.__setattr__ per
    field, twice the cost, and an evaluation of new facts makes one per test of every action."""
    new = object.__new__
    set_test, set_fact, set_value, set_held, set_negated = (
        slot_setter(Because, f.name) for f in dataclasses.fields(Because))

    def make(test: str, fact: str, value: Any, held: bool, negated: bool) -> Because:
        item = new(Because)
        set_test(item, test)
        set_fact(item, fact)
        set_value(item, value)
        set_held(item, held)
        set_negated(item, negated)
        return item

    return make


_because = _make_because()


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# --- parsing -----------------------------------------------------------------

Report = Callable[[Path, str, str], None]


def _suggest(word: str, options: Sequence[str]) -> str:
    best = difflib.get_close_matches(word, list(options), n=3, cutoff=0.55)
    if best:
        return f"did you mean `{best[0]}`?" + (f" (or {', '.join(f'`{b}`' for b in best[1:])})" if len(best) > 1 else "")
    return ""


def parse_condition(raw: Any, path: Path, report: Report, *, allow_person: bool) -> Condition | None:
    """Parse the YAML form of a condition; report every problem with its path. None if invalid."""
    if isinstance(raw, list):
        if not raw:
            report(path, "an empty list of conditions", "give at least one condition, or leave `when` out to always apply")
            return None
        items = [parse_condition(x, path + (i,), report, allow_person=allow_person) for i, x in enumerate(raw)]
        if any(i is None for i in items):
            return None
        return items[0] if len(items) == 1 else All(tuple(items), path)  # type: ignore[arg-type]
    if not isinstance(raw, Mapping) or not raw:
        report(path, "a condition must be a mapping such as `hours_since_interview: {lt: 24}`",
               "write `fact: value`, `fact: {op: value}`, or `all:` / `any:` / `not:`")
        return None
    parts: list[Condition | None] = []
    for key, value in raw.items():
        here = path + (key,)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                report(here, f"`{key}` takes a non-empty list of conditions", f"write `{key}:` followed by `- condition` lines")
                parts.append(None)
                continue
            items = [parse_condition(x, here + (i,), report, allow_person=allow_person) for i, x in enumerate(value)]
            if any(i is None for i in items):
                parts.append(None)
                continue
            parts.append((All if key == "all" else Any_)(tuple(items), here))  # type: ignore[arg-type]
        elif key == "not":
            item = parse_condition(value, here, report, allow_person=allow_person)
            parts.append(Not(item, here) if item is not None else None)
        else:
            parts.append(_parse_test(str(key), value, here, report, allow_person))
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else All(tuple(parts), path)  # type: ignore[arg-type]


def _parse_test(name: str, value: Any, path: Path, report: Report, allow_person: bool) -> Condition | None:
    spec = FACTS.get(name)
    if spec is None:
        hint = _suggest(name, list(FACTS) + list(GROUPS))
        report(path, f"unknown fact `{name}`", (hint + " " if hint else "") + "see docs/packs.md for the list of facts")
        return None
    if spec.person and not allow_person:
        report(path, f"`{name}` is about a person, but this rule's target is not a person",
               "use a person target (each_interviewer, hiring_manager, ...) or a case-level fact")
        return None
    if not isinstance(value, Mapping):
        return _make_test(spec, "eq", value, path, report)
    if not value:
        report(path, f"no test given for `{name}`", "write e.g. `{lt: 24}` or a plain value")
        return None
    tests: list[Test | None] = []
    for op, operand in value.items():
        op_name = OP_ALIASES.get(str(op), str(op))
        if op_name not in OPS:
            hint = _suggest(str(op), OPS)
            report(path + (op,), f"unknown operator `{op}`", (hint + " " if hint else "") + f"operators: {', '.join(OPS)}")
            tests.append(None)
            continue
        tests.append(_make_test(spec, op_name, operand, path + (op,), report))
    made = [t for t in tests if t is not None]
    if len(made) < len(tests):
        return None
    return made[0] if len(made) == 1 else All(tuple(made), path)


def _make_test(spec: FactSpec, op: str, value: Any, path: Path, report: Report) -> Test | None:
    name = spec.name
    if op == "present":
        if not isinstance(value, bool):
            report(path, "`present` takes true or false", "write `present: true` or `present: false`")
            return None
        if not spec.nullable:
            report(path, f"`{name}` always has a value, so `present` is meaningless", "test its value instead")
            return None
        return Test(name, op, value, path)
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            report(path, f"`{op}` takes a non-empty list", f"write `{op}: [a, b]`")
            return None
        checked = [_check_value(spec, op, v, path, report) for v in value]
        if any(c is _BAD for c in checked):
            return None
        return Test(name, op, tuple(dict.fromkeys(checked)), path)
    if op in ORDER_OPS and spec.type not in ("int", "number"):
        report(path, f"`{op}` compares numbers, but `{name}` is {_describe(spec)}",
               "use `eq`, `ne`, `in` or `not_in`" if spec.type == "enum" else "use `eq` or `ne`")
        return None
    checked = _check_value(spec, op, value, path, report)
    if checked is _BAD:
        return None
    return Test(name, op, checked, path)


_BAD = object()


def _describe(spec: FactSpec) -> str:
    if spec.type == "enum":
        return "one of " + ", ".join(spec.values)
    return {"bool": "true or false", "int": "a whole number", "number": "a number"}[spec.type]


def _check_value(spec: FactSpec, op: str, value: Any, path: Path, report: Report) -> Any:
    # durable-rules compares loosely ("7" == 7, true == 1): every value is typed here instead.
    ok = False
    if spec.type == "bool":
        ok = isinstance(value, bool)
    elif spec.type == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.type == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
    elif spec.type == "enum":
        ok = isinstance(value, str) and value in spec.values
        if not ok and isinstance(value, str):
            hint = _suggest(value, spec.values)
            report(path, f"`{value}` is not a value of `{spec.name}`",
                   (hint + " " if hint else "") + f"values: {', '.join(spec.values)}")
            return _BAD
    if not ok:
        report(path, f"`{spec.name}` is {_describe(spec)}, not {value!r}",
               "write true or false without quotes" if spec.type == "bool" else f"write {_describe(spec)}")
        return _BAD
    if spec.type in ("int", "number") and not _plain_number(value):
        # durable-rules reads numbers from JSON text and fails on 1e+300, inf and nan (and on any float
        # Python writes with an exponent), so a pack that validates would fail at `advise`
        report(path, f"`{spec.name}` is compared with {value!r}, which is out of range",
               f"write a number between {-_MAGNITUDE:,} and {_MAGNITUDE:,}, and 0 or at least 0.001 in size")
        return _BAD
    return value


_MAGNITUDE = 1_000_000_000


def _plain_number(value: float) -> bool:
    return math.isfinite(value) and abs(value) <= _MAGNITUDE and (value == 0 or abs(value) >= 0.001)


# --- reading in Python -------------------------------------------------------


# The comparison behind each operator; facts are typed (bool, int, float, str),
# so each result is a bool.
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "in": lambda v, values: v in values, "not_in": lambda v, values: v not in values,
}


def _test(t: Test, v: Any) -> bool:
    if t.op == "present":
        return (v is not None) is t.value
    if v is None:
        return False
    return _COMPARE[t.op](v, t.value)


def evaluate(cond: Condition | None, values: Mapping[str, Any]) -> bool:
    """Does the condition hold for these fact values? (None: no condition, always true.)"""
    if cond is None:
        return True
    if isinstance(cond, Test):
        return _test(cond, values.get(cond.fact))
    if isinstance(cond, All):
        return all(evaluate(c, values) for c in cond.items)
    if isinstance(cond, Any_):
        return any(evaluate(c, values) for c in cond.items)
    return not evaluate(cond.item, values)


def flatten(cond: Condition | None, negated: bool = False) -> tuple[tuple[Test, bool], ...]:
    """Every test of `cond` in order, with whether it sits under a `not` (compiled rules keep this)."""
    if cond is None:
        return ()
    if isinstance(cond, Test):
        return ((cond, negated),)
    if isinstance(cond, Not):
        return flatten(cond.item, not negated)
    return tuple(pair for c in cond.items for pair in flatten(c, negated))


def explain(tests: Sequence[tuple[Test, bool]], values: Mapping[str, Any]) -> list[Because]:
    """The because-trace of flattened tests against `values`."""
    # Runs for every test of every action with explain on: one comprehension, no appends.
    return [_because(t.text, t.fact, v, _test(t, v), negated)
            for t, negated in tests for v in (values.get(t.fact),)]


# One test of a because-plan: (text, fact, negated, held, personal), where held is the test's
# outcome when the rule fired (fixed: see because_plan) or the function that decides it from
# the value, and personal says the fact is one of the person's (person.*), not the case's.
PlanItem = tuple[str, str, bool, "bool | Callable[[Any], bool]", bool]


def because_plan(cond: Condition | None) -> tuple[PlanItem, ...]:
    """The because-trace of `cond` prepared once, for rules known to have fired.

    When a rule fired its condition held, so every test reached only through
    `all` (and at most one `not` just above it) held exactly when it is not
    negated: the trace needs only its value. Tests under `any`, or under a
    `not` of a group, are decided from the value at each evaluation.
    """
    out: list[PlanItem] = []

    def walk(c: Condition, negated: bool, fixed: bool) -> None:
        if isinstance(c, Test):
            out.append((c.text, c.fact, negated, (not negated) if fixed else _checker(c), FACTS[c.fact].person))
        elif isinstance(c, Not):
            walk(c.item, not negated, fixed and isinstance(c.item, Test))
        else:
            for item in c.items:
                walk(item, negated, fixed and isinstance(c, All))

    if cond is not None:
        walk(cond, False, True)
    return tuple(out)


def _checker(t: Test) -> Callable[[Any], bool]:
    if t.op == "present":
        want = t.value
        return lambda v: (v is not None) is want
    compare, against = _COMPARE[t.op], t.value
    return lambda v: v is not None and compare(v, against)


# A plan made ready for given facts (ready_plan): whether every item is fixed, and per test
# either its Because, shared by every evaluation, or the plan item, decided at each one.
ReadyPlan = tuple[bool, tuple["Because | PlanItem", ...]]


def ready_plan(plan: Sequence[PlanItem], case: Mapping[str, Any], person: Mapping[str, Any],
               moving: Collection[str] | None) -> ReadyPlan:
    """`plan` with what is fixed for given facts read once: every person value, and the case
    values not in `moving` (None: any case value may move). :func:`explain_ready` finishes it."""
    out: list[Because | PlanItem] = []
    for item in plan:
        text, fact, negated, held, personal = item
        if personal or (moving is not None and fact not in moving):
            v = (person if personal else case).get(fact)
            out.append(_because(text, fact, v, held if held.__class__ is bool else held(v), negated))  # type: ignore[operator]
        else:
            out.append(item)
    return all(item.__class__ is Because for item in out), tuple(out)


def explain_ready(ready: ReadyPlan, case: Mapping[str, Any]) -> list[Because]:
    """The because-trace of a fired rule from its :func:`ready_plan`, reading only the moving values:
    the same as :func:`explain` over the case's values updated with the person's (derive.all_values)."""
    fixed, items = ready
    if fixed:
        return list(items)  # type: ignore[arg-type]
    out = []
    for item in items:
        if item.__class__ is Because:
            out.append(item)
        else:
            text, fact, negated, held, _ = item  # type: ignore[misc]
            v = case.get(fact)
            out.append(_because(text, fact, v, held if held.__class__ is bool else held(v), negated))  # type: ignore[operator]
    return out


def trace(cond: Condition | None, values: Mapping[str, Any]) -> list[Because]:
    """Every test of the condition with the value it saw and whether it held."""
    return explain(flatten(cond), values)


def facts_used(cond: Condition | None) -> set[str]:
    if cond is None:
        return set()
    if isinstance(cond, Test):
        return {cond.fact}
    if isinstance(cond, Not):
        return facts_used(cond.item)
    out: set[str] = set()
    for c in cond.items:
        out |= facts_used(c)
    return out


# --- compiling to durable-rules ----------------------------------------------


def to_durable(cond: Condition, field: Callable[[str], str], negate: bool = False) -> dict[str, Any]:
    """The durable-rules expression of `cond` (negations pushed down to the tests).

    durable-rules has no general `not`, so negation is applied with De Morgan;
    a negated test on a nullable fact must also hold when the fact is absent.
    """
    if isinstance(cond, Not):
        return to_durable(cond.item, field, not negate)
    if isinstance(cond, (All, Any_)):
        conj = isinstance(cond, All) != negate
        parts = [to_durable(c, field, negate) for c in cond.items]
        if len(parts) == 1:
            return parts[0]
        return {"$and" if conj else "$or": parts}
    return _test_to_durable(cond, field, negate)


def _test_to_durable(t: Test, field: Callable[[str], str], negate: bool) -> dict[str, Any]:
    f = field(t.fact)
    if t.op == "present":
        present = t.value != negate
        return {"$ex" if present else "$nex": {f: 1}}
    op = NEGATE[t.op] if negate else t.op
    expr = _compare(f, op, t.value)
    if negate and FACTS[t.fact].nullable:
        return {"$or": [expr, {"$nex": {f: 1}}]}
    return expr


def _compare(f: str, op: str, value: Any) -> dict[str, Any]:
    if op == "eq":
        return {f: value}
    if op == "ne":
        return {"$neq": {f: value}}
    if op in ORDER_OPS:
        return {"$" + {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}[op]: {f: value}}
    if op == "in":
        branches = [{f: v} for v in value]
        return branches[0] if len(branches) == 1 else {"$or": branches}
    branches = [{"$neq": {f: v}} for v in value]  # not_in
    return branches[0] if len(branches) == 1 else {"$and": branches}
