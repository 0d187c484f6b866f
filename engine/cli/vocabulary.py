"""`followup sources`, `followup facts`, `followup actions`: what a pack author can use, with meanings."""

from __future__ import annotations

import json
import textwrap

import click

from .base import cli

__all__ = ["sources", "facts", "actions"]


def _width() -> int:
    from ..render import output_width

    return output_width()


def _entry(name: str, text: str, column: int = 24) -> None:
    """`name` then `text` wrapped beside it (or under it when the name is long); never split inside a word."""
    width = _width()
    first = f"  {name:<{column - 2}}" if len(name) < column - 3 else f"  {name}\n" + " " * column
    click.echo(textwrap.fill(text, width=width, initial_indent=first, subsequent_indent=" " * column,
                             break_long_words=False, break_on_hyphens=False))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def sources(as_json: bool) -> None:
    """The articles packs cite and the advice items drawn from them (cite as {article: KEY, items: [ID]})."""
    from ..sources import library

    lib = library()
    if as_json:
        click.echo(json.dumps({"articles": {k: {"title": a.title, "publisher": a.publisher} for k, a in lib.articles.items()},
                               "items": {k: {"summary": i.summary, "articles": list(i.articles)}
                                         for k, i in lib.items.items()}}, indent=2, ensure_ascii=False))
        return
    click.secho("Articles (`article:` in a rule's sources)", bold=True)
    for key, a in lib.articles.items():
        _entry(key, f"{a.title} ({a.publisher})")
    click.secho("\nAdvice items (`items:`), each with the articles that give it", bold=True)
    for key, item in lib.items.items():
        _entry(key, f"{item.summary} [{', '.join(item.articles)}]", column=6)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def facts(as_json: bool) -> None:
    """The facts a rule's `when` can test: type, values and meaning."""
    from ..catalogue import FACTS

    if as_json:
        click.echo(json.dumps([{"name": f.name, "type": f.type, "values": list(f.values), "may_be_absent": f.nullable,
                                "description": f.description} for f in FACTS.values()], indent=2, ensure_ascii=False))
        return
    click.secho("Facts a condition can test (`when: {FACT: VALUE}` or `{FACT: {op: VALUE}}`)", bold=True)
    for f in FACTS.values():
        kind = {"bool": "true/false", "int": "whole number", "number": "number"}.get(f.type) or " | ".join(f.values)
        _entry(f.name, f"{f.description} ({kind}{'; may be absent' if f.nullable else ''})", column=34)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def actions(as_json: bool) -> None:
    """What a rule can recommend: action kinds, targets, channels, priorities and due-time anchors."""
    from ..catalogue import ACTIONS, ANCHORS, CHANNELS, PRIORITIES, TARGETS

    if as_json:
        click.echo(json.dumps({
            "actions": [{"kind": a.kind, "label": a.label, "avoid_label": a.avoid_label, "channels": list(a.channels),
                         "advice_items": list(a.advice_items)} for a in ACTIONS.values()],
            "targets": TARGETS, "channels": list(CHANNELS), "priorities": PRIORITIES, "anchors": list(ANCHORS)},
            indent=2, ensure_ascii=False))
        return
    click.secho("Actions (`action:`), with their channels and the advice items behind them", bold=True)
    for a in ACTIONS.values():
        _entry(a.kind, f"{a.label.replace('{who}', 'WHO')}; avoid: {a.avoid_label.replace('{who}', 'WHO')}. "
                       f"Channels: {', '.join(a.channels)}. Items: {', '.join(a.advice_items)}", column=24)
    click.secho("\nTargets (`target:`)", bold=True)
    for key, text in TARGETS.items():
        _entry(key, text)
    click.secho("\nChannels (`channel:`)", bold=True)
    _entry("", ", ".join(CHANNELS) + " (none: a task with no message)", column=2)
    click.secho("\nPriorities (`priority:`)", bold=True)
    _entry("", ", ".join(f"{k} ({v} points)" for k, v in PRIORITIES.items()), column=2)
    click.secho("\nDue-time anchors (`due: {from: ANCHOR}`), with the fact each needs", bold=True)
    for key, needs in ANCHORS.items():
        _entry(key, f"[{needs}]" if needs else "always known")
