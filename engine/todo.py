"""`done N`, `snooze N`, `dismiss N`, `restore N`: acting on the numbers of the last list shown.

Done means the thing happened, so where the facts can say it, it is
recorded in the facts file (a thank-you, a follow-up, notes, a LinkedIn
request, a reply...) and the rule stops firing by itself. Only what the
facts cannot express (preparing for the second round, moving on, keeping
the search going) is marked done in the state file. Snoozing and
dismissing never touch the facts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from . import record
from .errors import Problem
from .facts import Facts, load_facts
from .setaside import Shown, State, StateError
from .when import WhenError, parse_when

__all__ = ["Outcome", "done", "snooze", "dismiss", "restore"]

_NOTE_CHANNELS = ("email", "handwritten", "letter")
_STATE_ONLY = ("prepare_second_round", "move_on", "keep_searching")


@dataclass(frozen=True)
class Outcome:
    """What one number turned into."""

    shown: Shown
    summary: str


def _who_decides(f: Facts) -> str:
    if f.decision.informs:
        return f.decision.informs
    managers = [p.name for p in f.interviewers if p.role == "hiring_manager"]
    return managers[0] if managers else f.interviewers[0].name


def _record_done(s: Shown, by: str | None, at: Any, now: datetime | None) -> str:
    channel = by or s.channel
    file = s.file
    if s.kind == "thank_you":
        return record.thanked(file, s.target or "", by=channel if channel in _NOTE_CHANNELS else "email",
                              at=at, now=now).summary
    if s.kind == "formal_letter":
        return record.letter(file, s.target or "", by=channel if channel in ("email", "letter") else "letter",
                             at=at, now=now).summary
    if s.kind == "write_notes":
        return record.notes(file).summary
    if s.kind == "connect_linkedin":
        return record.linkedin(file, s.target or "", "requested").summary
    if s.kind in ("status_check", "second_follow_up"):
        who = s.target or _who_decides(load_facts(file))
        return record.followed_up(file, [who], by=channel if channel in ("email", "phone", "letter", "linkedin")
                                  else "email", at=at, now=now).summary
    if s.kind == "ask_decision_date":
        return record.decision(file, now=now).summary
    if s.kind == "collect_contacts":
        return record.contact(file, s.target or "").summary
    if s.kind in ("reply_offer", "reply_second_round", "thank_after_rejection"):
        return record.replied(file, by=channel if channel in ("email", "phone", "letter", "linkedin") else "email",
                              at=at, now=now).summary
    raise AssertionError(s.kind)


def done(numbers: Iterable[int], path: str | os.PathLike[str] | None = None, *, by: str | None = None,
         at: Any = None, now: datetime | None = None, state: State | None = None) -> list[Outcome]:
    """Mark the actions numbered `numbers` (of the last list shown) as done: recorded in the facts where
    they can be, else in the state file. Advice *not* to do something cannot be done: dismiss it."""
    st = state or State()
    lines = st.lookup(numbers, path)
    for s in lines:
        if s.avoid:
            raise StateError(Problem(f"{s.number}. {s.title!r} is advice not to do something, so it cannot be done",
                                     hint=f"`followup dismiss {s.number}` hides it", code="avoid"))
    out = []
    for s in lines:
        if s.kind in _STATE_ONLY:
            st.put(s.file, s.key, "done", s.title)
            out.append(Outcome(s, f"marked done: {s.title}"))
        else:
            out.append(Outcome(s, "recorded " + _record_done(s, by, at, now)))
    return out


def snooze(numbers: Iterable[int], until: str | datetime, path: str | os.PathLike[str] | None = None, *,
           now: datetime | None = None, state: State | None = None) -> list[Outcome]:
    """Hide the actions numbered `numbers` until `until` ("tomorrow", "monday 9:00", "in 3 days", ISO 8601);
    a day without a time means 09:00 that day, in the company's time zone."""
    st = state or State()
    out = []
    for s in st.lookup(numbers, path):
        zone = ZoneInfo(load_facts(s.file).position.timezone)
        if isinstance(until, datetime):
            when = until if until.tzinfo else until.replace(tzinfo=zone)
        else:
            try:
                when = parse_when(until, zone, now, direction="future", default_time=time(9), what="--until")
            except WhenError as exc:
                raise StateError(exc.problems) from None
        st.put(s.file, s.key, "snoozed", s.title, until=when)
        out.append(Outcome(s, f"snoozed until {when:%a %d %b %H:%M}: {s.title}"))
    return out


def dismiss(numbers: Iterable[int], path: str | os.PathLike[str] | None = None, *,
            state: State | None = None) -> list[Outcome]:
    """Hide the actions numbered `numbers` for good (`restore` brings one back)."""
    st = state or State()
    out = []
    for s in st.lookup(numbers, path):
        st.put(s.file, s.key, "dismissed", s.title)
        out.append(Outcome(s, f"dismissed: {s.title}"))
    return out


def restore(numbers: Iterable[int], path: str | os.PathLike[str] | None = None, *,
            state: State | None = None) -> list[Outcome]:
    """Show snoozed, dismissed or state-done actions again (numbers from `advise --all`)."""
    st = state or State()
    out = []
    for s in st.lookup(numbers, path):
        was = st.restore(s.file, s.key)
        out.append(Outcome(s, f"{'restored' if was else 'was not set aside'}: {s.title}"))
    return out
