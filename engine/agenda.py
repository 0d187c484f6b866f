"""The agenda: every case in a folder (or list of files) at one moment, as one view of what is due.

Each case is evaluated under its own pack (a `# pack: NAME` line in the file,
else the default), at the same moment for all (now, or `at`): a file's own
`# at:` line is ignored here, and the case says so. What the user set aside
(done, snoozed, dismissed) is left out and counted. A case that fails to load
is listed with its error; the others still show.

Open actions fall into: overdue, due today, coming this week (by day), and
without a deadline; advice *not* to do something is listed apart, per case.
Days are counted in the agenda's time zone (default: this machine's).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from .engine import Engine
from .errors import FollowupError, InputError, PackNotFound
from .evaltime import EvalTime, load_with_time
from .results import Action, Advice, Result, SetAside
from .setaside import State, apply_set_aside, case_key, shown_lines

__all__ = ["Agenda", "AgendaCase", "AgendaEntry", "build_agenda", "case_files", "Bucket"]

Bucket = Literal["overdue", "today", "week", "anytime"]
BUCKET_TITLES = {"overdue": "Overdue", "today": "Due today", "week": "Coming this week", "anytime": "No deadline"}


class AgendaCase(Result):
    file: str
    label: str = Field(description="Position at company, or the file name when it could not be read.")
    pack: str | None = None
    error: str | None = Field(default=None, description="Why the case could not be evaluated (located).")
    note: str | None = Field(default=None, description="Something to know about this case (e.g. not over yet).")
    open: int = 0
    later: int = Field(default=0, description="Open actions due after this week.")
    hold_off: list[str] = Field(default_factory=list, description="Advice not to do something now.")
    set_aside: list[SetAside] = Field(default_factory=list)
    advice: Advice | None = None


class AgendaEntry(Result):
    number: int
    bucket: Bucket
    day: date | None = Field(description="The due day in the agenda's zone (None: no deadline).")
    file: str
    label: str
    action: Action


class Agenda(Result):
    at: datetime
    timezone: str
    week_end: datetime
    entries: list[AgendaEntry]
    cases: list[AgendaCase]

    def by_bucket(self, bucket: Bucket) -> list[AgendaEntry]:
        return [e for e in self.entries if e.bucket == bucket]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude={"cases": {"__all__": {"advice"}}})


def case_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The facts files named, and in each folder named its *.yaml, *.yml and *.json files (not recursive)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml", ".json")
                          and not f.name.startswith("."))
        else:
            out.append(p)
    return out


def _bucket(a: Action, now: datetime, zone: ZoneInfo, week_end: datetime) -> tuple[Bucket | None, date | None]:
    if a.due is None:
        return "anytime", None
    due = a.due.astimezone(zone)
    if a.urgency == "overdue" or due < now:
        return "overdue", due.date()
    if due.date() == now.date():
        return "today", due.date()
    if due <= week_end:
        return "week", due.date()
    return None, due.date()


def build_agenda(paths: Iterable[str | os.PathLike[str]], *, at: datetime | None = None, pack: str = "conservative",
                 timezone: str | None = None, engine: Engine | None = None, state: State | None = None,
                 days: int = 7, remember: bool = True) -> Agenda:
    """The agenda of every case in `paths` (files or folders) at `at` (default: now)."""
    from .newcase import local_zone

    zone = ZoneInfo(timezone or local_zone())
    now = (at or datetime.now(UTC)).astimezone(zone).replace(microsecond=0)
    week_end = datetime.combine(now.date() + timedelta(days=days), datetime.min.time(), zone)
    eng = engine or Engine()
    st = state or State()
    cases: list[AgendaCase] = []
    pending: list[tuple[Bucket, date | None, datetime | None, str, str, Action]] = []
    for f in case_files(paths):
        key = case_key(f)
        try:
            loaded = load_with_time(f)
        except (InputError, OSError) as exc:
            cases.append(AgendaCase(file=str(f), label=f.name, error=str(exc)))
            continue
        facts = loaded.facts
        label = f"{facts.position.title} at {facts.position.company}"
        chosen = loaded.pack or pack
        note = None
        if loaded.file_time is not None:
            note = f"its `# at:` line (line {loaded.file_time.line}) is ignored: the agenda is for one moment"
        if facts.interview.end > now:
            cases.append(AgendaCase(file=key, label=label, pack=chosen,
                                    note=f"the interview ends {facts.interview.end.astimezone(zone):%a %d %b %H:%M}: "
                                         "nothing to do before then"))
            continue
        try:
            advice = eng.advise(facts, chosen, EvalTime(now, "given"))
        except (FollowupError, PackNotFound) as exc:
            cases.append(AgendaCase(file=key, label=label, pack=chosen, error=str(exc)))
            continue
        advice = apply_set_aside(advice, st.set_aside(f))
        later = 0
        hold: list[str] = []
        for a in advice.actions:
            if a.avoid:
                hold.append(a.title)
                continue
            bucket, day = _bucket(a, now, zone, week_end)
            if bucket is None:
                later += 1
            else:
                pending.append((bucket, day, a.due, key, label, a))
        cases.append(AgendaCase(file=key, label=label, pack=chosen, note=note, later=later, hold_off=hold,
                                open=sum(1 for a in advice.actions if not a.avoid), set_aside=advice.set_aside,
                                advice=advice))
    order = {"overdue": 0, "today": 1, "week": 2, "anytime": 3}
    far = datetime.max.replace(tzinfo=UTC)
    # Overdue work is shown by case, not by day: the case with the oldest missed action first, each case's
    # items together (oldest first), so a case's heading appears once however many days it has slipped.
    oldest: dict[str, datetime] = {}
    for b, _, due, k, _, _ in pending:
        if b == "overdue" and due is not None and due < oldest.get(k, far):
            oldest[k] = due
    pending.sort(key=lambda p: (order[p[0]], oldest.get(p[3], far) if p[0] == "overdue" else p[1] or date.max,
                                p[3], p[2] or far, p[5].rank))
    entries = [AgendaEntry(number=i, bucket=b, day=d, file=k, label=lab, action=a)
               for i, (b, d, _, k, lab, a) in enumerate(pending, start=1)]
    agenda = Agenda(at=now, timezone=str(zone), week_end=week_end, entries=entries, cases=cases)
    if remember:
        try:
            _remember(agenda, st)
        except OSError:
            pass  # a full disk: the agenda still shows; `done N` then refers to the previous list
    return agenda


def _remember(agenda: Agenda, st: State) -> None:
    """The agenda's numbers are what `done N` / `snooze N` mean next."""
    lines = []
    for e in agenda.entries:
        case = next(c for c in agenda.cases if c.file == e.file)
        assert case.advice is not None
        (line,) = shown_lines(case.advice.model_copy(update={"actions": [e.action]}), e.file, start=e.number)
        lines.append(line)
    if lines:
        st.remember(lines)
    else:
        st.remember_empty([c.file for c in agenda.cases])
