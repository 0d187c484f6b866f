"""Digests: every open action, overdue first, with what is new since the last digest to the same place.

A reminder that lists only what is new hides the work that was missed, so a
digest always lists all open actions: overdue, then due today, then coming up
(each in rank order), then the "hold off" advice. Each item is marked `new`
(not in the last digest sent to this channel) or `changed` (in it, but what it
says has changed). The digest's revision is a hash of what it lists and how
urgent each item is, so it changes when an action appears, changes, or becomes
due or overdue, and not when the same advice is evaluated again later.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .render import format_due, origin_text, said_before, sources_text
from .results import Action, Advice

__all__ = ["Digest", "DigestItem", "Mark", "SECTIONS", "build_digest", "case_id", "action_uid", "action_hash",
           "idempotency_key", "digest_text", "digest_markdown", "when_text", "how_when", "cut_words"]

Mark = Literal["new", "changed", ""]
Section = Literal["overdue", "today", "upcoming", "hold off"]
SECTIONS: dict[Section, str] = {"overdue": "Overdue", "today": "Due today", "upcoming": "Coming up",
                                "hold off": "Hold off"}


def _case_text(advice: Advice) -> str:
    return f"{advice.candidate}|{advice.company}|{advice.position}"


def case_id(advice: Advice) -> str:
    """A stable id for the case (candidate, company, position) the advice is about."""
    return hashlib.sha256(_case_text(advice).encode()).hexdigest()[:16]


def action_uid(advice: Advice, action: Action) -> str:
    """A stable id for one action: same facts, pack, rule and target give the same id on every run."""
    basis = "|".join([_case_text(advice), action.pack, action.rule, action.kind, str(action.avoid),
                      action.target.kind, action.target.name or ""])
    return hashlib.sha256(basis.encode()).hexdigest()[:24] + "@followup"


def action_hash(action: Action) -> str:
    """Hash of what the reminder says (not its rank, score or urgency, which drift with time)."""
    keep = action.model_dump(mode="json", include={"kind", "avoid", "title", "target", "channel", "due", "rationale"})
    return hashlib.sha256(json.dumps(keep, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def idempotency_key(case: str, identity: str, revision: str, nonce: str = "") -> str:
    """The same (case, channel identity, digest revision) gives the same key in every run and process, so a
    receiver can drop a second copy; `nonce` makes a deliberate re-send (--resend) a new message."""
    return "followup-" + hashlib.sha256(f"{case}|{identity}|{revision}|{nonce}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class DigestItem:
    action: Action
    uid: str
    hash: str
    mark: Mark
    section: Section


@dataclass(frozen=True)
class Digest:
    """What one reminder to one place says: `items` in display order."""

    advice: Advice
    items: tuple[DigestItem, ...]
    case: str
    revision: str
    marked: bool = False  # marks are known (compared with a previous digest, or kept with it)

    @property
    def open(self) -> int:
        """Actions to do (the "hold off" advice is not work)."""
        return sum(1 for i in self.items if i.section != "hold off")

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.section == "overdue")

    @property
    def new(self) -> int:
        """Open actions that were not in the last digest (new "hold off" advice is marked, not counted)."""
        return sum(1 for i in self.items if i.mark == "new" and i.section != "hold off")

    @property
    def changed(self) -> int:
        return sum(1 for i in self.items if i.mark == "changed" and i.section != "hold off")

    @property
    def marks(self) -> dict[str, str]:
        return {i.uid: i.mark for i in self.items if i.mark}

    @property
    def summary(self) -> str:
        """What is open, e.g. ``3 open (1 overdue, 1 new)``: what a subject line or notification shows."""
        parts = [f"{n} {what}" for n, what in ((self.overdue, "overdue"), (self.new, "new"),
                                                 (self.changed, "changed")) if n]
        text = f"{self.open} open" if self.open else "nothing open"
        return text + (f" ({', '.join(parts)})" if parts else "")

    def seen(self, item: DigestItem) -> bool:
        """Listed, unchanged, in the last digest to the same place: a reminder needs its title and date,
        not its reasons again."""
        return self.marked and not item.mark

    def sections(self) -> list[tuple[Section, list[DigestItem]]]:
        return [(s, [i for i in self.items if i.section == s]) for s in SECTIONS
                if any(i.section == s for i in self.items)]

    def as_dict(self) -> dict[str, object]:
        """The digest as plain data, for payloads: counts and each action's rank, uid, section and mark."""
        return {"summary": self.summary, "open": self.open, "overdue": self.overdue, "new": self.new,
                "changed": self.changed, "revision": self.revision,
                "items": [{"rank": i.action.rank, "uid": i.uid, "section": i.section, "mark": i.mark or None}
                          for i in self.items]}


def _section(a: Action) -> Section:
    return "hold off" if a.avoid else a.urgency


def build_digest(advice: Advice, previous: Mapping[str, str] | None = None, *,
                 marks: Mapping[str, str] | None = None) -> Digest:
    """The digest of `advice`; `previous` maps the uids of the last digest to the same place to their hashes
    ({} when there was none: everything is new; None: unknown, nothing marked). `marks` gives the marks
    directly instead (a digest kept in the outbox keeps the marks it was made with)."""
    order = list(SECTIONS)
    items = []
    for a in sorted(advice.actions, key=lambda a: (order.index(_section(a)), a.rank)):
        uid, h = action_uid(advice, a), action_hash(a)
        mark: str
        if marks is not None:
            mark = marks.get(uid, "")
        elif previous is None:
            mark = ""
        else:
            mark = "new" if uid not in previous else "changed" if previous[uid] != h else ""
        items.append(DigestItem(a, uid, h, mark if mark in ("new", "changed") else "", _section(a)))  # type: ignore[arg-type]
    basis = sorted((i.uid, i.hash, i.action.urgency) for i in items)
    revision = hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:24]
    return Digest(advice, tuple(items), case_id(advice), revision, marked=marks is not None or previous is not None)


def how_when(a: Action) -> str:
    """``email · due Tue 17 Nov 19:00``: the medium (when there is one) and the time."""
    return when_text(a) if a.channel == "none" else f"{a.channel} · {when_text(a)}"


def when_text(a: Action) -> str:
    if a.due is None:
        return "no deadline"
    if a.avoid:
        return f"until {format_due(a.due)}"
    text = f"due {format_due(a.due)}"
    if a.suggested_at is not None and a.suggested_at != a.due:
        text += f" (call {format_due(a.suggested_at)})"
    return text


def cut_words(text: str, limit: int, tail: str = "…") -> str:
    """`text` cut to at most `limit` characters at a word boundary (never mid-word), `tail` appended if cut."""
    if len(text) <= limit:
        return text
    room = max(limit - len(tail), 0)
    cut = text[:room + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    cut = cut[:space] if space > 0 else text[:room]
    return cut.rstrip() + tail


def _head(d: Digest) -> list[str]:
    a = d.advice
    return [f"{a.candidate} — {a.position} at {a.company}",
            f"{d.summary[0].upper()}{d.summary[1:]} · pack {a.pack.title} ({a.pack.name} v{a.pack.version})",
            f"As of {a.at:%a %d %b %Y %H:%M} {a.timezone}"]


def _said_before(d: Digest) -> dict[int, int]:
    """Among the items whose reasons this digest gives, in the order shown: rank -> the earlier rank
    with the same reasons."""
    return said_before([i.action for _, items in d.sections() for i in items if not d.seen(i)])


def digest_text(d: Digest, *, width: int = 72, explain: bool = False) -> str:
    """Plain text, one block per action under a heading per section; new and changed ones say so and give
    their reasons, the ones already sent only what and when."""
    def wrap(label: str, text: str) -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=f"    {label}", subsequent_indent="      ",
                             break_long_words=False, break_on_hyphens=False) or [f"    {label}"]

    lines = _head(d) + [""]
    if not d.items:
        lines.append("Nothing to do right now under this pack.")
    said = _said_before(d)
    for section, items in d.sections():
        lines += [SECTIONS[section], "-" * len(SECTIONS[section])]
        for i in items:
            a = i.action
            mark = f"[{i.mark}] " if i.mark else ""
            lines += textwrap.wrap(f"{a.rank:>2}. {mark}{a.title}", width=width, subsequent_indent="    ",
                                   break_long_words=False, break_on_hyphens=False)
            lines += wrap("", how_when(a))
            if a.rank in said:
                lines += wrap("Why: ", f"as for {said[a.rank]} above")
            elif not d.seen(i):
                lines += wrap("Why: ", a.rationale)
                lines += wrap("Sources: ", sources_text(a))
                lines += wrap("From: ", origin_text(a, d.advice))
            if explain and a.because:
                lines += ["    Because:"] + [f"      {b.test} (was {b.value})" for b in a.because]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def digest_markdown(d: Digest, *, explain: bool = False) -> str:
    a = d.advice
    lines = [f"# {d.summary[0].upper()}{d.summary[1:]}: {a.position} at {a.company}", "",
             f"*{a.candidate}* · pack **{a.pack.title}** (`{a.pack.name}` v{a.pack.version}) · "
             f"as of {a.at:%a %d %b %Y %H:%M} ({a.timezone})", ""]
    if not d.items:
        lines.append("Nothing to do right now under this pack.")
    said = _said_before(d)
    for section, items in d.sections():
        lines += [f"## {SECTIONS[section]}", ""]
        for i in items:
            act = i.action
            mark = f"*{i.mark}* · " if i.mark else ""
            # a bullet with the rank escaped: an ordered list would be renumbered from its first item
            lines.append(f"- {act.rank}\\. {mark}**{act.title}** — {how_when(act)}")
            if act.rank in said:
                lines.append(f"  - Why: as for {said[act.rank]} above")
            elif not d.seen(i):
                lines.append(f"  - Why: {act.rationale}")
                lines.append(f"  - Sources: {sources_text(act)}")
            if explain and act.because:
                lines.append("  - Because: " + "; ".join(f"{b.test} (was {b.value})" for b in act.because))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
