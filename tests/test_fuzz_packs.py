"""Property-based fuzzing of packs: generated valid packs and mutations of the built-in ones.

Each pack is written to a file, validated (as `followup validate` does) and, when it validates, used to
advise on example facts. Only FollowupError subclasses may come out, and nothing may hang. Each
hypothesis example checks a batch of packs: 300 in CI, more with FOLLOWUP_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import followup
from followup.catalogue import ACTIONS, FACTS, PERSON_TARGETS, TARGETS
from followup.errors import FollowupError
from followup.facts import load_facts
from followup.lint import validate_pack
from followup.yamlio import load_document, plain
from fuzz_support import examples, mutated

ROOT = Path(__file__).resolve().parents[1]
ENGINE = followup.Engine()
FACTS_SAMPLES = [(load_facts(ROOT / "examples" / name), at) for name, at in (
    ("just-after.yaml", "2026-11-18T10:00+00:00"), ("no-reply-twice.yaml", "2026-12-20T10:00+00:00"),
    ("offer.yaml", "2026-12-01T10:00+00:00"))]
BUILTIN = {name: plain(load_document((ROOT / "policies" / f"{name}.yaml").read_text(encoding="utf-8"), name)[0].data)  # type: ignore[union-attr]
           for name in ("conservative", "proactive", "tech-industry")}
BATCH = 10
TEXT = st.characters(exclude_categories=("Cs",))  # lone surrogates are not text (they have their own mutation)
SETTINGS = settings(max_examples=examples(15), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _value(draw: st.DrawFn, fact: str) -> Any:
    spec = FACTS[fact]
    if spec.type == "bool":
        return draw(st.booleans())
    if spec.type == "enum":
        return draw(st.sampled_from(spec.values))
    if spec.type == "int":
        return draw(st.integers(-30, 30))
    return draw(st.integers(-100_000, 100_000).map(lambda n: n / 100))


@st.composite
def condition(draw: st.DrawFn, person: bool, depth: int = 2) -> Any:
    facts = [f for f in FACTS if person or not FACTS[f].person]
    if depth > 0 and draw(st.integers(0, 4)) == 0:
        group = draw(st.sampled_from(["all", "any", "not"]))
        if group == "not":
            return {"not": draw(condition(person, depth - 1))}
        return {group: draw(st.lists(condition(person, depth - 1), min_size=1, max_size=3))}
    out: dict[str, Any] = {}
    for fact in draw(st.lists(st.sampled_from(facts), min_size=1, max_size=3, unique=True)):
        spec = FACTS[fact]
        op = draw(st.sampled_from(
            ["eq", "ne", "in", "not_in"] + (["lt", "le", "gt", "ge"] if spec.type in ("int", "number") else [])
            + (["present"] if spec.nullable else [])))
        if op == "present":
            out[fact] = {"present": draw(st.booleans())}
        elif op in ("in", "not_in"):
            out[fact] = {op: [_value(draw, fact) for _ in range(draw(st.integers(1, 4)))]}
        elif op == "eq" and draw(st.booleans()):
            out[fact] = _value(draw, fact)
        else:
            out[fact] = {op: _value(draw, fact)}
    return out


@st.composite
def rule(draw: st.DrawFn, i: int) -> dict[str, Any]:
    action = draw(st.sampled_from(sorted(ACTIONS)))
    target = draw(st.sampled_from(sorted(TARGETS)))
    r: dict[str, Any] = {"id": f"rule-{i}", "action": action, "target": target,
                         "channel": draw(st.sampled_from(ACTIONS[action].channels)),
                         "priority": draw(st.sampled_from(["critical", "high", "normal", "low"])),
                         "rationale": draw(st.text(TEXT, min_size=1, max_size=60)).strip() or "Because.",
                         "sources": []}
    if draw(st.booleans()):
        r["when"] = draw(condition(target in PERSON_TARGETS))
    if draw(st.booleans()):
        r["avoid"] = True
    if draw(st.booleans()):
        offset = draw(st.sampled_from(["hours", "days", "business_days"]))
        due: dict[str, Any] = {"from": draw(st.sampled_from(["interview_end", "interview_day"])),
                               offset: draw(st.integers(0, 300))}
        if offset != "hours" and draw(st.booleans()):
            due["time"] = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
        r["due"] = due
    if draw(st.booleans()):
        r["title"] = draw(st.text(TEXT, max_size=60))
    return r


@st.composite
def valid_pack(draw: st.DrawFn) -> dict[str, Any]:
    rules = [draw(rule(i)) for i in range(draw(st.integers(1, 12)))]
    pack: dict[str, Any] = {"name": "fuzz", "title": draw(st.text(TEXT, min_size=1, max_size=30)),
                            "summary": draw(st.text(TEXT, max_size=80)), "rules": rules}
    if draw(st.booleans()):
        pack["settings"] = {"call_windows": draw(st.lists(st.sampled_from(["09:00-10:00", "14:00-16:30", "10:00-11:45"]),
                                                          min_size=1, max_size=2, unique=True))}
    return pack


def _check(data: Any, path: Path) -> str:
    """Validate the pack at `path` and advise with it; 'invalid', 'refused' or 'advised'."""
    try:
        path.write_text(json.dumps(data, allow_nan=True, ensure_ascii=False), encoding="utf-8")
    except (TypeError, ValueError):
        return "invalid"
    try:
        result = validate_pack(path)
    except FollowupError:
        return "invalid"
    if result.errors:
        assert all(p.message and (p.line or p.path or p.file) for p in result.errors)
        return "invalid"
    outcome = "advised"
    for facts, at in FACTS_SAMPLES:
        try:
            ENGINE.advise(facts, path, at, explain=True)
        except FollowupError:
            outcome = "refused"
    return outcome


@given(data=st.data())
@SETTINGS
def test_generated_packs_validate_and_advise_or_give_a_followup_error(data: st.DataObject, tmp_path: Path) -> None:
    for i in range(BATCH):
        _check(data.draw(valid_pack()), tmp_path / f"fuzz{i}.json")


@given(data=st.data())
@SETTINGS
def test_mutated_builtin_packs_validate_and_advise_or_give_a_followup_error(data: st.DataObject, tmp_path: Path) -> None:
    for i in range(BATCH):
        base = BUILTIN[data.draw(st.sampled_from(sorted(BUILTIN)))]
        _check(data.draw(mutated(base, count=4)), tmp_path / f"mutated{i}.json")
