"""Shared pieces of the fuzz tests: how many cases, hostile values, and mutations of plain documents."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import strategies as st

# Cases per run: 5,000 fact documents and 300 packs by default (CI); FOLLOWUP_FUZZ_EXAMPLES scales that
# (a multiplier: 10 runs ten times as many, 0.1 a tenth for a quick local run).
SCALE = float(os.environ.get("FOLLOWUP_FUZZ_EXAMPLES", "1"))


def examples(default: int) -> int:
    """Hypothesis examples for a test that checks a batch of cases per example."""
    return max(1, round(default * SCALE))

HOSTILE_TEXT = st.sampled_from([
    "", " ", "\n", "a\r\nBcc: x@evil.example", "\x00", "\x0b\x0c", "\u2028", "\ufeff", "{{ 7*7 }}", "{zone!r}",
    "../../etc/passwd", "x" * 300, "é" * 50, "2026-11-17", "2026-11-17T13:00:00", "2026-11-17T13:00:00+00:00",
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "America", "A" * 300, "Europe/London", "UTC",
    "nobody@example.org", "not an email", "@", "true", "1e300", "NaN", "-1", "0", "well", "offer",
])

HOSTILE_SCALAR = st.one_of(
    HOSTILE_TEXT,
    st.sampled_from([None, True, False, 0, -1, 1, 2**63, -(2**63), 10**30, 1.5, 1e300, -1e300, float("inf"),
                     float("-inf"), float("nan")]),
    st.integers(), st.floats(), st.text(max_size=40),
)

HOSTILE_VALUE = st.one_of(
    HOSTILE_SCALAR,
    st.lists(HOSTILE_SCALAR, max_size=4),
    st.dictionaries(st.text(max_size=8), HOSTILE_SCALAR, max_size=3),
    st.sampled_from([[[[[]]]], {"a": {"b": {"c": {}}}}, [None] * 50, {}]),
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a plain document."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: Any, count: int = 3) -> Any:
    """`doc` with up to `count` random changes: a value replaced, a key removed or added, a list item doubled."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, count))):
        where = paths(doc)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        how = draw(st.sampled_from(["replace", "replace", "replace", "remove", "add", "double"]))
        if how == "replace":  # copies: sampled containers are shared, and later mutations change them
            parent[last] = copy.deepcopy(draw(HOSTILE_VALUE))
        elif how == "remove":
            del parent[last]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "nmae", "from", "to", str(last).upper()]))] = copy.deepcopy(draw(HOSTILE_VALUE))
        elif how == "double" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc
