"""The lint's "can never hold" is sound: whenever a condition holds for some facts, the lint says it can.

Hypothesis builds random conditions over facts of every type (counts, signed
whole numbers, decimals, enums, bools, a nullable fact and a bool that
implies it is present) and random values within each fact's domain.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.conditions import All, Any_, Condition, Not, evaluate
from followup.conditions import Test as FactTest
from followup.lint import implies, satisfiable

NUMS = st.integers(min_value=-4, max_value=6)


def _test() -> st.SearchStrategy[FactTest]:
    count = st.builds(lambda op, v: FactTest("follow_ups.count", op, v), st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), NUMS)
    days = st.builds(lambda op, v: FactTest("days_since_interview", op, v), st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), NUMS)
    hours = st.builds(lambda op, v: FactTest("hours_since_interview", op, float(v) / 2), st.sampled_from(["eq", "lt", "le", "gt", "ge"]), NUMS)
    outcome = st.one_of(
        st.builds(lambda op, v: FactTest("outcome", op, v), st.sampled_from(["eq", "ne"]), st.sampled_from(["none", "offer", "rejection"])),
        st.builds(lambda op, v: FactTest("outcome", op, tuple(sorted(v))), st.sampled_from(["in", "not_in"]),
                  st.sets(st.sampled_from(["none", "offer", "rejection", "update"]), min_size=1, max_size=3)))
    passed = st.builds(lambda v: FactTest("decision.passed", "eq", v), st.booleans())
    past = st.one_of(
        st.builds(lambda op, v: FactTest("decision.days_past", op, v), st.sampled_from(["eq", "ne", "lt", "ge"]), NUMS),
        st.builds(lambda v: FactTest("decision.days_past", "present", v), st.booleans()))
    return st.one_of(count, days, hours, outcome, passed, past)


CONDITIONS: st.SearchStrategy[Condition] = st.recursive(
    _test(),
    lambda inner: st.one_of(
        st.builds(lambda xs: All(tuple(xs)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: Any_(tuple(xs)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(Not, inner)),
    max_leaves=6)


@st.composite
def VALUES(draw: Any) -> dict[str, Any]:
    past = draw(st.one_of(st.none(), NUMS))
    return {
        "follow_ups.count": draw(st.integers(min_value=0, max_value=6)),
        "days_since_interview": draw(NUMS),
        "hours_since_interview": draw(NUMS) / 2,
        "outcome": draw(st.sampled_from(["none", "update", "offer", "second_round", "rejection"])),
        "decision.days_past": past,
        "decision.passed": past is not None and draw(st.booleans()),  # passed implies a known date
    }


@settings(max_examples=400, deadline=None)
@given(CONDITIONS, VALUES())
def test_a_condition_that_holds_is_satisfiable(cond: Condition, values: dict[str, Any]) -> None:
    if evaluate(cond, values):
        assert satisfiable(cond)


@settings(max_examples=300, deadline=None)
@given(CONDITIONS, CONDITIONS, VALUES())
def test_implies_is_never_wrong(a: Condition, b: Condition, values: dict[str, Any]) -> None:
    if evaluate(a, values) and not evaluate(b, values):
        assert not implies(a, b)
