"""The OpenAPI 3.1 document, built from followup's own JSON Schemas.

Facts and Pack are the schemas `followup schema facts|pack` prints; Advice is
docs/advice.schema.json; Comparison and Plan are the result models'. Their
`$defs` are hoisted into `components/schemas` (OpenAPI 3.1 schemas are JSON
Schema 2020-12), so one schema is the contract for files and for the API.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from .. import __version__
from .config import ServiceConfig
from .problems import MEDIA_TYPE, PROBLEM_TYPES
from .requests import PACK_NAME, AdviseRequest, BatchRequest, CompareRequest, PlanRequest, ValidateRequest

__all__ = ["openapi_document"]

REF = "#/components/schemas/"


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> str:
        """Add `schema` (with its `$defs`) under `name`; returns the name it got."""
        schema = copy.deepcopy(schema)
        defs = schema.pop("$defs", {})
        schema.pop("$schema", None)
        renames = {d: self._free(d, body) for d, body in defs.items()}
        for d, body in defs.items():
            self.schemas[renames[d]] = _rewrite(body, renames)
        final = self._free(name, schema)
        self.schemas[final] = _rewrite(schema, renames)
        return final

    def _free(self, name: str, body: Any) -> str:
        # the same definition from two sources is shared; a different one under a taken name is renamed
        candidate, n = name, 2
        while candidate in self.schemas and self.schemas[candidate] != body:
            candidate, n = f"{name}{n}", n + 1
        return candidate


def _rewrite(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                target = v.removeprefix("#/$defs/")
                out[k] = REF + renames.get(target, target)
            else:
                out[k] = _rewrite(v, renames)
        return out
    if isinstance(node, list):
        return [_rewrite(v, renames) for v in node]
    return node


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _request(c: _Components, model: Any) -> str:
    schema = model.model_json_schema()
    if "facts" in schema.get("properties", {}):
        description = schema["properties"]["facts"].get("description", "")
        schema["properties"]["facts"] = {**_ref("Facts"), "description": description}
    return c.add(model.__name__, schema)


def _with(base: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"allOf": [_ref(base), {"type": "object", "required": list(props), "properties": props}]}


_DECISION = {"type": "string", "format": "uuid", "description": "Identifies this decision (and its decision-log line)."}
_REVISION = {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$",
             "description": "Content hash of the pack file and every file of its `extends` chain."}


@functools.cache
def _document(config_json: str) -> dict[str, Any]:
    from ..comparison import Comparison
    from ..planning import Plan
    from ..results import Advice
    from ..schema import facts_schema, pack_schema

    config = ServiceConfig(**json.loads(config_json))
    c = _Components()
    c.add("Facts", facts_schema())
    c.add("Pack", pack_schema())
    c.add("Advice", Advice.model_json_schema())
    c.add("Comparison", Comparison.model_json_schema())
    c.add("Plan", Plan.model_json_schema())
    requests = {m.__name__: _request(c, m) for m in (AdviseRequest, CompareRequest, PlanRequest, ValidateRequest, BatchRequest)}
    s = c.schemas
    s["ProblemItem"] = {"type": "object", "description": "One located problem, as `followup validate --json` prints it.",
                        "required": ["path", "message", "severity", "code"], "properties": {
                            "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
                            "column": {"type": ["integer", "null"]},
                            "path": {"type": "string", "description": "Dotted field path, e.g. facts.interviewers.0.email."},
                            "message": {"type": "string"}, "hint": {"type": ["string", "null"], "description": "The fix."},
                            "severity": {"type": "string", "enum": ["error", "warning"]}, "code": {"type": "string"}}}
    s["ProblemDetails"] = {"type": "object", "description": "RFC 9457 problem details with the located problems.",
                           "required": ["type", "title", "status", "detail", "problems"], "properties": {
                               "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                               "detail": {"type": "string"}, "instance": {"type": "string"},
                               "problems": {"type": "array", "items": _ref("ProblemItem")}}}
    s["AdviceResponse"] = _with("Advice", {"decision_id": _DECISION, "revision": _REVISION,
                                           "took_ms": {"type": "number", "description": "Milliseconds spent evaluating."}})
    s["CompareResponse"] = _with("Comparison", {"decision_id": _DECISION,
                                                "revisions": {"type": "object", "additionalProperties": _REVISION}})
    s["PlanResponse"] = _with("Plan", {"decision_id": _DECISION})
    s["ValidateResponse"] = {"type": "object", "required": ["ok", "errors", "warnings", "problems"], "properties": {
        "ok": {"type": "boolean"}, "errors": {"type": "integer"}, "warnings": {"type": "integer"},
        "rules": {"type": ["integer", "null"], "description": "Rules of the resolved pack, when it could be read."},
        "problems": {"type": "array", "items": _ref("ProblemItem")}}}
    s["BatchResult"] = {"oneOf": [
        {"type": "object", "required": ["ok", "advice"], "properties": {
            "ok": {"const": True},
            "advice": {"anyOf": [_ref("Advice"), {"type": "object", "additionalProperties": _ref("Advice")}],
                       "description": "The Advice, or with `packs` the Advice of each keyed by pack name."}}},
        {"type": "object", "required": ["ok", "problems"], "properties": {
            "ok": {"const": False}, "problems": {"type": "array", "items": _ref("ProblemItem")}}}]}
    s["BatchResponse"] = {"type": "object", "required": ["decision_id", "revisions", "errors", "results"], "properties": {
        "decision_id": _DECISION, "revisions": {"type": "object", "additionalProperties": _REVISION},
        "errors": {"type": "integer", "description": "How many inputs are error results."},
        "results": {"type": "object", "additionalProperties": _ref("BatchResult"), "description": "Keyed by your ids."}}}
    s["PackSummary"] = {"type": "object", "required": ["name", "source", "revision", "problems"], "properties": {
        "name": {"type": "string"}, "source": {"type": "string"}, "title": {"type": ["string", "null"]},
        "version": {"type": ["string", "null"]}, "summary": {"type": ["string", "null"]}, "rules": {"type": "integer"},
        "extends": {"type": ["string", "null"]}, "revision": {"anyOf": [_REVISION, {"type": "null"}]},
        "problems": {"type": "array", "items": _ref("ProblemItem")}}}
    s["Health"] = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}

    def errors(*kinds: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind in kinds:
            status, title = PROBLEM_TYPES[kind]
            entry = out.setdefault(str(status), {"description": "", "content": {MEDIA_TYPE: {"schema": _ref("ProblemDetails")}}})
            entry["description"] = (entry["description"] + "; " if entry["description"] else "") + title
        return out

    body_errors = ("malformed", "body-too-large", "media-type", "invalid-request", "time-budget")

    def post(summary: str, request: str, response: str, *kinds: str, params: list[Any] | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": summary, "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(response)}}},
                          **errors(*body_errors, *kinds)}}
        if params:
            op["parameters"] = params
        return {"post": op}

    def get(summary: str, response: str, *kinds: str) -> dict[str, Any]:
        return {"get": {"summary": summary, "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref(response)}}}, **errors(*kinds)}}}

    pack_param = [{"name": "pack", "in": "path", "required": True, "description": "Pack name.",
                   "schema": {"type": "string", "pattern": PACK_NAME}}]
    evaluating = ("invalid-facts", "pack-not-found", "invalid-pack")
    paths = {
        "/v1/advise": post("Ranked next actions for one case under one pack", requests["AdviseRequest"],
                           "AdviceResponse", *evaluating),
        "/v1/packs/{pack}/advise": post("Ranked next actions under the pack named in the path", requests["AdviseRequest"],
                                        "AdviceResponse", *evaluating, params=pack_param),
        "/v1/compare": post("The same case under several packs, lined up", requests["CompareRequest"], "CompareResponse",
                            *evaluating),
        "/v1/plan": post("Simulate the days ahead under each pack", requests["PlanRequest"], "PlanResponse", *evaluating),
        "/v1/validate": post("Check a pack's text: located problems out", requests["ValidateRequest"], "ValidateResponse"),
        "/v1/batch": post("Many cases keyed by your ids; a bad input is an error entry", requests["BatchRequest"],
                          "BatchResponse", "batch-too-large", "pack-not-found", "invalid-pack"),
        "/v1/packs": get("The packs the service can use, with their revisions", "PacksResponse"),
        "/health": get("Alive", "Health"),
        "/health/ready": get("Ready to evaluate (the default pack compiles)", "Health", "unavailable"),
    }
    s["PacksResponse"] = {"type": "object", "required": ["packs"],
                          "properties": {"packs": {"type": "array", "items": _ref("PackSummary")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "followup decision service", "version": __version__, "description": (
            "Ranked next actions after a job interview. Limits: bodies up to "
            f"{config.max_body_bytes} bytes, batches up to {config.max_batch} inputs, plans up to {config.max_days} days, "
            f"{config.time_budget:g} s per request. Errors are application/problem+json with located problems.")},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": s},
    }


def openapi_document(config: ServiceConfig) -> dict[str, Any]:
    return _document(config.to_env())
