"""The agenda as text (terminal, with colour where allowed), Markdown, HTML and iCalendar."""

from __future__ import annotations

import hashlib
import html
import textwrap
from collections.abc import Callable
from datetime import UTC, timedelta
from itertools import groupby
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from .agenda import BUCKET_TITLES, Agenda, AgendaCase, AgendaEntry, Bucket
from .render import console_options, output_width

__all__ = ["agenda_text", "agenda_lines", "agenda_markdown", "agenda_html", "agenda_ics"]

_BUCKETS: tuple[Bucket, ...] = ("overdue", "today", "week", "anytime")
_STYLE = {"overdue": "bold red", "today": "yellow", "week": "", "anytime": "dim"}


def _when(e: AgendaEntry, agenda: Agenda) -> str:
    if e.action.due is None:
        return "no deadline"
    due = e.action.due.astimezone(agenda.at.tzinfo)
    text = f"by {due:%H:%M}" if e.bucket in ("today", "week") else f"was due {due:%a %d %b %H:%M}"
    return text + _company_time(e, agenda)


def _company_time(e: AgendaEntry, agenda: Agenda) -> str:
    """The due time where the company is, when that is not the agenda's zone: a Friday-afternoon deadline
    in Los Angeles reads as Saturday 00:00 in London, and both are worth seeing."""
    zone = next((c.advice.timezone for c in agenda.cases if c.file == e.file and c.advice is not None), None)
    if e.action.due is None or zone is None or zone == agenda.timezone:
        return ""
    there = e.action.due.astimezone(ZoneInfo(zone))
    if there.utcoffset() == e.action.due.astimezone(agenda.at.tzinfo).utcoffset():
        return ""
    place = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f" ({there:%a %H:%M} in {place})"


def _aside(c: AgendaCase) -> str | None:
    if not c.set_aside:
        return None
    counts: dict[str, int] = {}
    for s in c.set_aside:
        counts[s.state] = counts.get(s.state, 0) + 1
    overdue = sum(1 for s in c.set_aside if s.urgency == "overdue" and s.state != "done")
    return "set aside: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + (f" ({overdue} overdue)" if overdue else "")


def _head(agenda: Agenda, source: str) -> str:
    n_open = len(agenda.entries)
    broken = sum(1 for c in agenda.cases if c.error)
    text = (f"Agenda for {agenda.at:%a %d %b %Y %H:%M} {agenda.timezone} ({source}): {len(agenda.cases)} "
            f"case{'s' * (len(agenda.cases) != 1)}, {n_open} open action{'s' * (n_open != 1)}")
    return text + (f", {broken} case{'s' * (broken != 1)} with errors" if broken else "")


def agenda_lines(agenda: Agenda, *, width: int = 80, source: str = "now") -> list[tuple[str, str]]:
    """(line, style) pairs: the text layout, wrapped to `width`, with a rich style for each line."""
    out: list[tuple[str, str]] = []

    def add(text: str, style: str = "", indent: int = 0, hang: int = 3) -> None:
        for line in textwrap.wrap(text, width=width, initial_indent=" " * indent,
                                  subsequent_indent=" " * (indent + hang), break_long_words=False,
                                  break_on_hyphens=False) or [""]:
            out.append((line, style))

    add(_head(agenda, source), "bold", hang=2)
    for bucket in _BUCKETS:
        entries = agenda.by_bucket(bucket)
        if not entries:
            continue
        out.append(("", ""))
        add(BUCKET_TITLES[bucket].upper() + f" ({len(entries)})", "bold " + _STYLE[bucket])
        if bucket == "week":
            for day, of_day in groupby(entries, key=lambda e: e.day):
                add(f"{day:%A %d %b}", "bold", indent=1)
                _case_groups(list(of_day), agenda, add, indent=2)
        else:
            _case_groups(entries, agenda, add, indent=1)
    if not agenda.entries:
        out.append(("", ""))
        add("Nothing due this week.", "")
    out.append(("", ""))
    add("CASES", "bold")
    for c in agenda.cases:
        name = Path(c.file).name
        if c.error:
            add(f"{name}: could not be evaluated", "bold red", indent=1)
            for line in c.error.splitlines():
                add(line, "red", indent=3, hang=2)
            continue
        bits = [f"{c.open} open"] + ([f"{c.later} after this week"] if c.later else [])
        aside = _aside(c)
        if aside:
            bits.append(aside)
        add(f"{name}: {c.label}, pack {c.pack}; " + ", ".join(bits), "", indent=1)
        if c.note:
            add(f"note: {c.note}", "dim", indent=3, hang=2)
        for title in c.hold_off:
            add(f"hold off: {title}", "dim italic", indent=3, hang=2)
    return out


def _case_groups(entries: list[AgendaEntry], agenda: Agenda, add: Callable[..., None], indent: int) -> None:
    for label, group in groupby(entries, key=lambda e: e.label):
        items = list(group)
        add(f"{label}  [{Path(items[0].file).name}]", "bold", indent=indent)
        for e in items:
            add(f"{e.number:>2}. {e.action.title} — {_when(e, agenda)}", _STYLE[e.bucket] if e.bucket == "overdue" else "",
                indent=indent + 1, hang=4)


def agenda_text(agenda: Agenda, file: IO[str] | None = None, *, width: int | None = None, color: bool | None = None,
                source: str = "now") -> None:
    console = Console(file=file, highlight=False, soft_wrap=True, **console_options(color))
    w = width or output_width(console)
    for line, style in agenda_lines(agenda, width=w, source=source):
        console.print(Text(line, style=style or ""))


def agenda_markdown(agenda: Agenda, *, source: str = "now") -> str:
    lines = [f"# Agenda: {agenda.at:%a %d %b %Y}", "", _head(agenda, source) + ".", ""]
    for bucket in _BUCKETS:
        entries = agenda.by_bucket(bucket)
        if not entries:
            continue
        lines += [f"## {BUCKET_TITLES[bucket]} ({len(entries)})", ""]
        groups = groupby(entries, key=lambda e: e.day) if bucket == "week" else [(None, iter(entries))]
        for day, of_day in groups:
            if day is not None:
                lines += [f"### {day:%A %d %b}", ""]
            for label, group in groupby(of_day, key=lambda e: e.label):
                items = list(group)
                lines.append(f"**{label}** (`{Path(items[0].file).name}`)")
                lines.append("")
                lines += [f"{e.number}. {e.action.title} — {_when(e, agenda)}" for e in items]
                lines.append("")
    if not agenda.entries:
        lines += ["Nothing due this week.", ""]
    lines += ["## Cases", ""]
    for c in agenda.cases:
        name = Path(c.file).name
        if c.error:
            lines.append(f"- `{name}`: **could not be evaluated**: " + c.error.replace("\n", " "))
            continue
        aside = _aside(c)
        lines.append(f"- `{name}`: {c.label}, pack `{c.pack}`; {c.open} open"
                     + (f", {c.later} after this week" if c.later else "") + (f"; {aside}" if aside else "")
                     + (f" ({c.note})" if c.note else ""))
        lines += [f"  - hold off: {t}" for t in c.hold_off]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 46rem; padding: 1rem; color: #222; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.15rem; margin: 1.4rem 0 .4rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; color: #555; }
.case { font-weight: 600; margin: .6rem 0 .2rem; overflow-wrap: anywhere; }
.file { font-weight: 400; color: #777; font-size: .9em; }
ol { margin: .2rem 0 .6rem; padding-left: 2.2rem; } li { margin: .15rem 0; overflow-wrap: anywhere; }
.when { color: #555; white-space: nowrap; } .overdue h2, .overdue .when { color: #b00020; }
.today h2 { color: #8a5a00; } .error { color: #b00020; white-space: pre-wrap; overflow-wrap: anywhere; }
.cases li { list-style: none; margin-left: -1.2rem; } .muted { color: #777; }
"""


def agenda_html(agenda: Agenda, *, source: str = "now") -> str:
    e_ = html.escape
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Agenda {agenda.at:%a %d %b %Y}</title><style>{_CSS}</style></head><body>",
             f"<h1>Agenda: {agenda.at:%a %d %b %Y}</h1><p class=muted>{e_(_head(agenda, source))}.</p>"]
    for bucket in _BUCKETS:
        entries = agenda.by_bucket(bucket)
        if not entries:
            continue
        parts.append(f'<section class="{bucket}"><h2>{BUCKET_TITLES[bucket]} ({len(entries)})</h2>')
        groups = groupby(entries, key=lambda e: e.day) if bucket == "week" else [(None, iter(entries))]
        for day, of_day in groups:
            if day is not None:
                parts.append(f"<h3>{day:%A %d %b}</h3>")
            for label, group in groupby(of_day, key=lambda e: e.label):
                items = list(group)
                parts.append(f'<div class=case>{e_(label)} <span class=file>{e_(Path(items[0].file).name)}</span></div>')
                parts.append(f'<ol start="{items[0].number}">' + "".join(
                    f'<li value="{e.number}">{e_(e.action.title)} <span class=when>{e_(_when(e, agenda))}</span></li>'
                    for e in items) + "</ol>")
        parts.append("</section>")
    if not agenda.entries:
        parts.append("<p>Nothing due this week.</p>")
    parts.append('<h2>Cases</h2><ul class=cases>')
    for c in agenda.cases:
        name = e_(Path(c.file).name)
        if c.error:
            parts.append(f"<li><b>{name}</b>: could not be evaluated<div class=error>{e_(c.error)}</div></li>")
            continue
        aside = _aside(c)
        extra = (f", {c.later} after this week" if c.later else "") + (f"; {aside}" if aside else "")
        parts.append(f"<li><b>{name}</b>: {e_(c.label)}, pack {e_(c.pack or '')}; {c.open} open{e_(extra)}"
                     + (f'<div class=muted>{e_(c.note)}</div>' if c.note else "")
                     + "".join(f"<div class=muted>hold off: {e_(t)}</div>" for t in c.hold_off) + "</li>")
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)


def agenda_ics(agenda: Agenda) -> bytes:
    """One VTODO per dated open action, due at its due time; the UID is stable per case file and action."""
    from icalendar import Calendar, Todo

    cal = Calendar()
    cal.add("prodid", "-//followup//followup agenda//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Follow-up agenda {agenda.at:%Y-%m-%d}")
    for e in agenda.entries:
        a = e.action
        if a.due is None:
            continue
        todo = Todo()
        basis = f"{e.file}|{a.rule}|{a.target.name or a.target.kind}"
        todo.add("uid", hashlib.sha256(basis.encode()).hexdigest()[:24] + "@followup")
        todo.add("dtstamp", agenda.at.astimezone(UTC))
        todo.add("summary", f"{a.title} ({e.label})")
        todo.add("due", a.due.astimezone(UTC))
        todo.add("dtstart", min(a.due, agenda.at).astimezone(UTC) - timedelta(minutes=0))
        todo.add("description", a.rationale)
        todo.add("status", "NEEDS-ACTION")
        cal.add_component(todo)
    ical: bytes = cal.to_ical()
    return ical
