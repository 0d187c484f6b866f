"""JSON Schemas for packs, facts and pack tests, generated from the pydantic models.

Editors with a YAML language server read them through the first line of a
pack (``# yaml-language-server: $schema=schemas/pack.schema.json``) to
complete field names, fact names and operators and to underline mistakes.
The `when` condition is free-form to pydantic, so its schema is written
here from the fact catalogue: every fact with the values and operators its
type allows, nested through ``all`` / ``any`` / ``not``.

The shipped copies live in ``followup/policies/schemas/``; a test checks
they match what this module generates (regenerate with
``followup schema pack -o policies/schemas/pack.schema.json``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from .catalogue import FACTS, FactSpec
from .conditions import OP_ALIASES, ORDER_OPS
from .facts import Facts
from .packs import Pack

__all__ = ["pack_schema", "facts_schema", "pack_tests_schema", "condition_schema", "schema_text", "shipped_schema", "SCHEMAS"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _value(spec: FactSpec) -> dict[str, Any]:
    if spec.type == "bool":
        return {"type": "boolean"}
    if spec.type == "int":
        return {"type": "integer"}
    if spec.type == "number":
        return {"type": "number"}
    return {"enum": list(spec.values)}


def _fact(spec: FactSpec) -> dict[str, Any]:
    value = _value(spec)
    ops: dict[str, Any] = {"eq": value, "ne": value}
    if spec.type in ("int", "number"):
        ops.update(dict.fromkeys(("lt", "le", "gt", "ge"), value))
    ops["in"] = {"type": "array", "minItems": 1, "items": value}
    ops["not_in"] = {"type": "array", "minItems": 1, "items": value}
    if spec.nullable:
        ops["present"] = {"type": "boolean", "description": "true: the fact has a value; false: it is absent."}
    for alias, op in OP_ALIASES.items():
        if op in ops and (op not in ORDER_OPS or spec.type in ("int", "number")):
            ops[alias] = value
    note = {"bool": "true or false", "int": "a whole number", "number": "a number",
            "enum": "one of " + ", ".join(spec.values)}[spec.type]
    return {
        "description": f"{spec.description} ({note}{'; may be absent' if spec.nullable else ''})",
        "anyOf": [value, {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": ops}],
    }


def condition_schema() -> dict[str, dict[str, Any]]:
    """The $defs for a `when` condition: `Condition` plus one entry per fact."""
    ref = {"$ref": "#/$defs/Condition"}
    group = {"type": "array", "minItems": 1, "items": ref}
    props: dict[str, Any] = {
        "all": {**group, "description": "Every condition in the list holds."},
        "any": {**group, "description": "At least one condition in the list holds."},
        "not": {**ref, "description": "The condition does not hold."},
    }
    defs: dict[str, dict[str, Any]] = {}
    for name, spec in FACTS.items():
        defs[f"fact.{name}"] = _fact(spec)
        props[name] = {"$ref": f"#/$defs/fact.{name}"}
    defs["Condition"] = {
        "description": "Tests of facts: `fact: value`, `fact: {op: value}` (ops: eq, ne, lt, le, gt, ge, in, not_in, "
                       "present), combined with all / any / not. Several keys in one mapping must all hold.",
        "anyOf": [
            {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": props},
            {"type": "array", "minItems": 1, "items": ref, "description": "Every condition in the list holds."},
        ],
    }
    return defs


def pack_schema() -> dict[str, Any]:
    schema = Pack.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    rule_when = defs["Rule"]["properties"]["when"]
    defs["Rule"]["properties"]["when"] = {
        "anyOf": [{"$ref": "#/$defs/Condition"}, {"type": "null"}], "description": rule_when.get("description", "")}
    ov_when = defs["RuleOverride"]["properties"]["when"]
    defs["RuleOverride"]["properties"]["when"] = {
        "anyOf": [{"$ref": "#/$defs/Condition"}, {"type": "null"}], "description": ov_when.get("description", "")}
    defs.update(condition_schema())
    return {"$schema": DRAFT, "title": "followup policy pack", **{k: v for k, v in schema.items() if k != "title"}}


def facts_schema() -> dict[str, Any]:
    schema = Facts.model_json_schema(by_alias=True)
    return {"$schema": DRAFT, **schema, "title": "followup interview facts"}


def pack_tests_schema() -> dict[str, Any]:
    """Schema of a pack's test file (tests/NAME.yaml)."""
    from .packtest_format import TestFile

    schema = TestFile.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    # an action is a rule id, or a mapping of rule/kind/target/channel/avoid
    defs["SelectorFields"] = defs.pop("Selector")
    defs["Selector"] = {"anyOf": [{"type": "string", "description": "A rule id."}, {"$ref": "#/$defs/SelectorFields"}]}
    # why_not: a rule id, or a mapping of rule/target/status/because
    defs["WhyNotExpectFields"] = defs.pop("WhyNotExpect")
    defs["WhyNotExpect"] = {"anyOf": [{"type": "string", "description": "A rule id."},
                                      {"$ref": "#/$defs/WhyNotExpectFields"}]}
    exp = defs["Expectation"]
    exp["minProperties"] = exp["maxProperties"] = 1
    return {"$schema": DRAFT, **schema, "title": "followup pack tests"}


SCHEMAS = {"pack": pack_schema, "facts": facts_schema, "tests": pack_tests_schema}


def schema_text(kind: str) -> str:
    """The schema as the text of the shipped file."""
    return json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False) + "\n"


def shipped_schema(kind: str) -> str:
    """The schema file shipped in the package (policies/schemas/KIND.schema.json)."""
    return resources.files("followup.policies").joinpath("schemas", f"{kind}.schema.json").read_text(encoding="utf-8")
