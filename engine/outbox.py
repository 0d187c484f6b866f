"""The outbox: advice not (yet) known to be delivered, kept until it is.

A JSON file in the state folder (see :mod:`followup.state`), movable with
``--outbox`` / ``$FOLLOWUP_OUTBOX``. Channels that send messages write their
entry here *before* sending (write-ahead) and remove it once the send is
recorded, so a run killed mid-send leaves the digest here, with its
idempotency key, for the next run; other channels add an entry when they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from .deliverylog import DeliveryLog
from .errors import InputError, Problem
from .state import locked, now_iso, read_json, state_dir, write_json

__all__ = ["state_dir", "default_outbox_path", "Outbox", "OutboxEntry", "DeliveryLog"]


def default_outbox_path() -> Path:
    env = os.environ.get("FOLLOWUP_OUTBOX")
    return Path(env).expanduser() if env else state_dir() / "outbox.json"


@dataclass
class OutboxEntry:
    """Advice for one channel that is not known to be delivered."""

    id: str
    target: str  # the channel target spec, e.g. "webhook:http://host/hook,style=slack"
    advice: dict[str, Any]  # Advice as JSON
    facts: dict[str, Any] | None = None  # Facts as JSON, for channels that need them
    explain: bool = False
    created: str = field(default_factory=now_iso)
    attempts: int = 1
    last_error: str = ""
    last_attempt: str = field(default_factory=now_iso)
    # the last failure can never pass as the entry is written (unknown host, refused recipient):
    # kept, but `outbox retry` tries it only when named or with --all
    permanent: bool = False
    # channels that send: written ahead of the send ("sending"; a run killed mid-send leaves it so),
    # with what the digest needs to be sent again identically
    state: Literal["sending", "failed"] = "failed"
    identity: str = ""  # the channel's identity (URL, address): what the delivery log is keyed by
    case: str = ""
    key: str = ""  # the idempotency key every attempt carries
    revision: str = ""  # the digest revision, recorded in the delivery log once sent
    marks: dict[str, str] = field(default_factory=dict)  # action uid -> new/changed, as when first made

    @property
    def actions(self) -> int:
        return len(self.advice.get("actions", []))


_FIELDS = [f.name for f in fields(OutboxEntry)]


class Outbox:
    """The outbox file: a JSON object ``{"version": 1, "entries": [...]}``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_outbox_path()

    def _load(self) -> list[OutboxEntry]:
        data = read_json(self.path, "outbox", {"version": 1, "entries": []})
        try:
            # keys a newer followup added are kept out rather than refused: the entry still delivers
            return [OutboxEntry(**{k: v for k, v in e.items() if k in _FIELDS}) for e in data["entries"]]
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(Problem(f"the outbox has an unexpected shape ({exc})", file=str(self.path),
                                     hint="repair or move the file aside; followup will not overwrite it", code="state"),
                             source=str(self.path)) from None

    def _save(self, entries: list[OutboxEntry]) -> None:
        # a shallow dict per entry: dataclasses.asdict would deep-copy every advice on every save
        write_json(self.path, {"version": 1, "entries": [{name: getattr(e, name) for name in _FIELDS} for e in entries]})

    def entries(self) -> list[OutboxEntry]:
        with locked(self.path):
            return self._load()

    def get(self, entry_id: str) -> OutboxEntry | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def add(self, target: str, advice: dict[str, Any], facts: dict[str, Any] | None, explain: bool, error: str,
            *, permanent: bool = False, identity: str = "", case: str = "") -> OutboxEntry:
        """Keep undelivered advice. The same advice for the same target adds an attempt to its entry; for a
        destination that is rewritten whole (a file), newer advice for the same case replaces the older."""
        with locked(self.path):
            entries = self._load()
            for e in entries:
                if e.target == target and e.advice == advice:
                    e.attempts += 1
                    e.last_error = error
                    e.last_attempt = now_iso()
                    e.permanent = permanent
                    self._save(entries)
                    return e
            if identity:
                entries = [e for e in entries if e.key or not (e.identity == identity and e.case == case)]
            entry = OutboxEntry(id=uuid.uuid4().hex[:12], target=target, advice=advice, facts=facts,
                                explain=explain, last_error=error, permanent=permanent, identity=identity, case=case)
            entries.append(entry)
            self._save(entries)
            return entry

    def superseded(self, identity: str, case: str) -> list[OutboxEntry]:
        """Newer advice reached a destination that is rewritten whole: older failed entries for it and the
        case would only put stale advice back, so they go. Returns them."""
        if not self.path.exists():
            return []
        with locked(self.path):
            entries = self._load()
            stale = [e for e in entries if not e.key and e.identity == identity and e.case == case]
            if stale:
                gone = {e.id for e in stale}
                self._save([e for e in entries if e.id not in gone])
            return stale

    def write_ahead(self, target: str, advice: dict[str, Any], facts: dict[str, Any] | None, explain: bool, *,
                    identity: str, case: str, key: str, revision: str, marks: Mapping[str, str]) -> OutboxEntry:
        """Record a digest about to be sent. An entry with the same key is reused (its attempts go on);
        older digests for the same case and destination are dropped: this one lists every open action."""
        with locked(self.path):
            entries = self._load()
            same = next((e for e in entries if e.key == key), None)
            kept = [e for e in entries if e is same or not (e.identity == identity and e.case == case)]
            if same is not None:
                same.target, same.state = target, "sending"
            else:
                same = OutboxEntry(id=uuid.uuid4().hex[:12], target=target, advice=advice, facts=facts,
                                   explain=explain, attempts=0, state="sending", identity=identity, case=case,
                                   key=key, revision=revision, marks=dict(marks))
                kept.append(same)
            self._save(kept)
            return same

    def update(self, entry_id: str, **changes: Any) -> None:
        with locked(self.path):
            entries = self._load()
            for e in entries:
                if e.id == entry_id:
                    for k, v in changes.items():
                        setattr(e, k, v)
            self._save(entries)

    def remove(self, entry_id: str) -> None:
        with locked(self.path):
            entries = self._load()
            if any(e.id == entry_id for e in entries):
                self._save([e for e in entries if e.id != entry_id])

    def failed_again(self, entry_id: str, error: str, *, permanent: bool = False) -> None:
        with locked(self.path):
            entries = self._load()
            for e in entries:
                if e.id == entry_id:
                    e.attempts += 1
                    e.last_error = error
                    e.last_attempt = now_iso()
                    e.permanent = permanent
                    e.state = "failed"
            self._save(entries)

    def drop(self, ids: Iterable[str] = (), *, permanent: bool = False, everything: bool = False) -> list[OutboxEntry]:
        """Remove the entries named in `ids`, those marked permanent, or all; returns what was removed."""
        wanted = set(ids)
        with locked(self.path):
            entries = self._load()
            gone = [e for e in entries if everything or e.id in wanted or (permanent and e.permanent)]
            if gone:
                dropped = {e.id for e in gone}
                self._save([e for e in entries if e.id not in dropped])
            return gone
