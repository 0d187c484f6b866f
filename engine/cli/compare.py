"""`followup compare` and `followup plan`: thin click commands over followup.comparison / followup.planning."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO

import click

from ..casefiles import case_at
from ..compare_explain import plan_changes
from ..compare_render import (
    comparison_html,
    comparison_markdown,
    comparison_text,
    corpus_html,
    corpus_markdown,
    corpus_text,
    plan_html,
    plan_markdown,
    plan_text,
)
from ..comparison import compare as compare_packs
from ..corpus_compare import compare_corpus
from ..engine import resolve_at
from ..facts import Facts, load_facts
from ..planning import plan as plan_packs
from ..whatif import apply_changes
from ..yamlio import atomic_write
from .base import cli, color_from, engine_from, failing_input
from .explaining import (
    WHAT_IF_HELP,
    compare_explained,
    compare_extras_text,
    extras_json,
    plan_changes_html,
    plan_changes_text,
)

__all__ = ["compare", "plan"]


def _pack_list(packs: str | None, pack: str | None = None) -> list[str] | None:
    if pack and packs:
        raise click.UsageError("give --pack or --packs, not both")
    if pack:
        return [pack]
    if packs is None:
        return None
    names = [p.strip() for p in packs.split(",")]
    if not all(names):
        raise click.BadParameter(f"{packs!r} has an empty pack name; write e.g. conservative,proactive",
                                 param_hint="--packs")
    return names


def _facts_and_time(path: str, given: str | None) -> tuple[Facts, datetime | str | None]:
    """The facts, and the time to use: --at/--from if given, else the file's `# at:` line, else now."""
    facts = load_facts(path)
    if given is not None:
        return facts, given
    return facts, (case_at(path, facts) if path != "-" else None)


def _emit(text: str | bytes, output: str | None) -> None:
    if output:
        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        raise click.UsageError("binary output needs a file: add --output FILE")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@cli.command()
@click.argument("facts", required=False)
@click.option("--packs", default=None, help="Comma-separated pack names or paths (default: every known pack).")
@click.option("--at", "at", default=None,
              help="Evaluation time, ISO 8601 (default: the file's `# at:` line, else now).")
@click.option("--corpus", type=click.Path(file_okay=False), default=None,
              help="Compare over every fact file in this folder (each with a `# at:` line) instead of one file.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", "-o", default=None, help="Write to this file instead of standard output.")
@click.option("--what-if", "what_if", multiple=True, metavar="PATH=VALUE", help=WHAT_IF_HELP)
@click.option("--explain", is_flag=True, help="Also say why a pack gives nothing where another gives something, and "
                                              "which unknown facts matter (the HTML page always does).")
@click.pass_context
@failing_input
def compare(ctx: click.Context, facts: str | None, packs: str | None, at: str | None, corpus: str | None,
            fmt: str, output: str | None, what_if: tuple[str, ...], explain: bool) -> None:
    """Compare what each pack advises for FACTS, side by side, marking where they disagree.

    With --corpus DIR, compare the packs over every case in DIR: how often they agree on the top
    action, their rank correlation, actions only one pack gives, the cases they disagree on most.
    """
    if (facts is None) == (corpus is None):
        raise click.UsageError("give either FACTS or --corpus DIR")
    engine = engine_from(ctx)
    chosen = _pack_list(packs)
    if corpus is not None:
        if at is not None:
            raise click.UsageError("--at does not apply to --corpus: each case file gives its time in a `# at:` line")
        result = compare_corpus(corpus, chosen, engine=engine)
        if fmt == "json":
            _emit(result.to_json() + "\n", output)
        elif fmt == "markdown":
            _emit(corpus_markdown(result), output)
        elif fmt == "html":
            _emit(corpus_html(result), output)
        else:
            _text(lambda f: corpus_text(result, file=f, color=color_from(ctx)), output)
        return
    assert facts is not None
    original, when = _facts_and_time(facts, at)
    f = original
    if what_if:
        when = resolve_at(when, original)
        f = apply_changes(original, what_if, when)[0]
    comparison = compare_packs(f, chosen, when, engine=engine)
    specs: list[str | Path] = list(chosen) if chosen else list(engine.pack_paths().values())
    extras = compare_explained(engine, original, f, comparison, specs, what_if, explain or fmt == "html")
    if fmt == "json":
        _emit(extras_json({"comparison": comparison.model_dump(mode="json")}, extras) if extras
              else comparison.to_json() + "\n", output)
    elif fmt == "markdown":
        _emit(comparison_markdown(comparison) + ("\n```text\n" + compare_extras_text(extras) + "```\n" if extras else ""),
              output)
    elif fmt == "html":
        _emit(comparison_html(comparison, missing=extras.get("why_not", ()), what_ifs=extras.get("what_if", ()),
                              needs=extras.get("needs_info", ())), output)
    else:
        def write(fh: IO[str]) -> None:
            comparison_text(comparison, file=fh, color=color_from(ctx))
            if extras:
                fh.write("\n" + compare_extras_text(extras))

        _text(write, output)


def _text(write: Callable[[IO[str]], None], output: str | None) -> None:
    if output:
        import io

        buf = io.StringIO()
        write(buf)
        _emit(buf.getvalue(), output)
    else:
        write(sys.stdout)


@cli.command()
@click.argument("facts")
@click.option("--pack", "-p", default=None, help="One pack, by name or path.")
@click.option("--packs", default=None, help="Comma-separated pack names or paths (default: every known pack).")
@click.option("--days", type=click.IntRange(min=1, max=366), default=21, show_default=True,
              help="How many days ahead to simulate.")
@click.option("--from", "start", default=None,
              help="Start of the simulation, ISO 8601 (default: the file's `# at:` line, else now).")
@click.option("--replies", default="none", show_default=True,
              help="Simulated answers: none, or KIND@DAY[,KIND@DAY...] with KIND offer|rejection|second_round|update "
                   "and DAY a day number after the interview (answer at 10:00) or an ISO date/time.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html", "svg", "png"]),
              default="text", show_default=True)
@click.option("--output", "-o", default=None, help="Write to this file (needed for png).")
@click.option("--what-if", "what_if", multiple=True, metavar="PATH=VALUE", help=WHAT_IF_HELP)
@click.pass_context
@failing_input
def plan(ctx: click.Context, facts: str, pack: str | None, packs: str | None, days: int, start: str | None,
         replies: str, fmt: str, output: str | None, what_if: tuple[str, ...]) -> None:
    """Simulate following each pack for the days ahead and show the dated plan.

    Each moment the pack is asked what to do, what is due is assumed done, and by default nobody answers.
    Exit status 1 if a pack's plan gets stuck (an action stays due after it was done).
    """
    if fmt == "png" and not output:
        raise click.UsageError("--format png needs --output FILE.png")
    engine = engine_from(ctx)
    f, when = _facts_and_time(facts, start)
    changes = []
    if what_if:
        when = resolve_at(when, f)
        before = plan_packs(f, _pack_list(packs, pack), when, days, replies, engine=engine)
        f = apply_changes(f, what_if, when)[0]
    result = plan_packs(f, _pack_list(packs, pack), when, days, replies, engine=engine)
    if what_if:
        changes = plan_changes(before, result)
    if fmt == "json" and what_if:
        _emit(extras_json(json.loads(result.to_json()), {"what_if": changes}), output)
    elif fmt == "json":
        _emit(result.to_json() + "\n", output)
    elif fmt == "markdown":
        _emit(plan_markdown(result), output)
    elif fmt in ("html", "svg", "png"):
        from ..timeline import render_png, render_svg

        if fmt == "png":
            _emit(render_png(result), output)
        elif fmt == "svg":
            _emit(render_svg(result), output)
        else:
            page = plan_html(result, render_svg(result))
            if what_if:
                page = page.replace("</body>", plan_changes_html(what_if, changes) + "</body>")
            _emit(page, output)
    else:
        def write(fh: IO[str]) -> None:
            plan_text(result, file=fh, color=color_from(ctx))
            if what_if:
                fh.write("\n" + plan_changes_text(what_if, changes))

        _text(write, output)
    if result.stuck:
        for lane in result.stuck:
            click.echo(f"Error: the {lane.pack.name} plan got stuck on day {lane.end.day}: {lane.end.message}", err=True)
        ctx.exit(1)
