"""The dependency order (ranking.order_by_dependency) against its definition, read literally."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import followup
from followup.facts import load_facts
from followup.ranking import order_by_dependency

ROOT = Path(__file__).resolve().parents[1]


def by_definition(items: list[int], enables: Callable[[int, int], bool]) -> list[int]:
    """Move the first enabler that has an item it enables before it, just before the first such item; repeat
    from the start until none moves (how the order was computed before it resumed after each move)."""
    out = list(items)
    while True:
        for j, e in enumerate(out):
            k = next((i for i in range(j) if enables(e, out[i])), None)
            if k is not None:
                out.insert(k, out.pop(j))
                break
        else:
            return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[int], set[tuple[int, int]]]:
    n = draw(st.integers(0, 14))
    items = draw(st.permutations(range(n)))
    # acyclic, as ENABLES is: an item only enables items of a higher number
    pairs = draw(st.sets(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))), max_size=40))
    return list(items), {(a, b) for a, b in pairs if a < b}


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_order_is_the_one_its_definition_gives(case: tuple[list[int], set[tuple[int, int]]]) -> None:
    items, relation = case
    enables = lambda e, a: (e, a) in relation  # noqa: E731
    enablers = {e for e, _ in relation}
    assert order_by_dependency(items, enables) == by_definition(items, enables)
    assert order_by_dependency(items, enables, lambda e: e in enablers) == by_definition(items, enables)


def test_a_case_naming_hundreds_of_people_without_contact_details_does_not_hang() -> None:
    # Every person lacks contact details, so each "collect contacts" action is moved before the actions
    # it enables: 1,800 actions. Restarting the order from the start after each move took seconds here.
    facts = load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True,
                                                                       exclude_none=True)
    crowd = followup.parse_facts({**facts, "interviewers": [{"name": f"P{i}", "role": "interviewer"}
                                                             for i in range(600)]})
    engine = followup.Engine(load_entrypoints=False)
    started = time.process_time()
    advice = engine.advise(crowd, "proactive", "2026-11-17T16:00", explain=True)
    assert len(advice.actions) > 1200
    # a hang guard, not a timing: about 0.35 s here now, about 20 s when the order restarted after each move
    assert time.process_time() - started < 5
