"""The `followup` command: a thin click layer over the library."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, TypeVar

import click

from . import __version__
from .engine import Engine, coerce_facts
from .errors import FollowupError, InputError, PackNotFound, PluginError

F = TypeVar("F", bound=Callable[..., Any])


class InputFailure(click.ClickException):
    """Bad input: every problem, located, with its fix; exit 2."""

    exit_code = 2

    def __init__(self, error: FollowupError) -> None:
        super().__init__(str(error))

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


def engine_from(ctx: click.Context) -> Engine:
    obj = ctx.ensure_object(dict)
    if "engine" not in obj:
        try:
            obj["engine"] = Engine()
        except PluginError as exc:
            raise InputFailure(exc) from None
    return obj["engine"]


def failing_input(fn: F) -> F:
    """Turn library errors into located CLI errors (exit 2) instead of tracebacks."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InputError, PackNotFound, PluginError) as exc:
            raise InputFailure(exc) from None

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="followup")
def cli() -> None:
    """Ranked next actions after a job interview, under the advice style of your choice."""


@cli.command()
@click.argument("facts", type=str)
@click.option("--pack", "-p", default="conservative", show_default=True, help="Pack name or path to a pack file.")
@click.option("--at", "at", default=None, help="Evaluation time, ISO 8601 (default: now). Without an offset it is read in the company's time zone.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default=None,
              help="Print as text (default), json or markdown: short for --to terminal|json|markdown.")
@click.option("--to", "to", multiple=True, metavar="CHANNEL[:ARG][,key=value]",
              help="Deliver to a channel; repeat for several (terminal, json, markdown, ics:FILE, email[:ADDRESS], "
                   "webhook:URL, drafts[:DIR], ...: see `followup plugins`). Exit 3 if one fails.")
@click.option("--resend", is_flag=True, help="Send again what email/webhook channels already delivered.")
@click.option("--outbox", "outbox", type=click.Path(dir_okay=False), default=None, envvar="FOLLOWUP_OUTBOX",
              help="Outbox file keeping undelivered advice [default: $FOLLOWUP_HOME/outbox.json].")
@click.option("--explain", is_flag=True, help="Show which conditions held, with the values they saw.")
@click.pass_context
@failing_input
def advise(ctx: click.Context, facts: str, pack: str, at: str | None, fmt: str | None, to: tuple[str, ...],
           resend: bool, outbox: str | None, explain: bool) -> None:
    """Rank what to do next for the interview described in FACTS (YAML or JSON file, - for stdin)."""
    from .cli_delivery import deliver_advice

    engine = engine_from(ctx)
    facts_obj = coerce_facts(facts)
    advice = engine.advise(facts_obj, pack, at, explain=explain)
    targets = ([{"text": "terminal", "json": "json", "markdown": "markdown"}[fmt]] if fmt else []) + list(to)
    deliver_advice(ctx, engine, advice, targets or ["terminal"], facts=facts_obj, explain=explain, resend=resend,
                   outbox=outbox)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
@failing_input
def packs(ctx: click.Context, as_json: bool) -> None:
    """List the packs that can be used with --pack."""
    engine = engine_from(ctx)
    rows = []
    for name, path in engine.pack_paths().items():
        cp = engine.load_pack(path)
        p = cp.file.pack
        rows.append({"name": name, "title": p.title, "version": p.version, "summary": p.summary,
                     "rules": len(p.rules), "path": str(path)})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['name']:<16} {r['title']} (v{r['version']}, {r['rules']} rules)")
        click.echo(f"{'':<16} {r['summary']}")


def main() -> None:
    cli(prog_name="followup")


# Commands kept in their own modules register themselves on `cli` when imported.
from . import cli_delivery  # noqa: E402,F401  (followup plugins, followup outbox)
