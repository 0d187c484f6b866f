"""Packs of any shape run: rules spread over rulesets durable-rules can hold, the rest read in Python.

durable-rules hangs for ever (512 alternatives under one node), or refuses
with error 113 (16 groups in a rule) or 303 (65 nodes matching at once).
None of that may reach a user: big packs evaluate, and agree with the
Python reading of their conditions; a pack over followup's own limit gets a
located error from `validate` and `advise`, never a traceback or a hang.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import followup
from authoring_support import AT, EXAMPLE, pack, rule, run, write
from followup import sharding
from followup.catalogue import ACTIONS, FACTS
from followup.compiler import reading
from followup.conditions import Any_, evaluate, to_durable
from followup.conditions import Test as Check
from followup.derive import all_values, derive
from followup.engine import resolve_at
from followup.evaluation import subject_facts
from followup.sharding import ShardedRuleset, plan
from test_conditions_agree import conditions, fact_sets

FIELDS = {name: f"f{i}" for i, name in enumerate(FACTS)}
GUARD = {"k": "c"}


def compiled(conds: list) -> ShardedRuleset:
    """Conditions as a pack's case rules are compiled (guard, generated field names, Python readings)."""
    rules, readings = {}, {}
    for i, cond in enumerate(conds):
        rules[f"r{i}"] = {"$and": [GUARD, to_durable(cond, FIELDS.__getitem__)]}
        readings[f"r{i}"] = reading(GUARD, cond, [(f, FIELDS[f]) for f in FACTS])
    return ShardedRuleset(rules, readings)


def asserted(values: dict, n: int = 0) -> dict:
    fact = {"id": f"s{n}", "sid": "0", "k": "c"}
    fact.update({FIELDS[k]: v for k, v in values.items() if v is not None})
    return fact


def big_in(n: int) -> Check:
    return Check("interview.round", "in", tuple(range(1, n + 1)))


def any_pairs(n: int) -> list:
    return [Any_((Check("interview.round", "eq", i + 1), Check("follow_ups.count", "eq", i))) for i in range(n)]


def test_the_shapes_durable_rules_cannot_hold_are_read_in_python() -> None:
    from followup.conditions import All

    cases = {
        "in-511": big_in(511),  # too many tests for one ruleset's tables: read in Python
        "in-60": big_in(60),
        "any-14": All(tuple(any_pairs(14))),  # 15 groups with the guard's `$and`: fits exactly
        "any-15": All(tuple(any_pairs(15))),  # 16 groups: error 113
    }
    rules = {name: {"$and": [GUARD, to_durable(c, FIELDS.__getitem__)]} for name, c in cases.items()}
    shards, python = plan(rules)
    assert python == ["in-511", "any-15"]
    assert sorted(n for s in shards for n in s) == ["any-14", "in-60"]


def test_rules_holding_at_once_are_spread_over_rulesets() -> None:
    # 200 rules true together: one ruleset would overflow durable's 64-entry stack (error 303)
    conds = [Check("hours_since_interview", "ge", float(-i)) for i in range(200)]
    rs = compiled(conds)
    assert rs.rulesets >= 4 and not rs.read_in_python
    fired = rs.fire([asserted({"hours_since_interview": 1.0})])
    assert sorted(fired) == sorted((f"r{i}", "s0") for i in range(200))


def test_a_batch_durable_refuses_is_read_in_python_from_then_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Should the model of durable's network ever be wrong, error 303 must not reach the user.
    monkeypatch.setattr(sharding, "STACK_PER_RULESET", 10**6)
    monkeypatch.setattr(sharding, "RULES_PER_RULESET", 10**6)
    monkeypatch.setattr(sharding, "LINKS_PER_RULESET", 10**6)
    conds = [Check("hours_since_interview", "ge", float(-i)) for i in range(80)]
    rs = compiled(conds)
    assert rs.rulesets == 1
    want = sorted((f"r{i}", "s0") for i in range(80))
    assert sorted(rs.fire([asserted({"hours_since_interview": 1.0})])) == want
    assert rs.rulesets == 0 and len(rs.read_in_python) == 80
    assert sorted(rs.fire([asserted({"hours_since_interview": 1.0})])) == want


# Many rules per example, some with long `in` lists, so rulesets split and some rules are read in Python.
wide = st.one_of(conditions, st.integers(1, 700).map(big_in), st.integers(1, 20).map(lambda n: Any_(tuple(any_pairs(n)))))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(conds=st.lists(wide, min_size=40, max_size=160), facts=fact_sets(6), batch=st.integers(1, 3))
def test_sharded_rulesets_agree_with_the_python_reading(conds: list, facts: list[dict], batch: int) -> None:
    rs = compiled(conds)
    try:
        for start in range(0, len(facts), batch):
            chunk = facts[start : start + batch]
            fired = set(rs.fire([asserted(values, n) for n, values in enumerate(chunk)]))
            expected = {(f"r{i}", f"s{n}") for n, values in enumerate(chunk)
                        for i, c in enumerate(conds) if evaluate(c, values)}
            assert fired == expected
    finally:
        rs.close()


# --- whole packs through validate and advise ------------------------------------------


def generated_pack(n: int, seed: int = 7) -> str:
    """`n` rules that mostly hold together at round 1, with every shape durable-rules cannot hold."""
    rnd = random.Random(seed)
    actions = sorted(ACTIONS)
    rules = [
        rule("alternatives-520", when="{interview.round: {in: [" + ", ".join(map(str, range(1, 521))) + "]}}",
             action="write_notes", channel="none", priority="critical"),
        rule("any-pairs-15", when="{all: [" + ", ".join(
            f"{{any: [{{interview.round: {{ge: 1}}}}, {{follow_ups.count: {i}}}]}}" for i in range(15)) + "]}",
             action="move_on", channel="none", priority="critical"),
    ]
    for i in range(n - len(rules)):
        a = actions[i % len(actions)]
        when = rnd.choice([
            f"{{interview.round: {{in: [1, {i + 2}]}}}}",
            f"{{all: [{{interview.round: {{in: [1, {i + 2}]}}}}, {{hours_since_interview: {{ge: {rnd.randint(0, 3)}}}}}]}}",
            f"{{any: [{{interview.round: {i + 2}}}, {{follow_ups.count: {{ge: {rnd.randint(0, 2)}}}}}]}}",
            f"{{not: {{interview.round: {{in: [{i + 2}, {i + 3}]}}}}}}",
        ])
        rules.append(rule(f"rule-{i}", when=when, action=a, channel=ACTIONS[a].channels[0],
                          priority=rnd.choice(["low", "normal", "high"])))
    return pack("generated", *rules)


@pytest.fixture(scope="module")
def pack500(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("big"), "generated.yaml", generated_pack(500))


def test_a_500_rule_pack_validates_and_evaluates_like_the_python_reading(pack500: Path) -> None:
    result = run("validate", str(pack500))
    assert "error" not in result.output.lower().replace("0 errors", ""), result.output
    engine = followup.Engine(load_entrypoints=False)
    cp = engine.load_pack(pack500)
    assert len(cp.rules) == 500 and cp.ruleset.rulesets > 5
    assert set(cp.ruleset.read_in_python) == {"r0", "r1"}
    facts = followup.load_facts(EXAMPLE)
    start = resolve_at(AT, facts)
    for hours in (0, 2, 30, 24 * 9):
        at = start + timedelta(hours=hours)
        derived = derive(facts, at)
        batch = [fact for _, fact in subject_facts(cp, derived)]
        fired = set(cp.ruleset.fire(batch))
        # every generated rule is about the case (target: self): the Python reading over the case's values
        expected = {(cr.name, "s0") for cr in cp.rules if evaluate(cr.condition, all_values(derived, None))}
        assert fired == expected and len(fired) > 300
        advice = engine.advise(facts, str(pack500), at, explain=True)
        assert {a.rule for a in advice.actions} <= {cp.by_name[name].rule.id for name, _ in fired}
        assert advice.actions


def test_advise_on_the_shapes_that_hung_returns_within_seconds(tmp_path: Path) -> None:
    path = write(tmp_path, "hostile.yaml", generated_pack(120, seed=3))
    proc = subprocess.run([sys.executable, "-m", "followup", "advise", str(EXAMPLE), "--pack", str(path), "--at", AT,
                           "--format", "json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '"rule": "alternatives-520"' in proc.stdout and '"rule": "any-pairs-15"' in proc.stdout


def test_a_pack_over_the_limit_is_refused_with_its_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharding, "MAX_RULES", 40)
    path = write(tmp_path, "huge.yaml", generated_pack(41))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("rules:"))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert f"huge.yaml:{line}:1 (rules): error: 41 rules: a pack holds at most 40 rules" in result.output, result.output
    result = run("advise", str(EXAMPLE), "--pack", str(path), "--at", AT)
    assert result.exit_code == 2 and f"huge.yaml:{line}:1 (rules): 41 rules" in result.output, result.output
    assert "Traceback" not in result.output
