"""The dependency order (ranking.order_by_dependency) against its definition, read literally."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import followup
from followup import ranking
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


@contextmanager
def scanning_up_to(n: int) -> Iterator[None]:
    """Cases of up to `n` items take the scan; larger ones the index (ranking.SCAN_UP_TO)."""
    kept = ranking.SCAN_UP_TO
    ranking.SCAN_UP_TO = n
    try:
        yield
    finally:
        ranking.SCAN_UP_TO = kept


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
    for scan_up_to in (0, ranking.SCAN_UP_TO):  # the index, then the scan small cases take
        with scanning_up_to(scan_up_to):
            got = order_by_dependency(items, lambda x: x, dict.fromkeys(relation, True))
        assert got == by_definition(items, enables)


# An item as evaluation ranks them: (position, rule, person or None, lacks an email, lacks contact details).
Item = tuple[int, int, "int | None", bool, bool]


@st.composite
def personal_cases(draw: st.DrawFn) -> tuple[list[Item], dict[tuple[int, int], object]]:
    n = draw(st.integers(0, 16))
    rules = draw(st.integers(1, 6))
    people = draw(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=4))
    items = []
    for i in range(n):
        p = draw(st.one_of(st.none(), st.integers(0, len(people) - 1)))
        lacks = people[p] if p is not None else (False, False)
        items.append((i, draw(st.integers(0, rules - 1)), p, *lacks))
    # acyclic, as ENABLES is: a rule only enables rules of a higher number; always, or for the same person
    pairs = draw(st.dictionaries(st.tuples(st.integers(0, rules - 1), st.integers(0, rules - 1)),
                                 st.sampled_from([True, "email", "contact"]), max_size=12))
    return items, {(a, b): how for (a, b), how in pairs.items() if a < b}


@settings(max_examples=400, deadline=None)
@given(personal_cases())
def test_the_order_is_the_one_its_definition_gives_for_details_a_person_lacks(
        case: tuple[list[Item], dict[tuple[int, int], object]]) -> None:
    items, relation = case

    def enables(e: Item, a: Item) -> bool:  # what evaluation's reading of a ranked pair was
        how = relation.get((e[1], a[1]))
        if how is None:
            return False
        if how is True:
            return True
        if e[2] is None or a[2] is None or e[2] != a[2]:
            return False
        return a[3] if how == "email" else a[4]

    for scan_up_to in (0, ranking.SCAN_UP_TO):
        with scanning_up_to(scan_up_to):
            got = order_by_dependency(items, lambda x: x[1], relation,  # type: ignore[arg-type]
                                      person=lambda x: x[2], lacks=lambda x, how: x[3] if how == "email" else x[4])
        assert got == by_definition(items, enables)


def test_a_long_chain_of_moves_into_one_gap_keeps_the_order_of_the_definition() -> None:
    # Item i enables item i - 1 (and item 2 enables item 1): each moves just before the one moved
    # last, into an ever narrower gap, so the places are renumbered again and again.
    items = list(range(300))
    relation = {(i, i - 1): True for i in range(2, 300)}
    enables = lambda e, a: (e, a) in relation  # noqa: E731
    with scanning_up_to(0):
        assert order_by_dependency(items, lambda x: x, relation) == by_definition(items, enables)


def test_many_moves_into_one_gap_keep_the_order_of_the_definition() -> None:
    # Every item enables the one before it in rule order, each moving into the same narrowing gap:
    # the places are renumbered when the gap runs out, and the order must not notice.
    items = list(range(300))
    relation = {(i, 1): True for i in range(2, 300)} | {(i, i - 1): True for i in range(200, 300)}
    enables = lambda e, a: (e, a) in relation  # noqa: E731
    with scanning_up_to(0):
        assert order_by_dependency(items, lambda x: x, relation) == by_definition(items, enables)


def test_a_case_naming_thousands_of_people_without_contact_details_does_not_hang() -> None:
    # Every person lacks contact details, so each "collect contacts" action is moved before the actions
    # it enables: 15,000 actions. Restarting the order from the start after each move took seconds for
    # 600 people; resuming after each move, a minute for 8,000; placing items one by one, about 1 s.
    facts = load_facts(ROOT / "examples" / "just-after.yaml").model_dump(mode="json", by_alias=True,
                                                                       exclude_none=True)
    crowd = followup.parse_facts({**facts, "interviewers": [{"name": f"P{i}", "role": "interviewer"}
                                                             for i in range(5000)]})
    engine = followup.Engine(load_entrypoints=False)
    started = time.process_time()
    advice = engine.advise(crowd, "proactive", "2026-11-17T16:00", explain=True)
    assert len(advice.actions) > 15000
    # a hang guard, not a timing: under a second here now, half a minute when each move rescanned the actions
    assert time.process_time() - started < 10
    # each person's "collect contacts" stands before the first action towards that person it enables
    seen: dict[str, str] = {}
    for action in advice.actions:
        if action.target.name is not None and action.target.name.startswith("P"):
            seen.setdefault(action.target.name, action.kind)
    assert len(seen) == 5000 and set(seen.values()) == {"collect_contacts"}
