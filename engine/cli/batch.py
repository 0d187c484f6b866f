"""`followup batch`: JSON Lines of facts in, one result line per input out."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import click

from .base import cli, engine_from, failing_input


@cli.command()
@click.argument("source", metavar="IN.jsonl", type=str)
@click.option("--output", "-o", default="-", show_default=True, metavar="OUT.jsonl",
              help="Where the result lines go (- for standard output). A file is replaced only when the batch completes.")
@click.option("--pack", "-p", default=None, help="Pack name or path [default: conservative].")
@click.option("--packs", default=None, metavar="P1,P2,...",
              help="Several packs: each result carries the advice of each, keyed by pack name.")
@click.option("--at", "at", default=None,
              help="Evaluation time, ISO 8601, for inputs that give none (default: now, read once for the whole batch).")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: the CPUs available; inputs under 1 MiB run in this process].")
@click.option("--explain", is_flag=True, help="Add the because-trace to every action.")
@click.option("--id-field", default="id", show_default=True,
              help="Top-level field of a facts line echoed as the result's `id` (and not validated as a fact).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar with rate and ETA on standard error [default: when it is a terminal].")
@click.pass_context
@failing_input
def batch(ctx: click.Context, source: str, output: str, pack: str | None, packs: str | None, at: str | None,
          workers: int | None, explain: bool, id_field: str, progress: bool | None) -> None:
    """Evaluate every line of IN.jsonl (- for stdin): one JSON result line per input, in input order.

    A line is the facts as one JSON object, or {"facts": {...}, "id": ..., "at": ...}. A result line is
    {"line": N, "id": ..., "ok": true, "advice": {...}}, or "ok": false with the located "problems"
    (line number, field path, fix): a bad line never stops the batch.

    Exit 0: every input evaluated. 1: some inputs were errors (see their result lines). 2: bad options,
    pack or file. Stopped by Ctrl-C or SIGTERM: 130 or 143, and an output file is left as it was.
    """
    from ..batchfile import run_batch

    if pack is not None and packs is not None:
        raise click.UsageError("give --pack or --packs, not both")
    chosen: str | list[str] = [p.strip() for p in packs.split(",") if p.strip()] if packs else (pack or "conservative")
    if source != "-" and not os.path.isfile(source):
        raise click.BadParameter(f"no file at {source}: check the path (or give - for standard input)",
                                 param_hint="IN.jsonl")
    if output != "-" and os.path.isdir(output):
        raise click.BadParameter(f"{output} is a folder: give a file name", param_hint="--output")
    show = sys.stderr.isatty() if progress is None else progress
    with _bar(show) as bar, _stopped_cleanly(output):
        summary = run_batch(source, output, chosen, at, workers=workers, explain=explain, id_field=id_field,
                            engine=engine_from(ctx), progress=bar)
    rate = summary.inputs / summary.seconds if summary.seconds else 0.0
    text = (f"{summary.inputs} input{'s' * (summary.inputs != 1)}: {summary.inputs - summary.errors} evaluated, "
            f"{summary.errors} error{'s' * (summary.errors != 1)} in {summary.seconds:.1f} s ({rate:,.0f}/s)")
    if summary.errors:
        lines = ", ".join(str(n) for n in summary.error_lines[:10])
        more = " ..." if summary.errors > 10 else ""
        text += f"; errors at line{'s' * (summary.errors != 1)} {lines}{more} (their result lines say why)"
    click.echo(text, err=True)
    ctx.exit(1 if summary.errors else 0)


class _Stopped(BaseException):
    """Ctrl-C or SIGTERM: a BaseException, so that no `except Exception` on the way takes it for an error."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopped_cleanly(output: str) -> Iterator[None]:
    """Ctrl-C and SIGTERM (a stopped job, a cron timeout) end the batch the same way: its worker processes,
    the scratch folder (which can hold gigabytes of range results) and the unfinished output file are
    removed on the way out (run_batch), then one line says so and the exit status is 128 + the signal's
    number, as a shell reports a process the signal ended."""
    caught = [False]

    def stop(signum: int, frame: object) -> None:
        if not caught[0]:  # once the stop is done, a second Ctrl-C has nothing left to stop
            raise _Stopped(signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = _identity(output)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped as stopped:
        caught[0] = True  # first, and without a call (no handler runs before it)
        name = signal.Signals(stopped.signum).name
        if output == "-":
            where = "the results written before it are on standard output"
        elif _identity(output) != before:  # the stop came as the batch ended, after the output was in place
            where = f"{output} was written: the batch had completed"
        else:
            where = f"{output} was not written (it is replaced only when a batch completes)"
        click.echo(f"batch stopped by {name}: {where}", err=True)
        raise SystemExit(128 + stopped.signum) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _identity(path: str) -> tuple[int, int] | None:
    """Which file is at `path` (a completed batch puts a new one there), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class _bar:
    """A rich progress bar on standard error (lines, rate, ETA), or nothing."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True)
        self.progress.__enter__()
        self.task = self.progress.add_task("batch", total=None, rate="-")
        return self.update

    def update(self, done: int, total: int | None) -> None:
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, completed=done, total=total, rate=f"{speed:,.0f}" if speed else "-")

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)
