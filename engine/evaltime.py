"""The moment advice is given for, and where it came from: now, the caller, or the file's `# at:` line.

A facts file may carry its own evaluation time in a comment (`# at: 2026-11-24T10:00+00:00`,
see casefiles.py). It is honoured the same way wherever the file is read: a
path on the command line, standard input, or a path given to the Python API.
Whatever the source, the time is shown with the advice, and two traps are
closed: a time before the interview ended is an error (there is nothing to
follow up yet), and a file time days behind the clock gets a warning (a copied
example would otherwise freeze the advice at the example's moment).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .errors import FactsError, Problem
from .facts import YEARS, Facts, facts_from_text
from .when import WhenError, parse_when
from .yamlio import read_text, unreadable

__all__ = ["AtSource", "EvalTime", "FileTime", "LoadedFacts", "load_with_time", "file_time", "file_pack",
           "evaluation_time",
           "STALE_AFTER"]

AtSource = Literal["now", "given", "file"]

# A file's own time this far behind the clock is probably a copied example, not a deliberate replay.
STALE_AFTER = timedelta(days=2)

_AT = re.compile(r"^#\s*at:\s*(?P<value>\S.*?)\s*$")


@dataclass(frozen=True)
class FileTime:
    """The text of a file's `# at:` line and where it is."""

    text: str
    line: int
    file: str


@dataclass(frozen=True)
class LoadedFacts:
    facts: Facts
    file_time: FileTime | None
    name: str
    pack: str | None = None  # the file's `# pack:` line


_PACK = re.compile(r"^#\s*pack:\s*(?P<value>[^\s#]+)")


def file_pack(text: str) -> str | None:
    """The pack a case file names in a `# pack: NAME` comment line (used when no --pack is given)."""
    for line in text.splitlines():
        m = _PACK.match(line.strip())
        if m:
            return m.group("value")
    return None


@dataclass(frozen=True)
class EvalTime:
    """An evaluation time, where it came from, and any warning about it."""

    at: datetime
    source: AtSource
    notices: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        return {"now": "now", "given": "the time given", "file": "the file's `# at:` line"}[self.source]


def file_time(text: str, name: str) -> FileTime | None:
    """The first `# at:` comment line of a facts text (YAML only: JSON has no comments)."""
    for number, line in enumerate(text.splitlines(), start=1):
        m = _AT.match(line.strip())
        if m:
            return FileTime(m.group("value"), number, name)
    return None


def load_with_time(source: str | os.PathLike[str]) -> LoadedFacts:
    """Facts from a file (or `-` for standard input, read once) with the file's `# at:` line."""
    try:
        text, name = read_text(source)
    except OSError as exc:
        raise FactsError(unreadable(exc, source, "facts"), source=str(source)) from None
    return LoadedFacts(facts_from_text(text, name), file_time(text, name), name, file_pack(text))


def evaluation_time(given: datetime | str | None, facts: Facts, from_file: FileTime | None = None, *,
                    now: datetime | None = None) -> EvalTime:
    """The time to evaluate at: `given` (ISO 8601 or a natural form such as "tomorrow 9:00"),
    else the file's `# at:` line, else now. Before the interview ended is an error with a fix."""
    tz = ZoneInfo(facts.position.timezone)
    notices: list[str] = []
    if isinstance(given, datetime):  # the hot path (plans, pack tests): no clock needed
        at, source = _given(given, tz, facts.interview.end), "given"
        if at >= facts.interview.end:
            return EvalTime(at, "given")
    clock = (now or datetime.now(UTC)).astimezone(tz)
    if given is not None:
        at, source = _given(given, tz, clock), "given"
    elif from_file is not None:
        at, source = _from_file(from_file, tz, clock), "file"
        behind = clock - at
        if behind > STALE_AFTER:
            notices.append(f"{from_file.file} line {from_file.line} fixes the time at {at:%a %d %b %Y %H:%M}, "
                           f"{behind.days} days before now: this is the advice for then. To see today's, delete "
                           f"that `# at:` line or pass --at now")
    else:
        at, source = clock.replace(microsecond=0), "now"
    end = facts.interview.end.astimezone(tz)
    if at < end:
        where = {"given": "--at", "file": f"{from_file.file if from_file else 'the file'}'s `# at:` line",
                 "now": "now"}[source]
        hint = (f"advice starts when the interview is over: evaluate at {end:%Y-%m-%d %H:%M} or later "
                f"(e.g. --at '{end:%Y-%m-%d %H:%M}')")
        if source == "file":
            hint += f", or change or delete line {from_file.line if from_file else 1}"
        elif source == "now":
            hint = (f"the interview ends {end:%a %d %b %Y %H:%M} ({facts.position.timezone}): ask again after it, "
                    "or check interview.end and its UTC offset")
        raise FactsError(Problem(f"the evaluation time ({where}: {at:%a %d %b %Y %H:%M}) is before the interview "
                                 f"ended ({end:%a %d %b %Y %H:%M})", path=("at",), hint=hint,
                                 file=from_file.file if source == "file" and from_file else None,
                                 line=from_file.line if source == "file" and from_file else None,
                                 column=1 if source == "file" else None, code="at_before_interview"))
    return EvalTime(at, source, tuple(notices))  # type: ignore[arg-type]


def _given(given: datetime | str, tz: ZoneInfo, clock: datetime) -> datetime:
    try:
        if isinstance(given, datetime):
            return _in_years((given if given.tzinfo is not None else given.replace(tzinfo=tz)).astimezone(tz), "--at")
        return _in_years(parse_when(given, tz, clock, direction="future", what="--at"), "--at")
    except OverflowError:  # "in 99999999 days", a time within a day of year 1 or 9999
        raise FactsError(Problem(f"--at {str(given)!r} is beyond the calendar", path=("at",), code="at",
                                 hint=f"give a time between the years {YEARS[0]} and {YEARS[1]}")) from None
    except WhenError as exc:
        raise FactsError(Problem(f"--at {given!r} is not a time", path=("at",),
                                 hint=exc.problems[0].hint if exc.problems else None, code="at")) from None


def _in_years(at: datetime, where: str) -> datetime:
    """Times beyond the years facts may have would overflow the due times computed from them."""
    if not YEARS[0] <= at.year <= YEARS[1]:
        raise FactsError(Problem(f"{where} is in the year {at.year}, outside {YEARS[0]} to {YEARS[1]}", path=("at",),
                                 hint="check the year of the evaluation time", code="at"))
    return at


def _from_file(ft: FileTime, tz: ZoneInfo, clock: datetime) -> datetime:
    try:
        return _in_years(parse_when(ft.text, tz, clock, what="# at:"), "`# at:`")
    except (WhenError, OverflowError):
        raise FactsError(Problem(f"`# at: {ft.text}` is not a time", file=ft.file, line=ft.line, column=1,
                                 hint="write ISO 8601 after `# at:`, e.g. `# at: 2026-11-24T10:00+00:00`, or delete "
                                      "the line to evaluate at now", code="at"), source=ft.file) from None
