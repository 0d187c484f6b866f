"""Many cases at once: the partition function every bulk path calls.

`followup batch` (one process or byte-range shards over several), the
service's ``/v1/batch``, and the Dask, Spark and Ray recipes all hand a
partition of inputs to :func:`evaluate_lines` and get one JSON result per
input back, in order. An input is one JSON object (a line of a JSON Lines
file, or an already parsed mapping), either the facts themselves or an
envelope::

    {"candidate": {...}, "position": {...}, ..., "id": "case-17"}     # facts; `id` is echoed, not validated
    {"id": "case-17", "at": "2026-11-20T09:00", "facts": {...}}       # envelope: its own evaluation time

Each result is one compact JSON object::

    {"line": 3, "id": "case-17", "ok": true, "advice": {...}}         # one pack: an Advice
    {"line": 3, "ok": true, "advice": {"conservative": {...}, ...}}   # several packs: keyed by pack name
    {"line": 4, "ok": false, "problems": [{"line": 4, "path": "interviewers.0.email", "message": ..., "hint": ...}]}

A bad input becomes an error result naming its line and field path; it
never stops the partition. Packs are compiled once per
:class:`BatchEvaluator`, and "now" is read once, so every input of a batch
is judged at the same instant.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from .compiler import CompiledPack
from .engine import Engine, resolve_at
from .errors import FactsError, FollowupError, InputError, PackNotFound, Problem
from .facts import Facts, parse_facts
from .when import localize_naive_times

__all__ = ["BatchEvaluator", "evaluate_lines", "shared_evaluator", "PackSpec", "ENVELOPE_KEYS"]

PackSpec = str | os.PathLike[str] | CompiledPack
ENVELOPE_KEYS = frozenset({"facts", "id", "at"})
MAX_ERROR_LINES = 20
_JSON_HINT = "each line must be one JSON object: the facts, or {\"facts\": {...}, \"id\": ..., \"at\": ...}"


class BatchEvaluator:
    """Evaluates inputs one by one against packs compiled once.

    `pack` is one pack (results carry an Advice) or a sequence of packs
    (results carry the Advice of each, keyed by pack name). `at` is the
    evaluation time for inputs that do not give their own (default: now,
    read once). `source` names the input in problems (e.g. the file name).
    """

    def __init__(self, pack: PackSpec | Sequence[PackSpec], at: datetime | str | None = None, *,
                 engine: Engine | None = None, explain: bool = False, id_field: str = "id",
                 source: str | None = None) -> None:
        self.engine = engine or Engine()
        self.several = not isinstance(pack, (str, os.PathLike, CompiledPack))
        specs: Sequence[PackSpec] = list(pack) if self.several else [pack]  # type: ignore[list-item, arg-type]
        if not specs:
            raise ValueError("give at least one pack")
        self.packs: list[CompiledPack] = [self.engine.load_pack(p) for p in specs]
        names = [cp.name for cp in self.packs]
        if len(set(names)) != len(names):
            raise PackNotFound(f"packs {', '.join(names)}: the same pack name is given twice: give each pack once")
        if isinstance(at, str):
            _check_at(at)
        self.at: datetime | str = datetime.now(UTC) if at is None else at
        self.explain = explain
        self.id_field = id_field
        self.source = source
        self.inputs = 0  # counts, for a summary at the end
        self.errors = 0
        self.error_lines: list[int | None] = []  # the first few
        self.last_ok = True  # whether the latest result was advice (for callers that need a flag per input)

    def evaluate(self, item: bytes | str | Mapping[str, Any], line: int | None = None) -> bytes:
        """The JSON result (no newline) for one input; problems are located at `line` when given."""
        ident: Any = None
        has_id = False
        prefix: tuple[str | int, ...] = ()
        try:
            obj = orjson.loads(item) if isinstance(item, (bytes, str)) else dict(item)
        except orjson.JSONDecodeError as exc:
            return self._failed(line, has_id, ident, [Problem(
                f"not valid JSON: {exc.msg}", file=self.source, line=line, column=exc.colno, hint=_JSON_HINT,
                code="json")])
        if not isinstance(obj, dict):
            return self._failed(line, has_id, ident, [Problem(
                f"a JSON {type(obj).__name__} where an object is expected", file=self.source, line=line,
                hint=_JSON_HINT, code="not_facts")])
        at = self.at
        if "facts" in obj:
            extra = sorted(set(obj) - ENVELOPE_KEYS)
            has_id, ident = "id" in obj, obj.get("id")
            if extra:
                return self._failed(line, has_id, ident, [Problem(
                    f"unknown envelope field {extra[0]!r}", path=(extra[0],), file=self.source, line=line,
                    hint="an envelope has `facts` and optionally `id` and `at`", code="extra_forbidden")])
            if obj.get("at") is not None:
                at = obj["at"]
            facts_data, prefix = obj["facts"], ("facts",)
        else:
            has_id = self.id_field in obj
            ident = obj.pop(self.id_field, None)
            facts_data = obj
        try:
            facts = _facts(facts_data)
            when = resolve_at(at, facts)
        except InputError as exc:
            problems = [dataclasses.replace(p, path=(p.path if p.code == "at" else prefix + p.path), file=self.source,
                                            line=line, column=None) for p in exc.problems]
            return self._failed(line, has_id, ident, problems)
        try:
            parts = [self.engine.advise(facts, cp, when, explain=self.explain).model_dump_json().encode()
                     for cp in self.packs]
        except FollowupError as exc:
            return self._failed(line, has_id, ident, [Problem(str(exc), file=self.source, line=line, code="evaluation")])
        except Exception as exc:  # never stop a batch: one input's failure is that input's result
            return self._failed(line, has_id, ident, [Problem(
                f"evaluation failed: {type(exc).__name__}: {exc}", file=self.source, line=line, code="evaluation",
                hint="report this with the input line: valid facts should always evaluate")])
        if self.several:
            advice = b"{" + b",".join(orjson.dumps(cp.name) + b":" + part for cp, part in zip(self.packs, parts, strict=True)) + b"}"
        else:
            advice = parts[0]
        self.inputs += 1
        self.last_ok = True
        return self._head(line, has_id, ident) + b'"ok":true,"advice":' + advice + b"}"

    def _head(self, line: int | None, has_id: bool, ident: Any) -> bytes:
        out = b"{"
        if line is not None:
            out += b'"line":%d,' % line
        if has_id:
            try:
                out += b'"id":' + orjson.dumps(ident) + b","
            except TypeError:  # a mapping parsed elsewhere may hold anything; echo what it says
                out += b'"id":' + orjson.dumps(str(ident)) + b","
        return out

    def _failed(self, line: int | None, has_id: bool, ident: Any, problems: list[Problem]) -> bytes:
        self.inputs += 1
        self.errors += 1
        self.last_ok = False
        if len(self.error_lines) < MAX_ERROR_LINES:
            self.error_lines.append(line)
        body = orjson.dumps([p.as_dict() for p in problems])
        return self._head(line, has_id, ident) + b'"ok":false,"problems":' + body + b"}"


def _check_at(at: str) -> None:
    """A batch-wide time that is not a time fails the whole batch, before any input is read."""
    try:
        datetime.fromisoformat(at.strip())
    except ValueError:
        raise InputError(Problem(f"--at {at!r} is not a time", path=("at",), code="at",
                                 hint="write ISO 8601, e.g. 2026-11-18T09:00 or 2026-11-18T09:00+01:00")) from None


def _facts(data: Any) -> Facts:
    if not isinstance(data, dict):
        raise InputError(Problem(f"`facts` is a JSON {type(data).__name__}, not an object",
                                 hint="give the facts as an object with candidate, position, interview, interviewers",
                                 code="not_facts"))
    try:
        text = orjson.dumps(data)
    except TypeError as exc:  # from a mapping built in Python: values JSON cannot carry
        raise InputError(Problem(str(exc), hint="give plain values: text, numbers, true/false, lists, mappings",
                                 code="type")) from None
    try:
        return parse_facts(text)
    except FactsError:
        # A time written without an offset is read in the company's zone, as from a file or a dict (see
        # when.py). Valid facts have none (it is refused as naive), so only refused ones are walked for them.
        localized = localize_naive_times(data, Facts)
        if localized == data:
            raise
    return parse_facts(orjson.dumps(localized))


def evaluate_lines(lines: Iterable[bytes | str | Mapping[str, Any]], pack: PackSpec | Sequence[PackSpec],
                   at: datetime | str | None = None, *, engine: Engine | None = None, explain: bool = False,
                   id_field: str = "id", first_line: int | None = 1, source: str | None = None,
                   evaluator: BatchEvaluator | None = None) -> Iterator[bytes]:
    """One JSON result per input, in input order (blank lines are skipped but counted).

    `first_line` is the line number of the first item (for a shard that
    starts inside a file); None leaves line numbers out (inputs keyed
    otherwise; a blank item is then an error result, not skipped). Give
    `evaluator` to reuse compiled packs across partitions (a worker process
    keeps one, see :func:`shared_evaluator`); otherwise one is built here.
    """
    ev = evaluator or BatchEvaluator(pack, at, engine=engine, explain=explain, id_field=id_field, source=source)
    for n, item in enumerate(lines, start=first_line or 1):
        if isinstance(item, (bytes, str)) and not item.strip():
            if first_line is None:  # no line numbers: every item is an input that must get its result
                yield ev.evaluate(item, None)
            continue
        yield ev.evaluate(item, n if first_line is not None else None)


_shared: dict[tuple[Any, ...], BatchEvaluator] = {}
_shared_lock = threading.Lock()
SHARED_KEPT = 8


def shared_evaluator(pack: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], at: datetime | str, *,
                     explain: bool = False, id_field: str = "id", source: str | None = None) -> BatchEvaluator:
    """This process's evaluator for these settings, built on first use and kept.

    For executors that call a partition function many times in one
    long-lived process (Spark's Python workers, Ray actors, Dask workers):
    the engine and compiled packs are set up once per process. `at` is
    required (read "now" once on the driver) so that every process judges
    at the same instant and a kept evaluator never keeps a stale "now".
    """
    key = (str(pack) if isinstance(pack, (str, os.PathLike)) else tuple(map(str, pack)), str(at), explain, id_field,
           source)
    with _shared_lock:
        ev = _shared.get(key)
        if ev is None:
            if len(_shared) >= SHARED_KEPT:
                _shared.pop(next(iter(_shared)))
            ev = _shared[key] = BatchEvaluator(pack if isinstance(pack, (str, os.PathLike)) else list(pack), at,
                                               explain=explain, id_field=id_field, source=source)
        return ev
