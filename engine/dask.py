"""followup on a Dask cluster (`pip install 'followup[dask]'`).

Every partition goes through :func:`followup.batch.evaluate_lines`, the
function `followup batch` and the service call, so a case gets the same
result line whichever way it runs. Each worker process builds its
evaluator (engine and compiled packs) once, through a worker plugin
registered when a client is given, and keeps it for every partition::

    from distributed import Client
    import followup.dask as fd

    client = Client("tcp://scheduler:8786")
    lines = fd.read_jsonl("cases.jsonl")                         # (line number, line) pairs
    fd.evaluate_bag(lines, "proactive", "2026-11-20T09:00", client=client).to_textfiles("out/*.jsonl")

    df = fd.evaluate_dataframe(ddf, "proactive", facts_column="facts", client=client)   # adds `ok` and `result`

Packs are named as the workers see them (a name, or a path valid on every
worker); the evaluation time defaults to now, read once on the client.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask.bag as db
from dask.delayed import delayed
from distributed import Client, WorkerPlugin

from .batch import BatchEvaluator, evaluate_lines, shared_evaluator
from .batchfile import line_ranges

__all__ = ["FollowupPlugin", "read_jsonl", "evaluate_bag", "evaluate_dataframe"]

PackNames = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]



class _Settings:
    """What an evaluator is built from (picklable; the plugin is named by its content)."""

    def __init__(self, pack: PackNames, at: datetime | str | None, explain: bool, id_field: str,
                 source: str | None = None) -> None:
        self.pack: str | list[str] = ([str(p) for p in pack] if not isinstance(pack, (str, os.PathLike))
                                      else str(pack))
        self.at: datetime | str = datetime.now(UTC) if at is None else at  # one instant for every worker
        self.explain = explain
        self.id_field = id_field
        self.source = source
        self.key = "followup-" + hashlib.sha256(repr((self.pack, str(self.at), explain, id_field, source)).encode()).hexdigest()[:16]

    def evaluator(self) -> BatchEvaluator:
        """This process's evaluator for these settings (built by the worker plugin, or on first use)."""
        return shared_evaluator(self.pack, self.at, explain=self.explain, id_field=self.id_field, source=self.source)


class FollowupPlugin(WorkerPlugin):
    """Builds the evaluator (engine, compiled packs) once on every worker, including workers that join later."""

    idempotent = True

    def __init__(self, settings: _Settings) -> None:
        self.settings = settings
        self.name = settings.key

    def setup(self, worker: Any) -> None:
        self.settings.evaluator()


def _register(client: Client | None, settings: _Settings) -> None:
    if client is not None:
        client.register_plugin(FollowupPlugin(settings), name=settings.key)


# --- bags -------------------------------------------------------------------------

def read_jsonl(path: str | os.PathLike[str], *, partitions: int | None = None) -> db.Bag:
    """A bag of ``(line number, line)`` pairs of a JSON Lines file, in byte-range partitions.

    The file must be readable at the same path by every worker (a shared or
    local file system). :func:`evaluate_bag` then writes result lines with
    the file's line numbers, exactly as `followup batch` does.
    """
    from .batchfile import _count_lines

    p = Path(path)
    ranges = line_ranges(p, partitions or max(1, min(64, p.stat().st_size // (4 << 20) + 1)))
    parts, line = [], 1
    for a, b in ranges:
        parts.append(delayed(_read)(str(p), a, b, line))
        line += _count_lines(str(p), a, b)
    bag: db.Bag = db.from_delayed(parts)  # type: ignore[no-untyped-call]
    return bag


def _read(path: str, start: int, end: int, first: int) -> list[tuple[int, bytes]]:
    with open(path, "rb") as f:
        f.seek(start)
        return list(enumerate(f.read(end - start).splitlines(keepends=True), start=first))


def _partition(items: Iterable[Any], settings: _Settings) -> list[str]:
    ev = settings.evaluator()
    items = list(items)
    if items and all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], int) for i in items):
        # numbered lines from read_jsonl: one contiguous run of the file
        results = evaluate_lines([line for _, line in items], ev.packs, first_line=items[0][0], evaluator=ev)
    else:
        results = evaluate_lines(items, ev.packs, first_line=None, evaluator=ev)
    return [r.decode() for r in results]


def evaluate_bag(bag: db.Bag, pack: PackNames = "conservative", at: datetime | str | None = None, *,
                 explain: bool = False, id_field: str = "id", source: str | None = None,
                 client: Client | None = None) -> db.Bag:
    """A bag of JSON result lines (text), one per input, in order.

    `bag` is from :func:`read_jsonl` (results carry line numbers), or any bag
    of facts as JSON text, bytes or mappings (results carry no line number;
    an `id` field or an envelope's `id` is echoed). `source` names the input
    in problems (`followup batch` gives the file name).
    """
    settings = _Settings(pack, at, explain, id_field, source)
    _register(client, settings)
    out: db.Bag = bag.map_partitions(_partition, settings)  # type: ignore[no-untyped-call]
    return out


# --- dataframes ---------------------------------------------------------------------

def _frame(df: Any, settings: _Settings, facts_column: str) -> Any:
    pd: Any = importlib.import_module("pandas")  # comes with dask[dataframe]; typed loosely (no stubs needed)
    ev = settings.evaluator()
    oks, texts = [], []
    for result in evaluate_lines(list(df[facts_column]), ev.packs, first_line=None, evaluator=ev):
        oks.append(ev.last_ok)  # set by the evaluation that produced `result`
        texts.append(result.decode())
    out = df.copy()
    out["ok"] = pd.Series(oks, index=df.index, dtype=bool)
    out["result"] = pd.Series(texts, index=df.index, dtype=object)
    return out


def evaluate_dataframe(df: Any, pack: PackNames = "conservative", at: datetime | str | None = None, *,
                       facts_column: str = "facts", explain: bool = False, client: Client | None = None) -> Any:
    """`df` with two columns added: `ok` (bool) and `result` (the JSON result line, text).

    `facts_column` holds each row's facts as JSON text (or an envelope with
    `facts`, `id` and `at`); give text, since dask by default turns object
    columns, mappings included, into strings.
    """
    pd: Any = importlib.import_module("pandas")
    settings = _Settings(pack, at, explain, "id")
    _register(client, settings)
    meta = df._meta.assign(ok=pd.Series(dtype=bool), result=pd.Series(dtype=object))
    return df.map_partitions(_frame, settings, facts_column, meta=meta)
