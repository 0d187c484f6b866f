"""`followup advise` and `followup packs`."""

from __future__ import annotations

import json

import click

from ..errors import InputError, PackNotFound
from .base import cli, color_from, engine_from, failing_input, with_color
from .explaining import (
    WHAT_IF_HELP,
    AdviseCommand,
    explain_options_given,
    print_explanations,
    print_needs_info_hint,
)


@cli.command(cls=AdviseCommand)
@click.argument("facts", type=str)
@click.option("--pack", "-p", default=None, help="Pack name or path to a pack file [default: the file's `# pack:` "
                                                  "line, else conservative].")
@click.option("--at", "at", default=None, help="Evaluation time: ISO 8601 or e.g. 'now', 'tomorrow 9:00' (default: the "
                   "file's `# at:` line, else now). Without an offset it is read in the company's time zone.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default=None,
              help="Print as text (default), json or markdown: short for --to terminal|json|markdown.")
@click.option("--to", "to", multiple=True, metavar="CHANNEL[:ARG][,key=value]",
              help="Deliver to a channel; repeat for several (terminal, json, markdown, ics:FILE, email[:ADDRESS], "
                   "webhook:URL, drafts[:DIR], ...: see `followup plugins`). Exit 3 if one fails.")
@click.option("--resend", is_flag=True, help="Send again what email/webhook channels already delivered.")
@click.option("--outbox", "outbox", type=click.Path(dir_okay=False), default=None, envvar="FOLLOWUP_OUTBOX",
              help="Outbox file keeping undelivered advice [default: $FOLLOWUP_HOME/outbox.json].")
@click.option("--explain", is_flag=True, help="Show which conditions held, with the values they saw; "
                                               "--explain=all lists every rule: fired, lost in ranking or not, and why.")
@click.option("--explain-all", is_flag=True, hidden=True)
@click.option("--why-not", "why_not", multiple=True, metavar="RULE|ACTION",
              help="Why the pack does not propose this (a rule id, an action kind, or a channel such as call): "
                   "the failing conditions with their values, nearest miss first. Repeatable.")
@click.option("--what-if", "what_if", multiple=True, metavar="PATH=VALUE", help=WHAT_IF_HELP)
@click.option("--needs-info", "needs_info", is_flag=True,
              help="List the unknown facts whose answer would most change the advice, each with the question to ask.")
@click.option("--all", "show_all", is_flag=True, help="Also list what you marked done, snoozed or dismissed.")
@click.pass_context
@failing_input
def advise(ctx: click.Context, facts: str, pack: str | None, at: str | None, fmt: str | None, to: tuple[str, ...],
           resend: bool, outbox: str | None, explain: bool, explain_all: bool, why_not: tuple[str, ...],
           what_if: tuple[str, ...], needs_info: bool, show_all: bool) -> None:
    """Rank what to do next for the interview described in FACTS (YAML or JSON file, - for stdin).

    The actions are numbered: `followup done N`, `snooze N --until WHEN` and
    `dismiss N` act on those numbers.
    """
    from ..evaltime import evaluation_time, load_with_time
    from ..setaside import State, apply_set_aside, case_key, shown_lines
    from .delivery import deliver_advice

    engine = engine_from(ctx)
    loaded = load_with_time(facts)
    facts_obj = loaded.facts
    pack = pack or loaded.pack or "conservative"
    when = evaluation_time(at, facts_obj, loaded.file_time)
    advice = engine.advise(facts_obj, pack, when, explain=explain)
    if explain_options_given(why_not, explain_all, what_if, needs_info):
        if to:
            raise click.UsageError("--why-not, --what-if, --needs-info and --explain=all print their answer: leave out --to")
        print_explanations(engine, facts_obj, pack, advice, fmt, why_not, explain_all, what_if, needs_info)
        return
    if facts != "-":
        state = State()
        advice = apply_set_aside(advice, state.set_aside(facts), show_all=show_all)
        try:
            if advice.actions:
                state.remember(shown_lines(advice, case_key(facts)))
            else:
                state.remember_empty([case_key(facts)])
        except OSError as exc:  # the advice matters more than its numbers: show it, say what is lost
            click.echo(f"warning: cannot save the numbered list in {state.path} ({exc.strerror or exc}); "
                       "`followup done N` will refer to an earlier list", err=True)
    targets = ([{"text": "terminal", "json": "json", "markdown": "markdown"}[fmt]] if fmt else []) + list(to)
    deliver_advice(ctx, engine, advice, with_color(targets or ["terminal"], color_from(ctx)), facts=facts_obj, explain=explain, resend=resend,
                   outbox=outbox)
    if not to and fmt in (None, "text"):
        print_needs_info_hint(engine, facts_obj, pack, advice)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
@failing_input
def packs(ctx: click.Context, as_json: bool) -> None:
    """List the packs --pack can name: where each comes from, and which one shadows another.

    Search order: FOLLOWUP_PACKS_PATH folders, installed plugins, built-ins.
    """
    from ..discovery import as_rows, env_problems

    engine = engine_from(ctx)
    for problem in env_problems():
        click.echo(f"warning: {problem}", err=True)
    rows = as_rows(engine.pack_locations())
    for r in rows:
        try:
            p = engine.resolve_pack(r["path"]).file.pack
            r.update(title=p.title, version=p.version, summary=p.summary, rules=len(p.rules), extends=p.extends, error=None)
        except (InputError, PackNotFound) as exc:
            first = exc.problems[0] if isinstance(exc, InputError) and exc.problems else exc
            r.update(title=None, version=None, summary=None, rules=0, extends=None,
                     error=f"{first} (run `followup validate {r['path']}`)")
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    import shutil
    import textwrap

    width = min(shutil.get_terminal_size((80, 24)).columns, 100)
    pad = " " * 18

    def say(text: str, first: str = pad) -> None:
        # wrapped at spaces only: names, paths and ids are never split
        for para in text.split("\n"):
            click.echo(textwrap.fill(para, width=width, initial_indent=first, subsequent_indent=pad,
                                     break_long_words=False, break_on_hyphens=False))
            first = pad

    for r in rows:
        if r["error"]:
            say(f"INVALID [{r['source']}]", f"{r['name']:<17} ")
            say(r["error"])
        else:
            extra = f", extends {r['extends']}" if r["extends"] else ""
            rules = f"{r['rules']} rule{'s' * (r['rules'] != 1)}"
            say(f"{r['title']} (v{r['version']}, {rules}{extra}) [{r['source']}]", f"{r['name']:<17} ")
            say(r["summary"] or "")
        click.echo(f"{pad}{r['path']}")  # a path is one word: on its own line, whole
        if r["shadowed_by"]:
            click.echo(f"{pad}! shadowed by {r['shadowed_by']}:")
            say(f"  --pack {r['name']} does not select this one")
        for other in r["shadows"]:
            click.echo(f"{pad}! shadows {other}")
