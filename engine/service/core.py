"""What each endpoint computes, as plain synchronous calls on one engine.

The HTTP layer (app.py) runs these in a thread pool: evaluation is CPU-bound
and durable-rules' C calls hold the GIL, so threads do not add throughput,
but the event loop stays free to answer `/health`, read other requests and
enforce the time budget while an evaluation runs.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from ..batch import BatchEvaluator, evaluate_lines
from ..compiler import CompiledPack
from ..engine import Engine, resolve_at
from ..errors import FollowupError, InputError, PackNotFound, Problem
from ..facts import Facts, parse_facts
from ..packs import is_pack_path
from ..yamlio import load_document
from .config import ServiceConfig
from .decisionlog import DecisionLog, mask_facts
from .problems import ServiceProblem, from_error
from .requests import AdviseRequest, BatchRequest, CompareRequest, PlanRequest, ValidateRequest

__all__ = ["Service"]

_REVISIONS_KEPT = 64


class Service:
    """One engine, its packs' revisions, and the decision log."""

    def __init__(self, config: ServiceConfig, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or Engine()
        self.log = DecisionLog(config.decision_log) if config.decision_log else None
        self._revisions: dict[int, tuple[CompiledPack, str]] = {}
        self._lock = threading.Lock()

    # --- packs --------------------------------------------------------------

    def pack(self, name: str) -> CompiledPack:
        if is_pack_path(name):  # the request models allow names only; this guards other callers
            raise PackNotFound(f"{name!r} is not a pack name: the service finds packs by name only")
        return self.engine.load_pack(name)

    def revision(self, cp: CompiledPack) -> str:
        """Content hash of the pack file and every file of its `extends` chain, base first."""
        with self._lock:
            hit = self._revisions.get(id(cp))
        if hit is not None and hit[0] is cp:
            return hit[1]
        digest = hashlib.sha256()
        paths = self.engine.resolve_pack(cp.file.path).paths if cp.file.path is not None else []
        for path in paths:
            data = path.read_bytes()
            digest.update(b"%d:" % len(data) + data)
        rev = "sha256:" + digest.hexdigest()
        with self._lock:
            if len(self._revisions) >= _REVISIONS_KEPT:
                self._revisions.pop(next(iter(self._revisions)))
            self._revisions[id(cp)] = (cp, rev)  # the pack is kept, so its id is not reused while cached
        return rev

    def packs(self) -> list[dict[str, Any]]:
        from ..discovery import as_rows

        out = []
        for row in as_rows(self.engine.pack_locations()):
            if row["shadowed_by"]:
                continue
            entry: dict[str, Any] = {"name": row["name"], "source": row["source"]}
            try:
                cp = self.pack(row["name"])
                p = cp.file.pack
                entry.update(title=p.title, version=p.version, summary=p.summary, rules=len(p.rules),
                             extends=p.extends, revision=self.revision(cp), problems=[])
            except (InputError, PackNotFound) as exc:
                problems = exc.problems if isinstance(exc, InputError) else [Problem(str(exc), code="pack_not_found")]
                entry.update(title=None, version=None, summary=None, rules=0, extends=None, revision=None,
                             problems=[pr.as_dict() for pr in problems])
            out.append(entry)
        return out

    def ready(self) -> tuple[bool, dict[str, Any]]:
        try:
            cp = self.pack(self.config.default_pack)
            return True, {"status": "ready", "default_pack": cp.name, "revision": self.revision(cp)}
        except FollowupError as exc:
            return False, {"status": "not ready", "detail": str(exc)}

    # --- endpoints ------------------------------------------------------------

    def advise(self, req: AdviseRequest, path_pack: str | None) -> bytes:
        started = time.perf_counter()
        decision = str(uuid.uuid4())
        name = path_pack or req.pack or self.config.default_pack
        facts = _facts(req.facts)
        try:
            cp = self.pack(name)
            at = resolve_at(req.at, facts)
            advice = self.engine.advise(facts, cp, at, explain=req.explain)
        except FollowupError as exc:
            raise from_error(exc, ("facts",)) from None
        rev = self.revision(cp)
        took = (time.perf_counter() - started) * 1000
        head = {"decision_id": decision, "revision": rev, "took_ms": round(took, 3)}
        if self.log is not None:
            self.log.write({"decision_id": decision, "path": "/v1/advise", "pack": cp.name, "revision": rev,
                            "at": at.isoformat(), "explain": req.explain, "took_ms": head["took_ms"],
                            "input": mask_facts(req.facts, self.log.mask),
                            "result": [_summary(a) for a in advice.actions]})
        return orjson.dumps(head)[:-1] + b"," + advice.model_dump_json().encode()[1:]

    def compare(self, req: CompareRequest) -> bytes:
        from ..comparison import compare

        decision = str(uuid.uuid4())
        facts = _facts(req.facts)
        try:
            names = list(req.packs) if req.packs else None
            compiled = [self.pack(n) for n in names] if names else None
            result = compare(facts, compiled, req.at, engine=self.engine)
        except FollowupError as exc:
            raise from_error(exc, ("facts",)) from None
        revisions = {a.pack.name: self.revision(self.pack(a.pack.name)) for a in result.advice}
        self._log_simple(decision, "/v1/compare", req.facts, {"packs": list(revisions), "rows": len(result.rows)})
        return _with(decision, {"revisions": revisions}, result.model_dump_json().encode())

    def plan(self, req: PlanRequest) -> bytes:
        from ..planning import plan

        if req.days > self.config.max_days:
            raise ServiceProblem("invalid-request", f"days {req.days} is more than this service simulates", [Problem(
                f"at most {self.config.max_days} days", path=("days",), hint=f"ask for {self.config.max_days} days or "
                "fewer (21 covers most follow-up advice)", code="less_than_equal")])
        decision = str(uuid.uuid4())
        facts = _facts(req.facts)
        try:
            compiled = [self.pack(n) for n in req.packs] if req.packs else None
            result = plan(facts, compiled, req.start, req.days, req.replies, engine=self.engine)
        except FollowupError as exc:
            raise from_error(exc, ("facts",)) from None
        self._log_simple(decision, "/v1/plan", req.facts, {"packs": [lane.pack.name for lane in result.lanes],
                                                           "days": req.days})
        return _with(decision, {}, result.model_dump_json().encode())

    def validate(self, req: ValidateRequest) -> bytes:
        from ..lint import validate_pack

        name = req.name or _named(req.text)
        if not name.endswith((".yaml", ".yml")):
            name += ".yaml"
        problems = _path_extends(req.text, name)
        if not problems:
            with tempfile.TemporaryDirectory(prefix="followup-validate-") as folder:
                path = Path(folder) / name
                path.write_text(req.text, encoding="utf-8")
                result = validate_pack(path, lambda n, requester: self.engine.find_pack(n, skip=requester))
                problems = [replace(p, file=name) if p.file == str(path) else p for p in result.problems]
                rules = len(result.resolved.file.pack.rules) if result.resolved else None
        else:
            rules = None
        errors = sum(p.severity == "error" for p in problems)
        return orjson.dumps({"ok": not problems, "errors": errors, "warnings": len(problems) - errors, "rules": rules,
                             "problems": [p.as_dict() for p in problems]})

    def batch(self, req: BatchRequest, path_pack: str | None = None) -> bytes:
        if len(req.inputs) > self.config.max_batch:
            raise ServiceProblem("batch-too-large", f"{len(req.inputs)} inputs; this service takes at most "
                                 f"{self.config.max_batch} per request: split the batch", [Problem(
                                     f"at most {self.config.max_batch} inputs", path=("inputs",), code="too_long",
                                     hint=f"send batches of {self.config.max_batch} inputs or fewer")])
        if req.pack is not None and req.packs is not None:
            raise ServiceProblem("invalid-request", "give `pack` or `packs`, not both", [Problem(
                "both `pack` and `packs` are given", path=("packs",), hint="keep one of them", code="pack_and_packs")])
        decision = str(uuid.uuid4())
        try:
            spec: CompiledPack | list[CompiledPack] = (
                [self.pack(n) for n in req.packs] if req.packs else self.pack(path_pack or req.pack or self.config.default_pack))
            ev = BatchEvaluator(spec, req.at, engine=self.engine, explain=req.explain)
        except FollowupError as exc:
            raise from_error(exc) from None
        keys = list(req.inputs)
        results = evaluate_lines((_batch_item(req.inputs[k]) for k in keys), spec, evaluator=ev, first_line=None)
        body = b",".join(orjson.dumps(k) + b":" + r for k, r in zip(keys, results, strict=True))
        revisions = {cp.name: self.revision(cp) for cp in ev.packs}
        self._log_simple(decision, "/v1/batch", None, {"inputs": ev.inputs, "errors": ev.errors, "revisions": revisions})
        head = orjson.dumps({"decision_id": decision, "revisions": revisions, "errors": ev.errors})
        return head[:-1] + b',"results":{' + body + b"}}"

    def _log_simple(self, decision: str, path: str, facts: Any, result: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.write({"decision_id": decision, "path": path,
                            "input": mask_facts(facts, self.log.mask) if facts is not None else None, "result": result})


def _facts(data: dict[str, Any]) -> Facts:
    try:
        return parse_facts(orjson.dumps(data))
    except InputError as exc:
        raise from_error(exc, ("facts",)) from None
    except TypeError as exc:  # not reachable from JSON, kept for embedders calling Service directly
        raise ServiceProblem("invalid-facts", str(exc)) from None


def _batch_item(value: Any) -> Any:
    return value if isinstance(value, dict) else orjson.dumps(value)  # evaluate_lines reports what is not an object


def _with(decision: str, extra: dict[str, Any], body: bytes) -> bytes:
    return orjson.dumps({"decision_id": decision, **extra})[:-1] + b"," + body[1:]


def _summary(a: Any) -> dict[str, Any]:
    return {"rank": a.rank, "rule": a.rule, "kind": a.kind, "target": a.target.kind, "channel": a.channel,
            "avoid": a.avoid, "urgency": a.urgency, "due": a.due.isoformat() if a.due else None}


def _named(text: str) -> str:
    """The file name a pack's own `name:` asks for (so no name-mismatch warning), else pack.yaml."""
    m = re.search(r"^name:[ \t]*['\"]?([a-z0-9][a-z0-9-]{0,99})['\"]?[ \t]*(#.*)?$", text, re.M)
    return f"{m.group(1)}.yaml" if m else "pack.yaml"


def _path_extends(text: str, name: str) -> list[Problem]:
    """A pack sent to the service may extend packs by name only: a path would read the server's files."""
    doc, problem = load_document(text, name)
    if problem is not None or doc is None or not isinstance(doc.data, dict):
        return []  # validate_pack reports these itself
    extends = doc.data.get("extends")
    if isinstance(extends, str) and is_pack_path(extends.strip()):
        return [doc.problem(("extends",), f"`extends: {extends}` is a path; the service finds packs by name only",
                            "extend a pack by name (GET /v1/packs lists them)", code="extends")]
    return []

