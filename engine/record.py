"""Recording what happened in a facts file: a thank-you sent, a follow-up made, a response received.

    from followup import record
    record.thanked("acme.yaml", "Dana Lee", by="email", at="yesterday 18:40")
    record.response("acme.yaml", "offer", at="10:15", answer_by="friday 17:00")

Each operation edits the file the way a careful person would by hand: YAML
is edited round-trip (comments, order and layout kept; new entries in the
file's style), the whole resulting file is validated before anything is
written (a change that would contradict the rest is refused with the
located error and the file left as it was), and the write is atomic. Times
default to now and may be written naturally ("18:40", "yesterday 18:40"),
read in the company's time zone. JSON files (which have no comments) are
rewritten with two-space indentation.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .errors import FactsError, InputError, Problem
from .facts import Facts, Response, facts_from_text
from .when import WhenError, parse_when
from .yamlio import atomic_write, read_text, round_trip_yaml

__all__ = ["Recorded", "RecordError", "thanked", "letter", "followed_up", "answered", "response", "replied",
           "linkedin", "notes", "decision", "contact", "find_person"]

# Where each top-level section goes when it is added, so a new `follow_ups:` lands where a person would put it.
_ORDER = ("candidate", "position", "interview", "interviewers", "arrangers", "decision", "follow_ups", "responses",
          "other_applications")
_RESPONSE_KINDS = {"offer": "offer", "rejection": "rejection", "update": "update", "second-round": "second_round",
                   "second_round": "second_round"}


class RecordError(InputError):
    """A change that cannot be recorded as asked (nothing was written)."""


@dataclass(frozen=True)
class Recorded:
    """What was written: the file, a sentence saying what changed, and the facts as they now are."""

    path: Path
    summary: str
    facts: Facts


When = datetime | str | None


class _Edit:
    """One facts file open for a change: its data (round-trip for YAML), facts and zone."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.text, self.name = read_text(self.path)
        except OSError as exc:
            raise RecordError(Problem(f"cannot read {path}: {exc.strerror or exc}", file=str(path),
                                      hint="check the path", code="unreadable")) from None
        self.facts = facts_from_text(self.text, self.name)  # refuse to edit a file that is already invalid
        self.zone = ZoneInfo(self.facts.position.timezone)
        self.json = self.text.lstrip().startswith("{")
        if self.json:
            self.data: MutableMapping[str, Any] = json.loads(self.text)
        else:
            self.yaml = round_trip_yaml()
            self.data = self.yaml.load(self.text)

    # values in the file's own style --------------------------------------------------

    def stamp(self, when: When, *, now: datetime | None = None, what: str = "--at",
             future: bool = False, default_time: time | None = None) -> Any:
        moment = self.moment(when, now=now, what=what, future=future, default_time=default_time)
        if self.json:
            return moment.isoformat()
        from ruamel.yaml.timestamp import TimeStamp

        offset = moment.utcoffset() or timedelta(0)
        sign, total = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds())) // 60
        name = f"{sign}{total // 60:02d}:{total % 60:02d}"
        stamp = TimeStamp(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                          tzinfo=timezone(offset, name))
        stamp._yaml["t"] = True  # 2026-11-17T18:40:00+00:00, as the examples write it
        return stamp

    def moment(self, when: When, *, now: datetime | None = None, what: str = "--at", future: bool = False,
               default_time: time | None = None) -> datetime:
        if isinstance(when, datetime):
            return (when if when.tzinfo else when.replace(tzinfo=self.zone)).astimezone(self.zone).replace(microsecond=0)
        try:
            return parse_when(when or "now", self.zone, now, direction="future" if future else "past",
                              default_time=default_time, what=what)
        except WhenError as exc:
            raise RecordError(exc.problems, source=self.name) from None

    def mapping(self, *pairs: tuple[str, Any], flow: bool = True) -> Any:
        if self.json:
            return dict(pairs)
        from ruamel.yaml.comments import CommentedMap

        m = CommentedMap(pairs)
        if flow:
            m.fa.set_flow_style()
        return m

    def seq(self, items: list[Any], flow: bool = True) -> Any:
        if self.json:
            return list(items)
        from ruamel.yaml.comments import CommentedSeq

        s = CommentedSeq(items)
        if flow:
            s.fa.set_flow_style()
        return s

    def section(self, key: str, empty: Callable[[], Any]) -> Any:
        """The top-level `key`, added in its usual place when missing."""
        if key not in self.data or self.data[key] is None:
            value = empty()
            later = [k for k in _ORDER[_ORDER.index(key) + 1:] if k in self.data]
            if later and not self.json:
                self.data.insert(list(self.data).index(later[0]), key, value)  # type: ignore[attr-defined]
            else:
                self.data[key] = value
        return self.data[key]

    # writing ---------------------------------------------------------------------------

    def commit(self, summary: str) -> Recorded:
        if self.json:
            new = json.dumps(self.data, ensure_ascii=False, indent=2) + "\n"
        else:
            out = io.StringIO()
            self.yaml.dump(self.data, out)
            new = out.getvalue()
        try:
            facts = facts_from_text(new, self.name)
        except FactsError as exc:
            raise RecordError([Problem(**{**p.__dict__, "message": f"not recorded, the file would become invalid: "
                                                                   f"{p.message}"}) for p in exc.problems],
                              source=self.name) from None
        atomic_write(self.path, new)
        return Recorded(self.path, summary, facts)


def find_person(facts: Facts, name: str) -> tuple[str, int]:
    """(`interviewers` or `arrangers`, index) of the person called `name`: the full name, or a unique first
    name or surname, case-insensitively; else a RecordError listing who is in the file."""
    key = " ".join(name.split()).casefold()
    groups = [("interviewers", facts.interviewers), ("arrangers", facts.arrangers)]
    exact = [(g, i) for g, people in groups for i, p in enumerate(people) if p.name.casefold() == key]
    if exact:
        return exact[0]
    partial = [(g, i) for g, people in groups for i, p in enumerate(people) if key in p.name.casefold().split()]
    if len(partial) == 1:
        return partial[0]
    everyone = ", ".join(p.name for p in facts.people)
    what = f"{name!r} matches {len(partial)} people" if partial else f"nobody called {name!r} is in this file"
    raise RecordError(Problem(what, path=("interviewers",), hint=f"give the full name of one of: {everyone}",
                              code="person"))


def _person(e: _Edit, name: str) -> tuple[MutableMapping[str, Any], str]:
    group, i = find_person(e.facts, name)
    return e.data[group][i], getattr(e.facts, group)[i].name


def _when_text(moment: Any) -> str:
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{when:%a %d %b %H:%M}"


def thanked(path: str | os.PathLike[str], person: str, *, by: str = "email", at: When = None,
            replace: bool = False, now: datetime | None = None) -> Recorded:
    """A thank-you sent to `person` (email, handwritten or letter)."""
    return _sent(path, person, "thank_you", "thank-you", by, at, replace, now)


def letter(path: str | os.PathLike[str], person: str, *, by: str = "letter", at: When = None,
           replace: bool = False, now: datetime | None = None) -> Recorded:
    """The later, more formal follow-up letter sent to `person` (letter or email)."""
    return _sent(path, person, "formal_letter", "formal letter", by, at, replace, now)


def _sent(path: str | os.PathLike[str], person: str, field: str, label: str, by: str, at: When, replace: bool,
          now: datetime | None) -> Recorded:
    e = _Edit(path)
    target, name = _person(e, person)
    if target.get(field) and not replace:
        raise RecordError(Problem(f"a {label} to {name} is already recorded ({target[field].get('at')})",
                                  path=(field,), hint="pass --replace to record this one instead", code="recorded"))
    stamp = e.stamp(at, now=now)
    target[field] = e.mapping(("at", stamp), ("channel", by))
    return e.commit(f"{label} to {name} by {by}, {_when_text(stamp)}")


def followed_up(path: str | os.PathLike[str], people: list[str], *, by: str = "email", at: When = None,
                answered_at: When | bool = None, now: datetime | None = None) -> Recorded:
    """A status follow-up to `people` (names in the file); `answered_at=True` means answered now."""
    e = _Edit(path)
    names = [_person(e, p)[1] for p in people]
    if not names:
        raise RecordError(Problem("say whom you followed up with", hint="give a name from the file", code="person"))
    stamp = e.stamp(at, now=now)
    item: list[tuple[str, Any]] = [("at", stamp), ("channel", by), ("to", e.seq(names))]
    if answered_at is not None and answered_at is not False:
        item.append(("answered", True))
        item.append(("answered_at", stamp if answered_at is True else e.stamp(answered_at, now=now, what="--answered-at")))
    e.section("follow_ups", lambda: e.seq([], flow=False)).append(e.mapping(*item, flow=False))
    return e.commit(f"follow-up to {', '.join(names)} by {by}, {_when_text(stamp)}"
                    + (" (answered)" if len(item) > 3 else ""))


def answered(path: str | os.PathLike[str], *, at: When = None, now: datetime | None = None) -> Recorded:
    """The latest follow-up was answered."""
    e = _Edit(path)
    ups = e.data.get("follow_ups") or []
    if not ups:
        raise RecordError(Problem("there is no follow-up to mark as answered", path=("follow_ups",),
                                  hint="record it first: followup record FILE followed-up NAME --by email",
                                  code="recorded"))
    stamp = e.stamp(at, now=now)
    ups[-1]["answered"] = True
    ups[-1]["answered_at"] = stamp
    return e.commit(f"the follow-up of {e.facts.follow_ups[-1].at:%a %d %b} was answered, {_when_text(stamp)}")


def response(path: str | os.PathLike[str], kind: str, *, at: When = None, from_: str | None = None,
             answer_by: When = None, second_round_at: When = None, now: datetime | None = None) -> Recorded:
    """A response from the company: offer, rejection, update or second-round."""
    e = _Edit(path)
    k = _RESPONSE_KINDS.get(kind.replace(" ", "-").lower())
    if k is None:
        raise RecordError(Problem(f"{kind!r} is not a kind of response", path=("responses",),
                                  hint="use offer, rejection, update or second-round", code="kind"))
    stamp = e.stamp(at, now=now)
    item: list[tuple[str, Any]] = [("kind", k), ("at", stamp)]
    if from_:
        item.append(("from", _person(e, from_)[1]))
    if second_round_at is not None:
        if k != "second_round":
            raise RecordError(Problem("--second-round-at is for a second-round invitation", hint="leave it out",
                                      code="kind"))
        item.append(("second_round_at", e.stamp(second_round_at, now=now, what="--second-round-at", future=True)))
    late_note = None
    if answer_by is not None:
        by = e.stamp(answer_by, now=now, what="--answer-by", future=True, default_time=time(17))
        if "answer_by" in Response.model_fields:
            item.append(("answer_by", by))
        else:  # kept in the file for when this version reads it
            late_note = f"answer by {e.moment(answer_by, now=now, future=True, default_time=time(17)).isoformat()}"
    entry = e.mapping(*item, flow=False)
    if late_note and not e.json:
        entry.yaml_add_eol_comment(late_note, "kind")
    e.section("responses", lambda: e.seq([], flow=False)).append(entry)
    return e.commit(f"{kind} received, {_when_text(stamp)}" + (f" ({late_note})" if late_note else ""))


def replied(path: str | os.PathLike[str], *, by: str = "email", at: When = None, now: datetime | None = None) -> Recorded:
    """You replied to the latest response."""
    e = _Edit(path)
    items = e.data.get("responses") or []
    if not items:
        raise RecordError(Problem("there is no response to reply to", path=("responses",),
                                  hint="record it first: followup record FILE response offer", code="recorded"))
    stamp = e.stamp(at, now=now)
    latest = max(range(len(items)), key=lambda i: e.facts.responses[i].at)
    items[latest]["replied"] = e.mapping(("at", stamp), ("channel", by))
    return e.commit(f"reply to the {e.facts.responses[latest].kind.replace('_', '-')} by {by}, {_when_text(stamp)}")


def linkedin(path: str | os.PathLike[str], person: str, state: str = "requested") -> Recorded:
    """LinkedIn with `person`: requested or connected (or none)."""
    if state not in ("none", "requested", "connected"):
        raise RecordError(Problem(f"{state!r} is not a LinkedIn state", hint="use requested or connected", code="kind"))
    e = _Edit(path)
    target, name = _person(e, person)
    target["linkedin"] = state
    return e.commit(f"LinkedIn with {name}: {state}")


def notes(path: str | os.PathLike[str], taken: bool = True) -> Recorded:
    """Your notes on the interview are written."""
    e = _Edit(path)
    e.data["interview"]["notes_taken"] = taken
    return e.commit("notes on the interview: " + ("written" if taken else "not yet written"))


def decision(path: str | os.PathLike[str], *, expected_by: When = None, informs: str | None = None,
             channel: str | None = None, call_invited: bool | None = None, now: datetime | None = None) -> Recorded:
    """You asked (or were told) when the decision comes: its date, who tells you and how."""
    e = _Edit(path)
    d = e.section("decision", lambda: e.mapping(flow=False))
    d["asked"] = True
    parts = ["asked about the decision"]
    if expected_by is not None:
        by = e.stamp(expected_by, now=now, what="--by", future=True, default_time=time(17))
        d["expected_by"] = by
        parts.append(f"expected by {_when_text(by)}")
    if informs:
        d["informs"] = _person(e, informs)[1]
        parts.append(f"{d['informs']} will tell you")
    if channel:
        d["channel"] = channel
    if call_invited is not None:
        d["call_invited"] = call_invited
    return e.commit(", ".join(parts))


def contact(path: str | os.PathLike[str], person: str, *, email: str | None = None, phone: str | None = None) -> Recorded:
    """You have `person`'s contact details (their card, an address, a number)."""
    e = _Edit(path)
    target, name = _person(e, person)
    if email:
        target["email"] = email
    if phone:
        target["phone"] = phone
    target["contact_known"] = True
    return e.commit(f"contact details of {name}" + "".join(f", {v}" for v in (email, phone) if v))

