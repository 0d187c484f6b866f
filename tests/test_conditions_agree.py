"""durable-rules and the Python reading of conditions agree on what fires.

The because-trace is computed in Python from the same condition tree the
ruleset was compiled from; if the two readings ever differed, the trace
would explain something the engine did not do. Hypothesis generates
condition trees over the whole fact catalogue (including absent values of
nullable facts and negations over them) and thousands of fact sets.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup import conditions as c
from followup.catalogue import FACTS, FactSpec
from followup.conditions import All, Any_, Not, evaluate, to_durable
from followup.durable import Ruleset

INTS = st.integers(min_value=-3, max_value=12)
NUMBERS = st.sampled_from([-1.5, 0.0, 1.0, 2.5, 24.0, 47.99, 48.0, 100.25])

SPECS = list(FACTS.values())
PLAIN = {"bool": st.booleans(), "int": INTS, "number": NUMBERS}


def value_strategy(spec: FactSpec) -> st.SearchStrategy:
    if spec.type == "bool":
        base = st.booleans()
    elif spec.type == "int":
        base = INTS
    elif spec.type == "number":
        base = NUMBERS
    else:
        base = st.sampled_from(spec.values)
    return st.one_of(st.none(), base) if spec.nullable else base


def ops_for(spec: FactSpec) -> list[str]:
    ops = ["eq", "ne"]
    if spec.type in ("int", "number"):
        ops += ["lt", "le", "gt", "ge"]
    if spec.type in ("enum", "int"):
        ops += ["in", "not_in"]
    if spec.nullable:
        ops.append("present")
    return ops


@st.composite
def leaves(draw: st.DrawFn) -> c.Test:
    spec = draw(st.sampled_from(SPECS))
    op = draw(st.sampled_from(ops_for(spec)))
    if op == "present":
        return c.Test(spec.name, op, draw(st.booleans()))
    plain = PLAIN[spec.type] if spec.type in PLAIN else st.sampled_from(spec.values)
    if op in ("in", "not_in"):
        values = draw(st.lists(plain, min_size=1, max_size=3, unique=True))
        return c.Test(spec.name, op, tuple(values))
    return c.Test(spec.name, op, draw(plain))


conditions = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda xs: All(tuple(xs))),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: Any_(tuple(xs))),
        children.map(Not),
    ),
    max_leaves=6,
)


def fact_sets(n: int) -> st.SearchStrategy:
    return st.lists(st.fixed_dictionaries({s.name: value_strategy(s) for s in SPECS}), min_size=n, max_size=n)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(rules=st.lists(conditions, min_size=1, max_size=8), facts=fact_sets(24), batch=st.integers(1, 4))
def test_durable_and_python_agree(rules: list, facts: list[dict], batch: int) -> None:
    # Facts are asserted in batches, as an evaluation asserts the case and each person at once.
    fields = {name: f"f{i}" for i, name in enumerate(FACTS)}
    ruleset = Ruleset({f"r{i}": {"$and": [{"k": "c"}, to_durable(c, fields.__getitem__)]} for i, c in enumerate(rules)})
    try:
        for start in range(0, len(facts), batch):
            chunk = facts[start : start + batch]
            asserted = []
            for n, values in enumerate(chunk):
                fact = {"id": f"s{n}", "sid": "0", "k": "c"}
                fact.update({fields[k]: v for k, v in values.items() if v is not None})
                asserted.append(fact)
            fired = set(ruleset.fire(asserted))
            expected = {(f"r{i}", f"s{n}") for n, values in enumerate(chunk)
                        for i, c in enumerate(rules) if evaluate(c, values)}
            assert fired == expected, (chunk, rules)
    finally:
        ruleset.close()


def test_batch_whose_last_fact_matches_nothing_still_reports_earlier_firings() -> None:
    # durable-rules' status code describes only the last fact of a batch.
    ruleset = Ruleset({"r0": {"$and": [{"k": "c"}, {"a": 1}]}})
    fired = ruleset.fire([{"id": "s0", "sid": "0", "k": "c", "a": 1}, {"id": "s1", "sid": "0", "k": "c", "a": 2}])
    assert fired == [("r0", "s0")]
    ruleset.close()


def test_or_branches_fire_once_per_branch_and_engine_dedupes() -> None:
    # The known durable-rules behaviour the evaluation de-duplicates.
    cond = Any_((c.Test("interview.round", "eq", 1), c.Test("interview.went", "eq", "well")))
    ruleset = Ruleset({"r0": {"$and": [{"k": "c"}, to_durable(cond, {"interview.round": "a", "interview.went": "b"}.__getitem__)]}})
    fired = ruleset.fire([{"id": "s0", "sid": "0", "k": "c", "a": 1, "b": "well"}])
    assert fired == [("r0", "s0"), ("r0", "s0")]
    ruleset.close()


def test_negated_comparison_on_absent_fact_holds() -> None:
    # not(days_past > 2) must hold when no decision date is known.
    cond = Not(c.Test("decision.days_past", "gt", 2))
    ruleset = Ruleset({"r0": {"$and": [{"k": "c"}, to_durable(cond, lambda f: "d")]}})
    assert ruleset.fire([{"id": "s0", "sid": "0", "k": "c"}]) == [("r0", "s0")]
    assert ruleset.fire([{"id": "s0", "sid": "0", "k": "c", "d": 3}]) == []
    assert evaluate(cond, {"decision.days_past": None}) is True
    ruleset.close()
