"""`followup init`: start a case from a few answers (or flags), or copy a bundled example."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ..errors import InputError
from ..facts import HowItWent, Industry, InterviewFormat
from ..newcase import (
    ROLES,
    CaseAnswers,
    Person,
    case_text,
    copy_example,
    examples,
    local_zone,
    parse_person,
    write_case,
    zone_country,
)
from ..when import FORMS, WhenError, parse_when
from .base import InputFailure, cli, failing_input

__all__ = ["init"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "case"


class _Asker:
    """Each answer from its flag, else a prompt (with a default), else (--no-input) the default or an error."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.missing: list[str] = []

    def ask(self, flag: str, given: Any, question: str, default: Any = None, **kw: Any) -> Any:
        if given is not None:
            return given
        if self.interactive:
            return click.prompt(question, default=default, **kw)
        if default is None:
            self.missing.append(flag)
        return default


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{name!r} is not an IANA time zone; write e.g. Europe/London or America/New_York",
                                 param_hint="--timezone") from None
    return name


def _time(text: str, flag: str, zone: str, now: datetime) -> datetime:
    try:
        return parse_when(text, zone, now, direction="past", what=flag)
    except WhenError:
        raise click.BadParameter(f"{text!r} is not a time; write one of: {FORMS}", param_hint=flag) from None


@cli.command()
@click.option("--example", "example", default=None, metavar="NAME",
              help="Copy a bundled example instead (see --list-examples).")
@click.option("--list-examples", is_flag=True, help="List the bundled examples and exit.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write [default: COMPANY.yaml, or NAME.yaml for an example].")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.option("--no-input", is_flag=True, help="Ask nothing: take every answer from the options (and defaults).")
@click.option("--name", default=None, help="Your name, as it should appear in drafts.")
@click.option("--email", default=None, help="Your email address.")
@click.option("--company", default=None, help="Company name.")
@click.option("--role", "title", default=None, help="Job title applied for.")
@click.option("--industry", type=click.Choice(get_args(Industry)), default=None, help="Industry [default: other].")
@click.option("--culture", type=click.Choice(["formal", "casual"]), default=None, help="How formal the company is [casual].")
@click.option("--timezone", "zone", default=None, help="The company's IANA time zone [default: this machine's].")
@click.option("--country", default=None, help="The company's country, ISO code (public holidays) [from the zone].")
@click.option("--start", default=None, help="When the interview started, e.g. '14:00' or 'yesterday 14:00'.")
@click.option("--end", default=None, help="When it ended [default: one hour after --start, or now].")
@click.option("--format", "fmt", type=click.Choice(get_args(InterviewFormat)), default=None, help="[onsite]")
@click.option("--went", type=click.Choice(get_args(HowItWent)), default=None, help="How it went [well].")
@click.option("--interviewer", "interviewers", multiple=True, metavar="'NAME[, TITLE][, EMAIL][, ROLE]'",
              help=f"An interviewer; repeat for each. ROLE: {', '.join(ROLES)}.")
@click.option("--arranger", "arrangers", multiple=True, metavar="'NAME[, TITLE][, EMAIL][, ROLE]'",
              help="Who arranged the interview (role defaults to recruiter); repeat for each.")
@click.option("--pack", default=None, help="Pack to note in the file (`# pack:` line, used by `followup agenda`).")
@failing_input
def init(example: str | None, list_examples: bool, output: str | None, force: bool, no_input: bool, name: str | None,
         email: str | None, company: str | None, title: str | None, industry: str | None, culture: str | None,
         zone: str | None, country: str | None, start: str | None, end: str | None, fmt: str | None,
         went: str | None, interviewers: tuple[str, ...], arrangers: tuple[str, ...], pack: str | None) -> None:
    """Start a case: answer a few questions and get a commented facts file, ready for `followup advise`.

    \b
      followup init                                 # asks
      followup init --no-input --name 'Sam Rivera' --company Northwind --role 'Backend Engineer' \\
          --timezone Europe/London --start '14:00' --end '15:00' --interviewer 'Dana Lee, dana@nw.example'
      followup init --example just-after            # copy a bundled example (keeps its `# at:` moment)
    """
    if list_examples:
        for key, about in examples().items():
            click.echo(f"{key:<17} {about}")
        return
    if example is not None:
        path = copy_example(example, output, force=force)
        click.echo(f"wrote {path}")
        if path.suffix != ".json":
            click.echo(f"It is evaluated at its `# at:` line; delete that line to see the advice for now.\n"
                       f"next: followup advise {path}")
        return
    interactive = not no_input
    a = _Asker(interactive)
    now = datetime.now(UTC)
    name = a.ask("--name", name, "Your name")
    email = a.ask("--email", email, "Your email (optional)", default="", show_default=False) or None
    company = a.ask("--company", company, "Company")
    title = a.ask("--role", title, "Role (job title)")
    industry = a.ask("--industry", industry, "Industry", default="other", type=click.Choice(get_args(Industry)))
    culture = a.ask("--culture", culture, "Culture", default="casual", type=click.Choice(["formal", "casual"]))
    zone = _zone(a.ask("--timezone", zone, "Company time zone", default=local_zone(), value_proc=_zone))
    country = a.ask("--country", country, "Country (ISO code, for public holidays)",
                    default=zone_country(zone) or "", show_default=True) or None
    local_now = now.astimezone(ZoneInfo(zone))
    default_end = local_now.replace(minute=local_now.minute - local_now.minute % 5, second=0, microsecond=0)
    start_text = a.ask("--start", start, f"Interview started ({FORMS.split(', ')[1]} ...)",
                       default=(default_end - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M") if end is None else None)
    start_at = _time(start_text, "--start", zone, now) if start_text else None
    end_default = (start_at + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M") if start_at else None
    end_text = a.ask("--end", end, "Interview ended", default=end_default)
    end_at = _time(end_text, "--end", zone, now) if end_text else None
    fmt = a.ask("--format", fmt, "Format", default="onsite", type=click.Choice(get_args(InterviewFormat)))
    went = a.ask("--went", went, "How did it go", default="well", type=click.Choice(get_args(HowItWent)))
    people = [_person(t, "interviewer", "--interviewer") for t in interviewers]
    helpers = [_person(t, "recruiter", "--arranger") for t in arrangers]
    if interactive and not interviewers:
        click.echo("Interviewers: one a line as NAME, TITLE, EMAIL, ROLE (title, address and role optional); "
                   f"roles: {', '.join(ROLES)}. An empty line ends the list.")
        people = _ask_people("Interviewer", "interviewer")
    if interactive and not arrangers:
        helpers = _ask_people("Who arranged it (recruiter, coordinator)", "recruiter")
    if not people and "--interviewer" not in a.missing:
        a.missing.append("--interviewer")
    if interactive and pack is None:
        pack = click.prompt("Pack (advice style: conservative, proactive, tech-industry)", default="conservative")
    if a.missing:
        raise click.UsageError(f"--no-input needs {', '.join(a.missing)}")
    assert name and company and title and start_at and end_at
    answers = CaseAnswers(candidate=name, candidate_email=email, company=company, title=title, industry=industry,
                          culture=culture, timezone=zone, country=country, start=start_at, end=end_at, format=fmt,
                          went=went, interviewers=tuple(people), arrangers=tuple(helpers), pack=pack)
    text = case_text(answers)
    path = write_case(output or f"{_slug(company)}.yaml", text, force=force)
    click.echo(f"wrote {path}\nnext: followup advise {path}")


def _person(text: str, role: str, flag: str) -> Person:
    try:
        return parse_person(text, role)
    except InputError as exc:
        raise InputFailure(exc) from None


def _ask_people(question: str, role: str) -> list[Person]:
    out: list[Person] = []
    while True:
        text = click.prompt(f"{question} {len(out) + 1}", default="", show_default=False).strip()
        if not text:
            return out
        try:
            out.append(parse_person(text, role))
        except InputError as exc:
            click.echo(f"  {exc.problems[0].message}; {exc.problems[0].hint}", err=True)
