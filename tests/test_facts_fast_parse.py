"""The shortcuts of parsing facts from a dict or a batch line give what the full walks give.

parse_facts(dict) and the batch path walk the data for times without an
offset (read in the company's zone) only when the facts as given are
refused, and skip the walk that checks the bounds when the JSON text is too
short to break any. Both are checked here against what the walks say, on times written
every way (offsets, none, whitespace and escapes around them) and on input
near the bounds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import followup
from followup import facts as facts_module
from followup.batch import evaluate_lines
from followup.errors import FactsError
from followup.facts import Facts, parse_facts
from followup.limits import LIMITS, check_data
from followup.when import localize_naive_times

ROOT = Path(__file__).resolve().parents[1]


def example() -> dict[str, Any]:
    facts = followup.load_facts(ROOT / "examples" / "no-reply-twice.yaml")
    return facts.model_dump(mode="json", by_alias=True, exclude_none=True)


BASE = example()

digits = st.integers(0, 9).map(str)
space = st.sampled_from(["", " ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "\x85", "\u2028", "  \r\n"])
clock = st.builds(lambda h, m, sec: f"{h}:{m:02d}{sec}", st.sampled_from(["9", "09", "18", "23", "24"]),
                  st.integers(0, 59), st.sampled_from(["", ":00", ":30.5", ":07.123456", ":7"]))
stamp = st.builds(lambda y, sep, c, tz: f"{y}-11-17{sep}{c}{tz}", st.sampled_from(["2026", "1899", "2026"]),
                  st.sampled_from(["T", " ", "t"]), clock,
                  st.sampled_from(["", "", "Z", "z", "+01:00", "-05:00", "+0100", " +01:00", "x", ".", "0"]))
written = st.builds(lambda a, s, b: a + s + b, space, stamp, space) | st.text(max_size=30)


def with_time(field: tuple[str | int, ...], value: str) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    target = data
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    return data


FIELDS = [("interview", "start"), ("interview", "end"), ("follow_ups", 0, "at"), ("follow_ups", 0, "answered_at"),
          ("decision", "expected_by"), ("candidate", "name"), ("interviewers", 0, "title")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELDS), written)
def test_parse_facts_of_a_dict_and_of_a_batch_line_agree_with_the_full_walks(field: tuple[str | int, ...],
                                                                             value: str) -> None:
    data = with_time(field, value)
    full = _full_walk(data)
    assert _outcome(lambda: parse_facts(data)) == full
    line = orjson.dumps({"facts": data})
    (result,) = evaluate_lines([line], "conservative", "2026-12-20T09:00")
    got = orjson.loads(result)
    if isinstance(full, Facts):
        assert got["ok"], got
    else:
        assert not got["ok"] and [(p["message"], p["path"]) for p in got["problems"]] == [
            (m, "facts." + p if p else "facts") for m, p in full]


def _full_walk(data: dict[str, Any]) -> Any:
    """What parse_facts did before its shortcuts: both walks, always."""
    bounded = check_data(data)
    if bounded is not None:
        return [(bounded.message, ".".join(map(str, bounded.path)))]
    try:
        text = json.dumps(localize_naive_times(data, Facts), default=facts_module._json_default, ensure_ascii=False)
    except TypeError as exc:
        return [(str(exc), "")]
    return _outcome(lambda: parse_facts(text))


def _outcome(run: Any) -> Any:
    try:
        return run()
    except FactsError as exc:
        return [(p.message, ".".join(map(str, p.path))) for p in exc.problems]


@pytest.mark.parametrize("change", [
    lambda d: d["candidate"].__setitem__("name", "x" * (LIMITS.string_chars + 1)),
    lambda d: d.__setitem__("other_applications", [{"company": "c"}] * (LIMITS.items + 1)),
    lambda d: d["candidate"].__setitem__("name", _nested(LIMITS.depth + 1)),
    lambda d: d["candidate"].__setitem__("name", _nested(LIMITS.depth - 3)),
    lambda d: d["candidate"].__setitem__("name", "half a pair \ud83d"),
    lambda d: d["candidate"].__setitem__("name", "a whole pair \ud83d\ude00"),
    lambda d: d["candidate"].__setitem__("name", {1: "a key that is not text"}),
    lambda d: d["candidate"].__setitem__("name", float("nan")),
    lambda d: d["position"].__setitem__("country", float("nan")),
    lambda d: d["candidate"].__setitem__("email", {"a set": {1, 2}}),
])
def test_input_near_or_over_a_bound_gets_the_problems_of_the_full_checks(change: Any) -> None:
    data = json.loads(json.dumps(BASE))
    change(data)
    assert _outcome(lambda: parse_facts(data)) == _full_walk(data)


def test_a_cycle_is_reported_as_too_deep_not_a_traceback() -> None:
    data = json.loads(json.dumps(BASE))
    loop: list[Any] = []
    loop.append(loop)
    data["candidate"]["name"] = loop
    with pytest.raises(FactsError, match="nested more than"):
        parse_facts(data)


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value
