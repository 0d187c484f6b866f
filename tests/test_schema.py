"""JSON Schemas: generated from the models, shipped in sync, usable by editors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from authoring_support import REPO, run
from followup.schema import facts_schema, pack_schema, pack_tests_schema, schema_text, shipped_schema
from followup.yamlio import load_document, plain

BUILTIN = ["conservative", "proactive", "tech-industry"]


def _yaml(path: Path) -> object:
    doc, problem = load_document(path.read_text(encoding="utf-8"), str(path))
    assert problem is None
    return plain(doc.data)  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["pack", "facts", "tests"])
def test_shipped_schema_matches_the_models(kind: str) -> None:
    # regenerate with: followup schema KIND -o policies/schemas/KIND.schema.json
    assert shipped_schema(kind) == schema_text(kind)
    assert (REPO / "policies" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == schema_text(kind)


@pytest.mark.parametrize("kind", ["pack", "facts", "tests"])
def test_schema_command(kind: str, tmp_path: Path) -> None:
    result = run("schema", kind)
    assert result.exit_code == 0
    assert result.output == schema_text(kind)
    out = tmp_path / "s.json"
    assert run("schema", kind, "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == schema_text(kind)


def test_schemas_are_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(pack_schema())
    jsonschema.Draft202012Validator.check_schema(facts_schema())


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_packs_match_the_schema_and_reference_it(name: str) -> None:
    path = REPO / "policies" / f"{name}.yaml"
    assert path.read_text(encoding="utf-8").splitlines()[0] == "# yaml-language-server: $schema=schemas/pack.schema.json"
    assert (path.parent / "schemas" / "pack.schema.json").is_file()
    errors = list(jsonschema.Draft202012Validator(pack_schema()).iter_errors(_yaml(path)))
    assert errors == []


def test_example_facts_match_the_facts_schema() -> None:
    validator = jsonschema.Draft202012Validator(facts_schema())
    for path in sorted((REPO / "examples").glob("*.yaml")):
        assert list(validator.iter_errors(_yaml(path))) == [], path


def _pack_with(when: object) -> dict[str, object]:
    return {"name": "p", "title": "P", "summary": "s", "rules": [
        {"id": "r", "when": when, "action": "move_on", "target": "self", "channel": "none", "rationale": "r", "sources": []}]}


@pytest.mark.parametrize("when, ok", [
    ({"follow_ups.count": {"ge": 2}}, True),
    ({"all": [{"outcome": {"in": ["none", "update"]}}, {"not": {"decision.days_past": {"present": True}}}]}, True),
    ([{"interview.went": "well"}, {"hours_since_interview": {"<": 24}}], True),
    ({"follow_ups.cont": 1}, False),  # unknown fact
    ({"follow_ups.count": {"gte": 1}}, False),  # unknown operator
    ({"outcome": "rejectoin"}, False),  # not a value of the enum
    ({"interview.went": {"lt": "well"}}, False),  # order on an enum
    ({"follow_ups.count": {"present": True}}, False),  # present on a fact that always has a value
    ({"follow_ups.count": "2"}, False),  # a number as text
])
def test_condition_sub_schema(when: object, ok: bool) -> None:
    errors = list(jsonschema.Draft202012Validator(pack_schema()).iter_errors(_pack_with(when)))
    assert (errors == []) is ok


def test_schema_completes_fact_names_and_operators() -> None:
    defs = pack_schema()["$defs"]
    props = defs["Condition"]["anyOf"][0]["properties"]
    assert {"all", "any", "not", "hours_since_interview", "person.thanked"} <= set(props)
    count_ops = defs["fact.follow_ups.count"]["anyOf"][1]["properties"]
    assert {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"} <= set(count_ops)
    assert "present" in defs["fact.decision.days_past"]["anyOf"][1]["properties"]
    assert {"$ref": "#/$defs/Condition"} in defs["Rule"]["properties"]["when"]["anyOf"]
    assert set(pack_schema()["properties"]) >= {"extends", "overrides", "disable", "rules"}


def test_misspelt_field_is_rejected_by_the_schema(tmp_path: Path) -> None:
    pack = _pack_with({"outcome": "offer"})
    pack["rules"][0]["priorty"] = "high"  # type: ignore[index]
    errors = list(jsonschema.Draft202012Validator(pack_schema()).iter_errors(pack))
    assert any("priorty" in e.message for e in errors)
    json.dumps(pack_schema())  # serialisable


def test_test_files_match_the_tests_schema() -> None:
    validator = jsonschema.Draft202012Validator(pack_tests_schema())
    validator.check_schema(pack_tests_schema())
    files = sorted((REPO / "policies" / "tests").glob("*.yaml")) + [REPO / "docs/examples/recruiter-agency/tests/recruiter-agency.yaml"]
    for path in files:
        assert list(validator.iter_errors(_yaml(path))) == [], path
    for path in sorted((REPO / "policies" / "tests").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").splitlines()[0] == "# yaml-language-server: $schema=../schemas/tests.schema.json"
    bad = {"cases": [{"name": "x", "expect": [{"present": "a", "absent": "b"}, {"presnt": "x"}, {"first": {"rule": "a", "kinds": "x"}}]}]}
    assert len(list(validator.iter_errors(bad))) == 3
