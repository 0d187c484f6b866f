"""`followup agenda`: every case in a folder at one moment, overdue first."""

from __future__ import annotations

import sys

import click

from .base import cli, engine_from, failing_input

__all__ = ["agenda"]


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--at", "at", default=None, metavar="WHEN",
              help="The moment of the agenda [default: now]; e.g. 'tomorrow 8:00' or ISO 8601.")
@click.option("--pack", "-p", default="conservative", show_default=True,
              help="Pack for cases whose file has no `# pack:` line.")
@click.option("--timezone", "zone", default=None, help="Zone the days are counted in [default: this machine's].")
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True, help="How far 'this week' reaches.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html", "ics"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of printing.")
@click.option("--to", "to", multiple=True, metavar="CHANNEL[:ARG]",
              help="Also send each case's open actions as a digest (email[:ADDRESS], webhook:URL, ...); exit 3 if "
                   "one fails.")
@click.option("--outbox", "outbox", type=click.Path(dir_okay=False), default=None, envvar="FOLLOWUP_OUTBOX",
              help="Outbox file keeping undelivered digests [default: $FOLLOWUP_HOME/outbox.json].")
@click.pass_context
@failing_input
def agenda(ctx: click.Context, paths: tuple[str, ...], at: str | None, pack: str, zone: str | None, days: int,
           fmt: str, output: str | None, to: tuple[str, ...], outbox: str | None) -> None:
    """What is overdue, due today and coming this week across every case in PATHS (folders or facts files;
    default: this folder), grouped by day and case.

    Each case uses the pack its file names in a `# pack: NAME` line, else --pack.
    The numbers work with `followup done N`, `snooze N` and `dismiss N`.
    A case that cannot be read is listed with its error; the others still show.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ..agenda import build_agenda
    from ..agenda_render import agenda_html, agenda_ics, agenda_markdown, agenda_text
    from ..newcase import local_zone
    from ..when import FORMS, WhenError, parse_when
    from ..yamlio import atomic_write
    from .base import color_from

    try:
        tz = ZoneInfo(zone or local_zone())
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{zone!r} is not an IANA time zone, e.g. Europe/London", param_hint="--timezone") from None
    try:
        moment = parse_when(at, tz, direction="future", what="--at") if at else None
    except WhenError:
        raise click.BadParameter(f"{at!r} is not a time; write one of: {FORMS}", param_hint="--at") from None
    engine = engine_from(ctx)
    result = build_agenda(paths or ["."], at=moment, pack=pack, timezone=str(tz), engine=engine, days=days)
    source = "as asked" if at else "now"
    if fmt == "text":
        if output:
            import io

            buf = io.StringIO()
            agenda_text(result, buf, width=80, color=False, source=source)
            atomic_write(output, buf.getvalue())
        else:
            agenda_text(result, sys.stdout, color=color_from(ctx), source=source)
    else:
        body: str | bytes
        if fmt == "markdown":
            body = agenda_markdown(result, source=source)
        elif fmt == "json":
            body = result.to_json() + "\n"
        elif fmt == "html":
            body = agenda_html(result, source=source)
        else:
            body = agenda_ics(result)
        if output:
            atomic_write(output, body)
        elif isinstance(body, bytes):
            sys.stdout.buffer.write(body)
        else:
            click.echo(body, nl=False)
    if output:
        click.echo(f"wrote {output}", err=True)
    if to:
        _send(ctx, engine, result, list(to), outbox)


def _send(ctx: click.Context, engine: object, result: object, to: list[str], outbox: str | None) -> None:
    """Each evaluated case's open actions through the channels, as their digest."""
    from ..agenda import Agenda
    from ..channels import ChannelOptionError
    from ..delivery import EXIT_DELIVERY_FAILED
    from ..engine import Engine
    from ..evaltime import load_with_time
    from ..outbox import Outbox
    from .base import InputFailure
    from .delivery import _report

    assert isinstance(result, Agenda) and isinstance(engine, Engine)
    box = Outbox(outbox)
    ok = True
    for case in result.cases:
        if case.advice is None:
            continue
        facts = load_with_time(case.file).facts
        try:
            results = engine.deliver(case.advice, to, facts=facts, outbox=box.path, stdout=sys.stdout)
        except ChannelOptionError as exc:
            raise InputFailure(exc) from None
        ok = _report(results, box) and ok
    if not ok:
        ctx.exit(EXIT_DELIVERY_FAILED)
