"""`followup batch` behind the CLI: a JSON Lines file in, one result line per input out.

One worker reads and writes as it goes. Several workers split the file
into byte ranges that start on a line boundary; each worker process
compiles the packs once, evaluates its ranges with
:func:`followup.batch.evaluate_lines` and writes each range's results to a
file of its own, which the parent appends to the output in range order,
so results come out in input order while memory stays flat whatever the
input size. Standard input is spooled to a temporary file first when
several workers are asked for (ranges need a seekable file).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .batch import MAX_ERROR_LINES, BatchEvaluator, PackSpec, evaluate_lines
from .batchstops import Stops, worker_ignores_ctrl_c
from .engine import Engine

__all__ = ["BatchSummary", "run_batch", "default_workers", "line_ranges"]

# Below this size the start-up of worker processes (about half a second
# each, mostly imports and pack compilation) costs more than it saves.
MIN_PARALLEL_BYTES = 1 << 20
MIN_RANGE_BYTES = 256 << 10
# Ranges of at most a few thousand lines (seconds of work): a worker that falls behind (a busy
# core) holds up the end of the batch by one range at most, and results waiting on disk for
# their turn stay small.
MAX_RANGE_BYTES = 8 << 20
RANGES_PER_WORKER = 4
PROGRESS_EVERY = 256  # lines between updates of the shared progress counter
PROGRESS_SECONDS = 0.25  # how often the parent reports progress while it waits for the next range
COPY_BUFFER = 1 << 20

Progress = Callable[[int, int | None], None]  # (inputs done, inputs in all or None when unknown)


@dataclass
class BatchSummary:
    inputs: int = 0
    errors: int = 0
    error_lines: list[int | None] = field(default_factory=list)
    workers: int = 1
    seconds: float = 0.0

    def add(self, inputs: int, errors: int, error_lines: Sequence[int | None]) -> None:
        self.inputs += inputs
        self.errors += errors
        self.error_lines = sorted([*self.error_lines, *error_lines], key=lambda n: n or 0)[:MAX_ERROR_LINES]


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(source: str | os.PathLike[str], output: str | os.PathLike[str], pack: PackSpec | Sequence[PackSpec],
              at: datetime | str | None = None, *, workers: int | None = None, explain: bool = False,
              id_field: str = "id", engine: Engine | None = None, progress: Progress | None = None) -> BatchSummary:
    """Evaluate every line of `source` (a JSON Lines file, or `-` for stdin) into `output` (a file, or `-`).

    Pack and time problems raise before anything is written; a bad input
    line becomes an error result line. An output file is replaced only
    when the batch is complete. Stopped (Ctrl-C, or SIGTERM when the caller
    turns it into an exception), the batch ends its worker processes and
    removes its scratch files and the unfinished output before the stop
    goes on (see batchstops).
    """
    started = time.perf_counter()
    name = "<stdin>" if str(source) == "-" else str(source)
    at = datetime.now(UTC) if at is None else at  # one instant for every worker
    evaluator = BatchEvaluator(pack, at, engine=engine, explain=explain, id_field=id_field, source=name)
    workers = default_workers() if workers is None else max(1, workers)
    with Stops() as stops, _output(output, stops) as out, _scratch(stops) as scratch:
        if str(source) == "-":
            stream = sys.stdin.buffer
            if workers == 1:
                summary = _in_process(stream, out, evaluator, progress, None, stops)
                stops.check()  # a stop whose exception Python dropped: not a complete batch
                summary.seconds = time.perf_counter() - started
                return summary
            path = Path(scratch) / "stdin.jsonl"
            with path.open("wb") as spool:
                shutil.copyfileobj(stream, spool, COPY_BUFFER)
        else:
            path = Path(source)
        size = path.stat().st_size
        if workers == 1 or size < MIN_PARALLEL_BYTES:
            with path.open("rb") as f:
                summary = _in_process(f, out, evaluator, progress, None, stops)
        else:
            packs = [str(cp.file.path or cp.file.origin) for cp in evaluator.packs]
            summary = _parallel(path, out, packs if evaluator.several else packs[0], at, workers, explain, id_field,
                                name, Path(scratch), progress, stops)
        stops.check()
    summary.seconds = time.perf_counter() - started
    return summary


class _scratch:
    """A folder for the spooled input and the ranges' results, removed however the batch ends.

    Made and removed with stops held; a stop noted meanwhile is raised where the
    folder is known, so that it is removed too (here and in _output).
    """

    def __init__(self, stops: Stops) -> None:
        self.stops = stops
        self.folder: str | None = None

    def __enter__(self) -> str:
        try:
            with self.stops.held():
                self.folder = tempfile.mkdtemp(prefix="followup-batch-")
            return self.folder
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self.folder is not None:
            with self.stops.held(stopping=kind is not None):
                shutil.rmtree(self.folder, ignore_errors=True)


class _output:
    """The output stream; a file is written beside its final name and moved there only on success."""

    def __init__(self, target: str | os.PathLike[str], stops: Stops) -> None:
        self.target = str(target)
        self.stops = stops
        self.tmp: str | None = None
        self.stream: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        if self.target == "-":
            return sys.stdout.buffer
        final = Path(self.target)
        try:
            with self.stops.held():
                fd, self.tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent or ".")
                self.stream = os.fdopen(fd, "wb", buffering=COPY_BUFFER)
            return self.stream
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self.target == "-":
            sys.stdout.buffer.flush()
            return
        if self.stream is None or self.tmp is None:
            return
        with self.stops.held(stopping=kind is not None):
            self.stream.close()
            if kind is None:
                os.chmod(self.tmp, 0o666 & ~_umask())
                os.replace(self.tmp, self.target)
            else:
                os.unlink(self.tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _in_process(stream: IO[bytes], out: IO[bytes], ev: BatchEvaluator, progress: Progress | None,
                total: int | None, stops: Stops) -> BatchSummary:
    done = 0
    for result in evaluate_lines(stream, ev.packs, evaluator=ev):
        stops.check()
        out.write(result + b"\n")  # one write: a stop leaves no line without its end
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress is not None:
        progress(done, done)
    return BatchSummary(ev.inputs, ev.errors, list(ev.error_lines))


# --- several workers ------------------------------------------------------------

def _append(part: Path, out: IO[bytes]) -> None:
    """Append a range's results to the output, in the kernel when both are files or pipes.

    The results are several times the input's size (gigabytes for a million lines); copying
    them through this process took CPU from the workers on a machine with as many cores.
    """
    with part.open("rb") as f:
        try:
            fd = out.fileno() if hasattr(os, "sendfile") else -1
        except (OSError, ValueError):  # io.UnsupportedOperation: an in-memory stream (tests, embedders)
            fd = -1
        if fd < 0:
            shutil.copyfileobj(f, out, COPY_BUFFER)
            return
        out.flush()
        size, sent = os.fstat(f.fileno()).st_size, 0
        try:
            while sent < size:
                n = os.sendfile(fd, f.fileno(), sent, size - sent)
                if n == 0:
                    break
                sent += n
        except OSError:  # no sendfile for this pair (another platform, an odd target): copy the rest
            pass
        if sent < size:
            f.seek(sent)
            shutil.copyfileobj(f, out, COPY_BUFFER)


def line_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """`parts` byte ranges of about equal size covering the file, each starting at the start of a line."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as f:
        for k in range(1, parts):
            goal = size * k // parts
            if goal <= cuts[-1]:
                continue
            f.seek(goal - 1)
            f.readline()  # to the end of the line holding byte goal-1
            cut = f.tell()
            if cut >= size:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _read_range(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(start)
        at = start
        while at < end:
            line = f.readline()
            if not line:
                return
            at += len(line)
            yield line


def _count_lines(path: str, start: int, end: int) -> int:
    n = 0
    last = b""
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left > 0:
            chunk = f.read(min(COPY_BUFFER, left))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
            last = chunk
    return n + (1 if last and not last.endswith(b"\n") else 0)


_worker: dict[str, Any] = {}


def _start_worker(pack: str | list[str], at: datetime | str, explain: bool, id_field: str, source: str,
                  counter: Any) -> None:
    worker_ignores_ctrl_c()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="followup-batch-parent", daemon=True).start()
    # Each worker process compiles the packs once, here, and keeps them for every range it is given.
    _worker["evaluator"] = BatchEvaluator(pack, at, explain=explain, id_field=id_field, source=source)
    _worker["counter"] = counter


def _end_with(parent: int) -> None:
    """A worker ends with the batch that started it. Killed (SIGKILL, the OOM killer), the batch cannot end
    its workers, and a worker waits for its next range for ever: the parent's sentinel (a pipe only the
    parent holds open) becomes readable when it is gone."""
    multiprocessing.connection.wait([parent])
    os._exit(1)


def _run_range(path: str, start: int, end: int, first_line: int, out_path: str) -> tuple[int, int, list[int | None]]:
    ev: BatchEvaluator = _worker["evaluator"]
    counter = _worker["counter"]
    before = (ev.inputs, ev.errors, len(ev.error_lines))
    pending = 0
    with open(out_path, "wb", buffering=COPY_BUFFER) as out:
        for result in evaluate_lines(_read_range(path, start, end), ev.packs, first_line=first_line, evaluator=ev):
            out.write(result)
            out.write(b"\n")
            pending += 1
            if pending == PROGRESS_EVERY:
                with counter.get_lock():
                    counter.value += pending
                pending = 0
    with counter.get_lock():
        counter.value += pending
    lines = ev.error_lines[before[2]:]
    del ev.error_lines[before[2]:]  # the worker keeps no list that grows with the input
    return ev.inputs - before[0], ev.errors - before[1], lines


def _parallel(path: Path, out: IO[bytes], pack: str | list[str], at: datetime | str, workers: int, explain: bool,
              id_field: str, source: str, scratch: Path, progress: Progress | None, stops: Stops) -> BatchSummary:
    size = path.stat().st_size
    parts = max(1, min(max(workers * RANGES_PER_WORKER, -(-size // MAX_RANGE_BYTES)), size // MIN_RANGE_BYTES))
    ranges = line_ranges(path, parts)
    # spawn: a worker starts clean (no copied locks or durable-rules state) on every platform
    ctx = multiprocessing.get_context("spawn")
    summary = BatchSummary(workers=workers)
    # Every change to the pool (made, given work, which starts its processes and manager thread, shut down)
    # is held from stops: one raised half way leaves it unable to end cleanly (see batchstops).
    pool: ProcessPoolExecutor | None = None
    try:
        with stops.held():
            # The counter's lock starts multiprocessing's resource tracker if it is not running, which lifts
            # the calling thread's signal mask: the workers' mask (spawns) is set after it.
            counter = ctx.Value("q", 0)
            pool = ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=ctx,
                                       initializer=_start_worker,
                                       initargs=(pack, at, explain, id_field, source, counter))
            with stops.held(spawns=True):
                counting = [pool.submit(_count_lines, str(path), a, b) for a, b in ranges]
        counts = [f.result() for f in counting]
        total = sum(counts)
        firsts = [1 + sum(counts[:k]) for k in range(len(ranges))]
        outs = [scratch / f"range-{k}.jsonl" for k in range(len(ranges))]
        with stops.held(spawns=True):
            futures: list[Future[tuple[int, int, list[int | None]]]] = [
                pool.submit(_run_range, str(path), a, b, firsts[k], str(outs[k])) for k, (a, b) in enumerate(ranges)]
        written = 0
        while written < len(futures):
            stops.check()
            # Only the next range in order can be written: waiting on any range spun this loop (a
            # whole core on a 2-core machine) whenever a later range finished first.
            wait([futures[written]], timeout=PROGRESS_SECONDS)
            while written < len(futures) and futures[written].done():
                summary.add(*futures[written].result())  # a worker's crash surfaces here
                _append(outs[written], out)
                outs[written].unlink()
                written += 1
            if progress is not None:
                progress(counter.value, total)
    except BaseException:
        if pool is not None:
            with stops.held(stopping=True):
                _end_workers(pool)
        raise
    assert pool is not None  # made, or the try raised
    with stops.held():
        pool.shutdown(wait=True)
    if progress is not None:
        progress(summary.inputs, summary.inputs)
    return summary


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stopped (Ctrl-C, SIGTERM) or failed: the workers are ended where they are, not left to finish their
    ranges (seconds each) whose results would be thrown away; the pool has seen them end when this returns,
    so none is left behind, nor writing into the scratch folder as it is removed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the pool's own record, as Python 3.14's terminate_workers
    for process in processes:
        with contextlib.suppress(OSError, ValueError):  # already gone, or already joined and closed
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
