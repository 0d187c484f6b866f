"""CLI commands for delivery: `followup plugins`, `followup outbox list|retry|drop`, and --to reporting."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..channels import ChannelOptionError
from ..delivery import EXIT_DELIVERY_FAILED, DeliveryResult, retry_outbox
from ..engine import Engine
from ..facts import Facts
from ..outbox import Outbox
from ..pluginmanager import describe_plugins
from ..results import Advice
from .base import InputFailure, cli, engine_from, failing_input

_QUIET = {"standard output", "terminal"}


def _report(results: list[DeliveryResult], box: Outbox) -> bool:
    """One line per channel on stderr (stdout stays the advice); True if all went."""
    for r in results:
        if r.status == "failed":
            click.secho(f"✗ {r.target}: {r.detail}", fg="red", err=True)
            if r.outbox_id and r.permanent:
                click.echo(f"  kept in the outbox ({box.path}, entry {r.outbox_id}), marked permanent: it will not "
                           f"pass by retrying, so `followup outbox retry` skips it; fix the cause and run "
                           f"`followup outbox retry {r.outbox_id}`, or `followup outbox drop {r.outbox_id}`", err=True)
            elif r.outbox_id:
                click.echo(f"  kept in the outbox ({box.path}, entry {r.outbox_id}); "
                           "send it later with `followup outbox retry`", err=True)
            if r.undelivered:
                click.echo("  the advice that could not be delivered or kept:\n", err=True)
                click.echo(r.undelivered, err=True)
        elif r.status == "skipped":
            click.echo(f"- {r.target}: skipped, {r.detail}", err=True)
        elif r.detail not in _QUIET:
            click.echo(f"✓ {r.target}: {r.detail}", err=True)
        if r.warning:
            click.secho(f"  warning: {r.warning}", fg="yellow", err=True)
    return all(r.ok for r in results)


def deliver_advice(ctx: click.Context, engine: Engine, advice: Advice, to: list[str], *, facts: Facts, explain: bool,
                   resend: bool, outbox: str | None) -> None:
    """Deliver from `followup advise`; exit 2 on a bad --to, 3 if a channel failed."""
    box = Outbox(outbox)
    try:
        results = engine.deliver(advice, to, facts=facts, explain=explain, resend=resend, outbox=box.path,
                                 stdout=sys.stdout)
    except ChannelOptionError as exc:
        raise InputFailure(exc) from None
    if not _report(results, box):
        ctx.exit(EXIT_DELIVERY_FAILED)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
@failing_input
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List loaded plugins: their hooks, versions, and the channels and packs they register."""
    engine = engine_from(ctx)
    engine.channels()  # a clash between two plugins' channel names is reported here (exit 2)
    rows = describe_plugins(engine.pm)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        origin = "built-in" if r["builtin"] else f"{r['distribution']} {r['version']}".strip() or "registered in code"
        click.echo(click.style(r["name"], bold=True) + f"  ({origin})")
        click.echo(f"  hooks: {', '.join(r['hooks']) or '-'}")
        for ch in r["channels"]:
            arg, _, arg_note = (ch["arg"] or "").partition(" ")
            usage = ch["name"] + ((f":{arg}" if ch.get("arg_required") else f"[:{arg}]") if arg else "")
            click.echo(f"  channel {usage}  {ch['description']}")
            if arg_note:
                note = arg_note[1:-1] if arg_note.startswith("(") and arg_note.endswith(")") else arg_note
                click.echo(f"      {arg}  {note}")
            for key, text in ch["options"].items():
                click.echo(f"      {key}=  {text}")
        for p in r["packs"]:
            click.echo(f"  packs: {p}")


@cli.group()
def outbox() -> None:
    """Advice a channel failed to deliver, kept until `followup outbox retry` sends it."""


def _outbox_option(fn: Any) -> Any:
    return click.option("--outbox", "path", type=click.Path(dir_okay=False), default=None, envvar="FOLLOWUP_OUTBOX",
                        help="Outbox file [default: $FOLLOWUP_HOME/outbox.json].")(fn)


@outbox.command("list")
@_outbox_option
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@failing_input
def outbox_list(path: str | None, as_json: bool) -> None:
    """Show what is waiting in the outbox."""
    box = Outbox(path)
    entries = box.entries()
    if as_json:
        click.echo(json.dumps([{k: v for k, v in e.__dict__.items() if k not in ("advice", "facts", "marks")} |
                               {"actions": e.actions} for e in entries], indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo(f"The outbox is empty ({box.path}).")
        return
    click.echo(f"{len(entries)} waiting in {box.path}:")
    for e in entries:
        a = e.advice
        click.echo(f"  {e.id}  {e.target}  {e.actions} actions for {a.get('position')} at "
                   f"{a.get('company')}; {e.attempts} attempt{'s' if e.attempts != 1 else ''}, last {e.last_attempt}")
        if e.state == "sending":
            click.echo("      written ahead of a send that has not finished (a run was stopped mid-send, or is "
                       "sending now): the next run sends it once more with the same idempotency key")
        if e.last_error:
            click.echo(f"      last error: {e.last_error}")
        if e.permanent:
            click.echo(f"      permanent: not retried automatically; fix it, then `followup outbox retry {e.id}`, "
                       f"or `followup outbox drop {e.id}`")


def _known_ids(box: Outbox, ids: tuple[str, ...]) -> None:
    known = {e.id for e in box.entries()}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)} not in the outbox; see `followup outbox list`", param_hint="IDS")


@outbox.command("retry")
@_outbox_option
@click.option("--all", "everything", is_flag=True,
              help="Also retry entries marked permanent (whose last failure will not pass by itself).")
@click.argument("ids", nargs=-1)
@click.pass_context
@failing_input
def outbox_retry(ctx: click.Context, path: str | None, everything: bool, ids: tuple[str, ...]) -> None:
    """Send what is in the outbox again (all entries but those marked permanent, or the IDS given); exit 3 if some
    still fail."""
    box = Outbox(path)
    engine = engine_from(ctx)
    _known_ids(box, ids)
    done = retry_outbox(engine.channels(), outbox=box, ids=ids, everything=everything, stdout=sys.stdout, pm=engine.pm)
    if not done:
        click.echo(f"Nothing to retry: the outbox is empty ({box.path}).", err=True)
        return
    ok = _report([r for _, r in done], box)
    left = len(box.entries())
    parked = sum(1 for _, r in done if r.status == "skipped" and r.permanent)
    tried = [r for _, r in done if not (r.status == "skipped" and r.permanent)]
    done_elsewhere = sum(1 for r in tried if r.status == "skipped")
    click.echo(f"{sum(1 for r in tried if r.status == 'delivered')} delivered, "
               f"{sum(1 for r in tried if not r.ok)} still failing"
               + (f", {done_elsewhere} already delivered" if done_elsewhere else "")
               + (f", {parked} marked permanent not retried (--all tries them)" if parked else "")
               + f"; {left} left in the outbox.", err=True)
    if not ok:
        ctx.exit(EXIT_DELIVERY_FAILED)


@outbox.command("drop")
@_outbox_option
@click.option("--permanent", is_flag=True, help="Drop every entry marked permanent.")
@click.option("--all", "everything", is_flag=True, help="Empty the outbox.")
@click.argument("ids", nargs=-1)
@failing_input
def outbox_drop(path: str | None, permanent: bool, everything: bool, ids: tuple[str, ...]) -> None:
    """Remove entries from the outbox without sending them: the IDS given, --permanent or --all."""
    if not (ids or permanent or everything):
        raise click.UsageError("say what to drop: entry IDS (see `followup outbox list`), --permanent or --all")
    box = Outbox(path)
    _known_ids(box, ids)
    gone = box.drop(ids, permanent=permanent, everything=everything)
    for e in gone:
        a = e.advice
        click.echo(f"dropped {e.id}  {e.target}  {len(a.get('actions', []))} actions for {a.get('position')} at "
                   f"{a.get('company')} (last error: {e.last_error})", err=True)
    click.echo(f"{len(gone)} dropped; {len(box.entries())} left in {box.path}.", err=True)
