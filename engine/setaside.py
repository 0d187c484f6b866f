"""What the user set aside (done, snoozed, dismissed) and the numbered list they last saw, per facts file.

Kept outside the facts files, in ``$FOLLOWUP_HOME/cases.json`` (see
state.state_dir), keyed by the facts file's absolute path: facts say what
happened; this file says what the user asked not to be shown again, which
is not a fact about the interview. ``followup done N`` / ``snooze N`` /
``dismiss N`` act on the numbers of the last list shown (by ``advise`` for
one file, or ``agenda`` across files), so the number means what the user
saw even if the advice has changed since.

An action is known by its rule and its target (``rule|person``): the same
action the next day, or under a slightly different due time, is the same
key. A snooze ends by itself; a dismissal lasts. Nothing is hidden without
a trace: `Advice.set_aside` lists what was left out and the renderers say
how many, and how many of those are overdue.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .errors import InputError, Problem
from .results import Action, Advice, SetAside
from .state import locked, read_json, state_dir, write_json

__all__ = ["State", "Shown", "action_key", "case_key", "apply_set_aside", "StateError"]

Kind = Literal["done", "snoozed", "dismissed"]


class StateError(InputError):
    """A number or file the state does not know."""


@dataclass(frozen=True)
class Shown:
    """One numbered line of the last list shown."""

    number: int
    file: str
    key: str
    title: str
    kind: str
    channel: str
    target: str | None
    avoid: bool


def case_key(path: str | os.PathLike[str]) -> str:
    return str(Path(path).expanduser().resolve())


def action_key(a: Action) -> str:
    return f"{a.rule}|{a.target.name or a.target.kind}"


class State:
    """The state file: ``{"version": 1, "cases": {path: {"set_aside": {key: {...}}, "shown": [...]}}, "last": [...]}``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "cases.json"

    def _load(self) -> dict[str, Any]:
        data = read_json(self.path, "case state", {"version": 1, "cases": {}, "last": []})
        if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
            raise StateError(Problem("the case state has an unexpected shape", file=str(self.path),
                                     hint="repair or move the file aside; followup will not overwrite it", code="state"))
        return data

    def _save(self, data: dict[str, Any]) -> None:
        write_json(self.path, data)

    def read(self) -> dict[str, Any]:
        with locked(self.path):
            return self._load()

    # set aside -----------------------------------------------------------------------

    def set_aside(self, path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
        return dict(self.read()["cases"].get(case_key(path), {}).get("set_aside", {}))

    def put(self, file: str, key: str, kind: Kind, title: str, *, until: datetime | None = None,
            note: str | None = None) -> None:
        with locked(self.path):
            data = self._load()
            case = data["cases"].setdefault(file, {})
            case.setdefault("set_aside", {})[key] = {
                "state": kind, "title": title, "since": datetime.now(UTC).isoformat(timespec="seconds"),
                "until": until.isoformat() if until else None, "note": note}
            self._save(data)

    def restore(self, file: str, key: str) -> bool:
        """Show an action again (undo done/snooze/dismiss); False when it was not set aside."""
        with locked(self.path):
            data = self._load()
            aside = data["cases"].get(file, {}).get("set_aside", {})
            if key not in aside:
                return False
            del aside[key]
            self._save(data)
            return True

    # the last numbered list ------------------------------------------------------------

    def remember(self, shown: list[Shown]) -> None:
        """The list just shown: the global `last` (what a bare `done N` means) and per file."""
        rows = [s.__dict__ for s in shown]
        with locked(self.path):
            data = self._load()
            data["last"] = rows
            for file in {s.file for s in shown}:
                data["cases"].setdefault(file, {})["shown"] = [r for r in rows if r["file"] == file]
            self._save(data)

    def remember_empty(self, files: Iterable[str]) -> None:
        with locked(self.path):
            data = self._load()
            data["last"] = []
            for file in files:
                data["cases"].setdefault(file, {})["shown"] = []
            self._save(data)

    def lookup(self, numbers: Iterable[int], path: str | os.PathLike[str] | None = None) -> list[Shown]:
        """The lines numbered `numbers` of the last list shown (for `path`, else the last list of all)."""
        data = self.read()
        rows = data["cases"].get(case_key(path), {}).get("shown") if path is not None else data.get("last")
        if not rows:
            where = f"for {path}" if path is not None else "yet"
            raise StateError(Problem(f"no numbered list has been shown {where}", hint="run `followup advise FILE` "
                                     "or `followup agenda` first, then use the numbers it shows", code="state"))
        by_number = {r["number"]: Shown(**r) for r in rows}
        out = []
        for n in numbers:
            if n not in by_number:
                raise StateError(Problem(f"there is no number {n} in the last list (1 to {max(by_number)})",
                                         hint="use a number from the last list shown, or run advise/agenda again",
                                         code="state"))
            out.append(by_number[n])
        return out


def apply_set_aside(advice: Advice, aside: dict[str, dict[str, Any]], *, show_all: bool = False) -> Advice:
    """`advice` without what the user set aside (snoozes still running, dismissals, done), renumbered from 1,
    with `set_aside` listing what was left out; `show_all` keeps everything and only lists."""
    shown: list[Action] = []
    left: list[SetAside] = []
    for a in advice.actions:
        entry = aside.get(action_key(a))
        state = entry["state"] if entry else None
        until = datetime.fromisoformat(entry["until"]) if entry and entry.get("until") else None
        if state == "snoozed" and until is not None and until <= advice.at:
            state = None  # the snooze is over
        if state is None or show_all:
            shown.append(a)
        if state is not None:
            left.append(SetAside(rule=a.rule, key=action_key(a), title=a.title, state=state, until=until,
                                 urgency=a.urgency, due=a.due))
    if not left:
        return advice
    actions = [a if a.rank == i else a.model_copy(update={"rank": i}) for i, a in enumerate(shown, start=1)]
    return advice.model_copy(update={"actions": actions, "set_aside": left})


def shown_lines(advice: Advice, file: str, start: int = 1) -> list[Shown]:
    return [Shown(number=start + i, file=file, key=action_key(a), title=a.title, kind=a.kind, channel=a.channel,
                  target=a.target.name, avoid=a.avoid) for i, a in enumerate(advice.actions)]
