"""`followup record FACTS ...` and `followup done|snooze|dismiss|restore N`: thin commands over record.py and todo.py."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from .. import record as rec
from .. import todo
from ..when import FORMS
from .base import cli, failing_input

__all__ = ["record", "done", "snooze", "dismiss", "restore"]

_AT = click.option("--at", "at", default=None, metavar="WHEN",
                   help=f"When it happened [default: now]; in the company's time zone unless an offset is given. "
                        f"Forms: {FORMS}.")


def _say(result: rec.Recorded) -> None:
    click.echo(f"{result.path}: recorded {result.summary}")


@cli.group()
@click.argument("facts", type=click.Path(dir_okay=False))
@click.pass_context
def record(ctx: click.Context, facts: str) -> None:
    """Record what happened in the facts file FACTS, keeping its comments and layout.

    \b
      followup record acme.yaml thanked 'Dana Lee' --by email --at 'yesterday 18:40'
      followup record acme.yaml response offer --answer-by friday

    The whole file is checked before it is written: a change that would
    contradict the rest is refused with the located error, and the file is
    left as it was.
    """
    ctx.ensure_object(dict)["record_facts"] = facts


def _command(name: str, help_text: str) -> Callable[[Callable[..., Any]], Any]:
    def wrap(fn: Callable[..., Any]) -> Any:
        @functools.wraps(fn)
        def with_file(*args: Any, **kwargs: Any) -> Any:
            return fn(click.get_current_context().obj["record_facts"], *args, **kwargs)

        with_file.__doc__ = help_text
        return record.command(name)(failing_input(with_file))
    return wrap


@_command("thanked", "A thank-you sent to PERSON (a name in the file).")
@click.argument("person")
@click.option("--by", type=click.Choice(["email", "handwritten", "letter"]), default="email", show_default=True)
@_AT
@click.option("--replace", is_flag=True, help="Replace a thank-you already recorded for PERSON.")
def thanked(facts: str, person: str, by: str, at: str | None, replace: bool) -> None:
    _say(rec.thanked(facts, person, by=by, at=at, replace=replace))


@_command("letter", "The later, more formal follow-up letter sent to PERSON.")
@click.argument("person")
@click.option("--by", type=click.Choice(["letter", "email"]), default="letter", show_default=True)
@_AT
@click.option("--replace", is_flag=True, help="Replace a letter already recorded for PERSON.")
def letter(facts: str, person: str, by: str, at: str | None, replace: bool) -> None:
    _say(rec.letter(facts, person, by=by, at=at, replace=replace))


@_command("followed-up", "A status follow-up to PERSON (repeat for several people reached at once).")
@click.argument("people", nargs=-1, required=True)
@click.option("--by", type=click.Choice(["email", "phone", "letter", "linkedin"]), default="email", show_default=True)
@_AT
@click.option("--answered", is_flag=True, help="They answered (at the same time, or --answered-at).")
@click.option("--answered-at", default=None, metavar="WHEN", help="When they answered.")
def followed_up(facts: str, people: tuple[str, ...], by: str, at: str | None, answered: bool,
                answered_at: str | None) -> None:
    _say(rec.followed_up(facts, list(people), by=by, at=at, answered_at=answered_at or (True if answered else None)))


@_command("answered", "The latest follow-up was answered.")
@_AT
def answered(facts: str, at: str | None) -> None:
    _say(rec.answered(facts, at=at))


@_command("response", "A response arrived: offer, rejection, update or second-round.")
@click.argument("kind", type=click.Choice(["offer", "rejection", "update", "second-round"]))
@_AT
@click.option("--from", "from_", default=None, metavar="PERSON", help="Who it came from (a name in the file).")
@click.option("--answer-by", default=None, metavar="WHEN", help="For an offer: when they need your answer "
                                                               "(a day alone means 17:00).")
@click.option("--second-round-at", default=None, metavar="WHEN", help="For a second round: when it is.")
def response(facts: str, kind: str, at: str | None, from_: str | None, answer_by: str | None,
             second_round_at: str | None) -> None:
    _say(rec.response(facts, kind, at=at, from_=from_, answer_by=answer_by, second_round_at=second_round_at))


@_command("replied", "You replied to the latest response.")
@click.option("--by", type=click.Choice(["email", "phone", "letter", "linkedin"]), default="email", show_default=True)
@_AT
def replied(facts: str, by: str, at: str | None) -> None:
    _say(rec.replied(facts, by=by, at=at))


@_command("linkedin", "LinkedIn with PERSON: requested or connected.")
@click.argument("person")
@click.argument("state", type=click.Choice(["requested", "connected", "none"]))
def linkedin(facts: str, person: str, state: str) -> None:
    _say(rec.linkedin(facts, person, state))


@_command("notes", "Your notes on the interview are written (--undo: not yet).")
@click.option("--undo", is_flag=True)
def notes(facts: str, undo: bool) -> None:
    _say(rec.notes(facts, not undo))


@_command("decision", "You asked (or were told) when they will decide.")
@click.option("--by", "expected_by", default=None, metavar="WHEN", help="The date they gave (a day alone: 17:00).")
@click.option("--informs", default=None, metavar="PERSON", help="Who will tell you.")
@click.option("--channel", type=click.Choice(["email", "phone", "letter"]), default=None, help="How they will tell you.")
@click.option("--call-invited", is_flag=True, default=None, help="They asked you to call them about it.")
def decision(facts: str, expected_by: str | None, informs: str | None, channel: str | None,
             call_invited: bool | None) -> None:
    _say(rec.decision(facts, expected_by=expected_by, informs=informs, channel=channel, call_invited=call_invited))


@_command("contact", "You have PERSON's contact details (their card, address or number).")
@click.argument("person")
@click.option("--email", default=None)
@click.option("--phone", default=None)
def contact(facts: str, person: str, email: str | None, phone: str | None) -> None:
    _say(rec.contact(facts, person, email=email, phone=phone))


# --- acting on the numbers of the last list ------------------------------------------

_FILE = click.option("--facts", "-f", "path", type=click.Path(dir_okay=False), default=None,
                     help="The facts file whose last `advise` list the numbers refer to [default: the last list "
                          "shown, by advise or agenda].")


def _report(outcomes: list[todo.Outcome]) -> None:
    for o in outcomes:
        click.echo(f"{o.shown.number}. {o.summary}  [{o.shown.file}]")


@cli.command()
@click.argument("numbers", nargs=-1, type=int, required=True)
@_FILE
@click.option("--by", default=None, help="How you did it, when not as advised (e.g. phone).")
@_AT
@failing_input
def done(numbers: tuple[int, ...], path: str | None, by: str | None, at: str | None) -> None:
    """Mark actions of the last list as done: recorded in the facts file where the facts can say it."""
    _report(todo.done(numbers, path, by=by, at=at))


@cli.command()
@click.argument("numbers", nargs=-1, type=int, required=True)
@click.option("--until", required=True, metavar="WHEN", help="'tomorrow', 'monday', 'in 3 days', '2026-11-24 09:00' "
                                                            "(a day alone means 09:00).")
@_FILE
@failing_input
def snooze(numbers: tuple[int, ...], until: str, path: str | None) -> None:
    """Hide actions of the last list until a time; advise and agenda count what is snoozed."""
    _report(todo.snooze(numbers, until, path))


@cli.command()
@click.argument("numbers", nargs=-1, type=int, required=True)
@_FILE
@failing_input
def dismiss(numbers: tuple[int, ...], path: str | None) -> None:
    """Hide actions of the last list for good (advise --all shows them; restore brings them back)."""
    _report(todo.dismiss(numbers, path))


@cli.command()
@click.argument("numbers", nargs=-1, type=int, required=True)
@_FILE
@failing_input
def restore(numbers: tuple[int, ...], path: str | None) -> None:
    """Show snoozed or dismissed actions again (numbers from `followup advise FILE --all`)."""
    _report(todo.restore(numbers, path))
