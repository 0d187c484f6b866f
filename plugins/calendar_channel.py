"""Channel `ics`: an RFC 5545 calendar with one event (or to-do) and one reminder per dated action.

Re-exporting to the same file updates it instead of duplicating: each
action keeps its UID (facts + pack + rule + target), SEQUENCE goes up when
what the reminder says changes, and reminders that no longer apply are kept
as CANCELLED so calendar apps that imported them drop them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import Event, Todo

from followup.channels import (
    Channel,
    ChannelTarget,
    Delivery,
    PermanentChannelError,
    action_hash,
    action_uid,
    option_choice,
    option_int,
)
from followup.errors import ChannelError
from followup.hookspecs import hookimpl
from followup.render import sources_text
from followup.results import Action, Advice
from followup.yamlio import atomic_write

PRODID = "-//followup//followup interview follow-ups//EN"
_PRIORITY = {"critical": 1, "high": 3, "normal": 5, "low": 9}


def _text(value: object) -> str:
    """TEXT for a calendar: a pack or facts file may carry any character, RFC 5545 allows no control
    character but the line break (which icalendar escapes as \\n). CR/LF pairs become one break."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(" " if ch != "\n" and unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


def _line(value: object) -> str:
    """Single-line TEXT (a summary, the calendar's name): every control character, breaks included, is a space."""
    return " ".join(_text(value).split("\n"))


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _previous(path: Path) -> dict[str, tuple[int, str, object]]:
    """UID -> (SEQUENCE, content hash, component) of the calendar already in `path`."""
    if not path.exists():
        return {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ChannelError(f"{path} cannot be read ({exc.strerror or exc}); check its permissions") from None
    try:
        from icalendar import Calendar  # imported on first use, so other commands start faster

        cal = Calendar.from_ical(raw)
    except ValueError as exc:
        raise PermanentChannelError(f"{path} exists but is not a readable calendar ({exc}); "
                                    "choose another file or move it aside (followup will not overwrite it)") from None
    if str(cal.get("PRODID", "")) != PRODID:
        raise PermanentChannelError(f"{path} is a calendar followup did not write; choose another file so it is not overwritten")
    out: dict[str, tuple[int, str, object]] = {}
    for comp in cal.walk():
        if comp.name in ("VEVENT", "VTODO"):
            out[str(comp["UID"])] = (int(comp.get("SEQUENCE", 0)), str(comp.get("X-FOLLOWUP-HASH", "")), comp)
    return out


def _description(advice: Advice, a: Action) -> str:
    lines = [a.rationale, ""]
    if a.target.name:
        who = a.target.label + (f" <{a.target.email}>" if a.target.email else "")
        lines.append(f"For: {who}")
    lines.append(f"How: {a.channel}" + (f"; call at {a.suggested_at:%a %d %b %H:%M}" if a.suggested_at else ""))
    lines.append(f"Sources: {sources_text(a)}")
    lines.append(f"Rank {a.rank} of {len(advice.actions)} ({a.priority}), pack {advice.pack.name} v{advice.pack.version}, "
                 f"as of {advice.at:%Y-%m-%d %H:%M} {advice.timezone}")
    return _text("\n".join(lines))


class CalendarChannel(Channel):
    name = "ics"
    description = "An iCalendar file: an event and a reminder per dated action; re-export updates it."
    arg_help = "FILE (the .ics to write or update)"
    arg_required = True
    options = {
        "mode": "event (default) or todo: VEVENTs or VTODOs",
        "alarm": "minutes before the due time the reminder goes off (default 30)",
        "duration": "length of each event in minutes (default 15)",
    }

    def __init__(self, target: ChannelTarget) -> None:
        super().__init__(target)
        self.mode = option_choice(self, "mode", ("event", "todo"))
        self.alarm = option_int(self, "alarm", 30)
        self.duration = option_int(self, "duration", 15, minimum=1)

    def deliver(self, delivery: Delivery) -> str:
        advice = delivery.advice
        path = Path(self.target.arg or "").expanduser()
        previous = _previous(path)
        from icalendar import Calendar

        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _line(f"Follow-up: {advice.position} at {advice.company}"))
        stamp = _utc(advice.at)
        written: set[str] = set()
        for a in advice.actions:
            if a.due is None:
                continue
            uid = action_uid(advice, a)
            h = action_hash(a)
            seq, old_hash, _ = previous.get(uid, (0, h, None))
            if uid in previous and old_hash != h:
                seq += 1
            cal.add_component(self._component(advice, a, uid, seq, h, stamp))
            written.add(uid)
        cancelled = 0
        for uid, (seq, _hash, comp) in previous.items():
            if uid in written:
                continue
            # No longer advised (done, or facts changed): keep it, cancelled, so importers remove it.
            if str(comp.get("STATUS", "")) != "CANCELLED":  # type: ignore[attr-defined]
                comp["STATUS"] = "CANCELLED"  # type: ignore[index]
                comp["SEQUENCE"] = seq + 1  # type: ignore[index]
                comp.pop("DTSTAMP", None)  # type: ignore[attr-defined]
                comp.add("dtstamp", stamp)  # type: ignore[attr-defined]
            cal.add_component(comp)  # type: ignore[arg-type]
            cancelled += 1
        atomic_write(path, cal.to_ical())
        note = f", {cancelled} cancelled" if cancelled else ""
        return f"{path} ({len(written)} {'to-dos' if self.mode == 'todo' else 'events'}{note})"

    def _component(self, advice: Advice, a: Action, uid: str, seq: int, h: str, stamp: datetime) -> Event | Todo:
        assert a.due is not None
        when = _utc(a.suggested_at or a.due)
        from icalendar import Alarm, Event, Todo

        comp: Event | Todo
        summary = _line(f"Wait over: {a.title}" if a.avoid else a.title)
        if self.mode == "todo":
            comp = Todo()
            comp.add("due", _utc(a.due))
            comp.add("status", "NEEDS-ACTION")
        else:
            comp = Event()
            comp.add("dtstart", when)
            comp.add("dtend", when + timedelta(minutes=self.duration))
            comp.add("status", "CONFIRMED")
            comp.add("transp", "TRANSPARENT")
        comp.add("uid", uid)
        comp.add("sequence", seq)
        comp.add("dtstamp", stamp)
        comp.add("summary", summary)
        comp.add("description", _description(advice, a))
        comp.add("categories", [a.kind])
        comp.add("priority", _PRIORITY.get(a.priority, 5))
        comp.add("x-followup-hash", h)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        # for a to-do the reminder is relative to its due time (RFC 5545 3.8.6.3: RELATED=END)
        alarm.add("trigger", timedelta(minutes=-self.alarm),
                  parameters={"RELATED": "END"} if self.mode == "todo" else {})
        comp.add_component(alarm)
        return comp


@hookimpl
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    register(CalendarChannel)
