"""Undelivered advice (the outbox) and what was already delivered (the delivery log).

Both are small JSON files in the state folder: ``$FOLLOWUP_HOME``, else
``$XDG_STATE_HOME/followup``, else ``~/.local/state/followup``. The outbox
can be moved with ``--outbox`` / ``$FOLLOWUP_OUTBOX``. Every change is a
locked read-modify-write ending in an atomic rename, so two runs at once
neither lose nor half-write entries.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .yamlio import atomic_write

__all__ = ["state_dir", "default_outbox_path", "Outbox", "OutboxEntry", "DeliveryLog"]


def state_dir() -> Path:
    """Where followup keeps its state (outbox, delivery log)."""
    home = os.environ.get("FOLLOWUP_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "state") / "followup"


def default_outbox_path() -> Path:
    env = os.environ.get("FOLLOWUP_OUTBOX")
    return Path(env).expanduser() if env else state_dir() / "outbox.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_json(path: Path, what: str, default: Any) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    try:
        return json.loads(text) if text.strip() else default
    except json.JSONDecodeError as exc:
        # Never overwrite a file we cannot read: it may hold undelivered advice.
        raise InputError(Problem(f"the {what} is not valid JSON ({exc.msg})", file=str(path), line=exc.lineno,
                                 column=exc.colno, hint="repair or move the file aside; followup will not overwrite it",
                                 code="state"), source=str(path)) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class OutboxEntry:
    """Advice that one channel failed to deliver."""

    id: str
    target: str  # the channel target spec, e.g. "webhook:http://host/hook,style=slack"
    advice: dict[str, Any]  # Advice as JSON
    facts: dict[str, Any] | None = None  # Facts as JSON, for channels that need them
    explain: bool = False
    created: str = field(default_factory=_now)
    attempts: int = 1
    last_error: str = ""
    last_attempt: str = field(default_factory=_now)
    # the last failure can never pass as the entry is written (unknown host, refused recipient):
    # kept, but `outbox retry` tries it only when named or with --all
    permanent: bool = False


class Outbox:
    """The outbox file: a JSON object ``{"version": 1, "entries": [...]}``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_outbox_path()

    def _load(self) -> list[OutboxEntry]:
        data = _read_json(self.path, "outbox", {"version": 1, "entries": []})
        try:
            return [OutboxEntry(**e) for e in data["entries"]]
        except (KeyError, TypeError) as exc:
            raise InputError(Problem(f"the outbox has an unexpected shape ({exc})", file=str(self.path),
                                     hint="repair or move the file aside; followup will not overwrite it", code="state"),
                             source=str(self.path)) from None

    def _save(self, entries: list[OutboxEntry]) -> None:
        atomic_write(self.path, json.dumps({"version": 1, "entries": [asdict(e) for e in entries]},
                                           ensure_ascii=False, indent=2) + "\n")

    def entries(self) -> list[OutboxEntry]:
        with _locked(self.path):
            return self._load()

    def add(self, target: str, advice: dict[str, Any], facts: dict[str, Any] | None, explain: bool, error: str,
            *, permanent: bool = False) -> OutboxEntry:
        """Keep undelivered advice; the same advice for the same target replaces its older entry."""
        with _locked(self.path):
            entries = self._load()
            for e in entries:
                if e.target == target and e.advice == advice:
                    e.attempts += 1
                    e.last_error = error
                    e.last_attempt = _now()
                    e.permanent = permanent
                    self._save(entries)
                    return e
            entry = OutboxEntry(id=uuid.uuid4().hex[:12], target=target, advice=advice, facts=facts,
                                explain=explain, last_error=error, permanent=permanent)
            entries.append(entry)
            self._save(entries)
            return entry

    def remove(self, entry_id: str) -> None:
        with _locked(self.path):
            entries = [e for e in self._load() if e.id != entry_id]
            self._save(entries)

    def failed_again(self, entry_id: str, error: str, *, permanent: bool = False) -> None:
        with _locked(self.path):
            entries = self._load()
            for e in entries:
                if e.id == entry_id:
                    e.attempts += 1
                    e.last_error = error
                    e.last_attempt = _now()
                    e.permanent = permanent
            self._save(entries)

    def drop(self, ids: Iterable[str] = (), *, permanent: bool = False, everything: bool = False) -> list[OutboxEntry]:
        """Remove the entries named in `ids`, those marked permanent, or all; returns what was removed."""
        wanted = set(ids)
        with _locked(self.path):
            entries = self._load()
            gone = [e for e in entries if everything or e.id in wanted or (permanent and e.permanent)]
            if gone:
                dropped = {e.id for e in gone}
                self._save([e for e in entries if e.id not in dropped])
            return gone


class DeliveryLog:
    """What each sending channel already delivered: target spec -> action UID -> content hash."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else state_dir() / "delivered.json"

    def delivered(self, target: str) -> dict[str, str]:
        with _locked(self.path):
            return dict(_read_json(self.path, "delivery log", {}).get(target, {}))

    def record(self, target: str, hashes: dict[str, str]) -> None:
        with _locked(self.path):
            data = _read_json(self.path, "delivery log", {})
            data.setdefault(target, {}).update(hashes)
            atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
