"""durable-rules and the Python reading of conditions agree on what fires.

The because-trace is computed in Python from the same condition tree the
ruleset was compiled from; if the two readings ever differed, the trace
would explain something the engine did not do. Hypothesis generates
condition trees over the whole fact catalogue (including absent values of
nullable facts and negations over them) and thousands of fact sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup import conditions as c
from followup import load_facts
from followup.catalogue import FACTS, FactSpec
from followup.conditions import All, Any_, Not, evaluate, to_durable
from followup.derive import all_values, derive
from followup.durable import Ruleset
from followup.evaluation import evaluate as evaluate_facts

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cond=conditions, facts=fact_sets(12))
def test_the_prepared_trace_of_a_fired_rule_is_the_full_trace(cond: c.Condition, facts: list[dict]) -> None:
    # An evaluation builds the trace of a rule that fired from a plan in which the
    # outcome of a test reached only through `all` is taken as given (the rule
    # fired, so it held); the trace must be what reading every test would give.
    plan = c.because_plan(cond)
    held = [values for values in facts if evaluate(cond, values)]
    names = sorted(FACTS)
    for i, values in enumerate(held):
        # made ready with some values taken as fixed (every one, none, or a slice of the catalogue)
        for moving in (None, frozenset(), frozenset(names[i % 7::3])):
            ready = c.ready_plan(plan, values, values, moving)
            assert c.explain_ready(ready, values) == c.trace(cond, values), (cond, values, moving)


def test_a_plan_reads_values_only_where_the_outcome_is_open() -> None:
    a, b, d = c.Test("hours_since_interview", "lt", 24), c.Test("person.thanked", "eq", True), \
        c.Test("decision.passed", "eq", True)
    plan = c.because_plan(All((a, Not(b), Any_((d, a)), Not(All((a, b))))))
    fixed = [held for _, _, _, held, _ in plan]
    assert fixed[:2] == [True, False]  # under `all` (and one `not`): decided by the rule having fired
    assert all(callable(h) for h in fixed[2:])  # under `any`, or a `not` of a group: read from the value


def test_batch_whose_last_fact_matches_nothing_still_reports_earlier_firings() -> None:
    # durable-rules' status code describes only the last fact of a batch.
    ruleset = Ruleset({"r0": {"$and": [{"k": "c"}, {"a": 1}]}})
    fired = ruleset.fire([{"id": "s0", "sid": "0", "k": "c", "a": 1}, {"id": "s1", "sid": "0", "k": "c", "a": 2}])
    assert fired == [("r0", "s0")]
    ruleset.close()


def test_retracting_by_id_leaves_the_session_empty() -> None:
    # Ruleset.fire retracts with the facts' ids alone (durable finds a fact by id and session);
    # whatever fired or not, nothing may stay asserted for the next evaluation to see.
    from followup import durable

    ruleset = Ruleset({"r0": {"$and": [{"k": "c"}, {"a": 1}]}, "r1": {"$and": [{"k": "c"}, {"b": "é"}]}})
    try:
        assert ruleset.fire([{"id": "s0", "k": "c", "a": 1}, {"id": "s1", "k": "c", "b": "é"},
                             {"id": "s2", "k": "c", "a": 2}]) == [("r0", "s0"), ("r1", "s1")]
        assert durable._dre.get_facts(ruleset._handle, "0") == "[]"
        assert ruleset.fire([{"id": "s0", "k": "c", "a": 2}]) == []  # same id, new values: the old fact is gone
        assert durable._dre.get_facts(ruleset._handle, "0") == "[]"
    finally:
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


# --- windows: the engine's reading of opens/due/expires against a naive one --------------------------

from datetime import UTC, date, datetime, time, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from followup.businesstime import holiday_calendar  # noqa: E402
from followup.engine import Engine  # noqa: E402
from followup.errors import PackError  # noqa: E402
from followup.packs import parse_pack  # noqa: E402

LONDON = ZoneInfo("Europe/London")
WINDOW_ENGINE = Engine(load_entrypoints=False)


@st.composite
def moments(draw: st.DrawFn, signed: bool) -> dict:
    spec: dict = {"from": draw(st.sampled_from(["interview_end", "interview_day"]))}
    kind = draw(st.sampled_from(["hours", "days", "business_days", None]))
    lo = -3 if signed else 0
    if kind == "hours":
        spec["hours"] = draw(st.integers(lo, 60))
    elif kind is not None:
        spec[kind] = draw(st.integers(lo, 8))
        if draw(st.booleans()):
            spec["time"] = draw(st.sampled_from(["09:00", "12:30", "19:00"]))
    return spec


def naive(spec: dict, end: datetime, holidays: object) -> datetime:
    """The moment `spec` names, counted the slow, obvious way (company zone London)."""
    base = end if spec["from"] == "interview_end" else datetime.combine(end.date(), time(0), LONDON)

    def working(d: date) -> bool:
        return d.weekday() < 5 and d not in holidays  # type: ignore[operator]

    if "hours" in spec:
        at = (base.astimezone(UTC) + timedelta(hours=spec["hours"])).astimezone(LONDON)
    else:
        d, n = base.date(), spec.get("days", spec.get("business_days", 0))
        if "business_days" in spec:
            step = 1 if n > 0 else -1
            for _ in range(abs(n)):
                d += timedelta(days=step)
                while not working(d):
                    d += timedelta(days=step)
        else:
            d += timedelta(days=n)
        at = datetime.combine(d, time.fromisoformat(spec["time"]) if "time" in spec else base.timetz().replace(tzinfo=None), LONDON)
    while not working(at.date()):
        at = datetime.combine(at.date() + timedelta(days=1), time(9), LONDON)
    return at


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opens=st.one_of(st.none(), moments(signed=True)), expires=st.one_of(st.none(), moments(signed=True)),
       day=st.integers(0, 40), hour=st.integers(8, 21), country=st.booleans(), step=st.integers(0, 24 * 14))
def test_windows_engine_and_naive_reading_agree(opens: dict | None, expires: dict | None, day: int, hour: int,
                                                 country: bool, step: int) -> None:
    rule: dict = {"id": "r", "action": "write_notes", "target": "self", "channel": "none", "rationale": "x", "sources": []}
    if opens:
        rule["opens"] = opens
    if expires:
        rule["expires"] = expires
    try:
        pf = parse_pack({"name": "w", "title": "W", "summary": "s", "rules": [rule]})
    except PackError:
        return  # a window that never opens is refused by validation, as it should be
    end = datetime(2026, 12, 14, hour, tzinfo=LONDON) + timedelta(days=day)
    now = end + timedelta(hours=step)
    position = {"title": "T", "company": "C", "industry": "other", "culture": "casual", "timezone": "Europe/London"}
    if country:
        position |= {"country": "GB", "subdivision": "ENG"}
    facts = {"candidate": {"name": "A"}, "position": position,
             "interview": {"start": (end - timedelta(hours=1)).isoformat(), "end": end.isoformat(), "format": "video",
                           "went": "well"},
             "interviewers": [{"name": "B"}]}
    from followup.compiler import compile_pack

    shown = bool(WINDOW_ENGINE.advise(facts, compile_pack(pf), now).actions)
    cal = holiday_calendar("GB", "ENG") if country else frozenset()
    lo = naive(opens, end, cal) if opens else None
    hi = naive(expires, end, cal) if expires else None
    assert shown == ((lo is None or lo <= now) and (hi is None or now < hi)), (lo, hi, now)


@pytest.mark.parametrize("pack", ["conservative", "proactive", "tech-industry"])
def test_the_because_trace_stays_the_full_trace_as_the_days_pass(pack: str) -> None:
    # An evaluation reads once per facts what is fixed for them (the person's values, the case
    # values that do not move with time) and only the moving values again: walking the same
    # Facts objects over a month, with and without a plugin enricher (which makes every case
    # value move), every action's trace must be what reading every test at that moment gives.
    engine = Engine()
    cp = engine.load_pack(pack)
    rules = {(cr.rule.id, cr.pack or cp.file.pack.name): cr for cr in cp.rules}
    checked = 0
    for path in sorted(EXAMPLES.glob("*.yaml")):
        facts = load_facts(path)
        start = facts.interview.end
        for enrich in (None, lambda f, d: d):
            for step in [*range(0, 72, 5), *range(72, 30 * 24, 19)]:
                at = start + timedelta(hours=step)
                derived = derive(facts, at)
                advice = evaluate_facts(cp, facts, at, explain=True, enrich=enrich)
                for action in advice.actions:
                    cr = rules[action.rule, action.pack]
                    if cr.person:
                        subject = next(s for s in derived.subjects if s.person.name == action.target.name)
                        values = all_values(derived, subject)
                    else:
                        values = derived.case
                    assert action.because == c.trace(cr.condition, values), (path.name, step, action.rule)
                    checked += 1
    assert checked > 500


@pytest.mark.parametrize("pack", ["conservative", "proactive", "tech-industry"])
def test_the_written_facts_are_the_asserted_facts_as_the_days_pass(pack: str) -> None:
    # An evaluation hands durable JSON text it writes from prepared heads plus the moving
    # values (evaluation._payload); it must say exactly what the asserted facts say, at every
    # moment, also when a plugin changed values or left some absent, and retract exactly them.
    import dataclasses
    import itertools
    import json

    from followup import evaluation
    from followup.derive import MOVING

    def blank(derived):  # an enricher leaving some moving and some fixed values absent
        case = {**derived.case, "decision.days_past": None, "hours_since_interview": None, "outcome": None}
        return dataclasses.replace(derived, case=case)

    cp = WINDOW_ENGINE.load_pack(pack)
    checked = 0
    for path in sorted(EXAMPLES.glob("*.yaml")):
        # under plugins a layout is made with values absent that come later, or present that go
        for variants in (((MOVING, None),), ((None, blank), (None, None), (None, blank)),
                         ((None, None), (None, blank), (None, None))):
            facts = load_facts(path)  # a fresh Facts object: its layout is made under the first variant
            for (moving, change), step in itertools.product(variants, range(0, 30 * 24, 17)):
                derived = derive(facts, facts.interview.end + timedelta(hours=step))
                if change is not None:
                    derived = change(derived)
                lay = evaluation._layout(cp, derived, moving=moving)
                if lay.written is None:  # made as the engine makes it, at the facts' second evaluation
                    lay.written = evaluation._written(lay, derived.case)
                asserted = evaluation._asserted(lay, derived)
                assert json.loads(evaluation._payload(lay.written, derived)) == asserted, (path.name, step)
                assert json.loads(lay.written.retract) == [{"id": fact["id"]} for fact in asserted]
                checked += 1
    assert checked > 1000


@given(st.text(max_size=5), st.text(max_size=5), st.one_of(st.none(), st.integers(), st.floats(allow_nan=False),
                                                           st.booleans(), st.text(max_size=3)),
       st.booleans(), st.booleans())
def test_the_engines_because_is_the_dataclasss(test: str, fact: str, value: object, held: bool, negated: bool) -> None:
    # conditions._because sets Because's slots directly (in the order of its fields): the result
    # must be the dataclass's own, equal, hashed alike, shown alike, and as frozen.
    import dataclasses

    made = c._because(test, fact, value, held, negated)
    plain = c.Because(test, fact, value, held, negated)
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert dataclasses.astuple(made) == (test, fact, value, held, negated)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.held = not held  # type: ignore[misc]


def test_a_slot_setter_uses_the_slot_and_falls_back_to_object_setattr() -> None:
    # slots.slot_setter: the descriptor for a slot (also an inherited one), object.__setattr__ for
    # a name kept in the object's dict; both get past a frozen class's own __setattr__.
    import dataclasses
    import types

    from followup.slots import slot_setter

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    class Child(Slotted):
        pass

    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int

    assert isinstance(getattr(slot_setter(Child, "a"), "__self__", None), types.MemberDescriptorType)
    for cls in (Slotted, Child, Plain):
        item = cls(1)
        slot_setter(cls, "a")(item, 2)
        assert item.a == 2
        with pytest.raises(dataclasses.FrozenInstanceError):
            item.a = 3  # type: ignore[misc]
