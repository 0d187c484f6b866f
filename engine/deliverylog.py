"""The delivery log: the last digest each destination received for each case.

``delivered.json`` in the state folder, keyed by the channel's identity (a
webhook URL, an email address: where the advice ends up, not the options
used to get it there), then by case. It tells the next run whether the digest
changed since (send it) or not (skip it), and which actions are new.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .channels import ChannelOptionError, parse_target
from .state import locked, now_iso, read_json, send_lock, state_dir, write_json

__all__ = ["DeliveryLog", "Sent"]

VERSION = 2


@dataclass(frozen=True)
class Sent:
    """The last digest delivered to one destination for one case."""

    revision: str
    key: str
    at: str  # when it was recorded, UTC ISO 8601
    actions: Mapping[str, str]  # action uid -> content hash


def _legacy_identity(spec: str) -> str:
    try:
        t = parse_target(spec)
    except ChannelOptionError:
        return spec
    return f"{t.name}:{t.arg or ''}"


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 was target spec -> uid -> hash: its uids are kept (per identity) so an upgrade marks
    nothing new that was already sent."""
    if data.get("version") == VERSION:
        return data
    channels: dict[str, Any] = {}
    for spec, hashes in data.items():
        if isinstance(hashes, dict):
            channels.setdefault(_legacy_identity(spec), {"cases": {}, "legacy": {}})["legacy"].update(hashes)
    return {"version": VERSION, "channels": channels}


class DeliveryLog:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else state_dir() / "delivered.json"

    def _load(self) -> dict[str, Any]:
        return _upgrade(read_json(self.path, "delivery log", {"version": VERSION, "channels": {}}))

    def sending(self, identity: str) -> AbstractContextManager[None]:
        """Held while a digest goes to `identity`: a second run waits, then finds it delivered."""
        return send_lock(self.path.parent, identity)

    def last(self, identity: str, case: str) -> Sent | None:
        with locked(self.path):
            got = self._load()["channels"].get(identity, {}).get("cases", {}).get(case)
        if not got:
            return None
        return Sent(got["revision"], got.get("key", ""), got.get("at", ""), dict(got.get("actions", {})))

    def previous_actions(self, identity: str, case: str) -> dict[str, str]:
        """What the last digest to `identity` for `case` listed (uid -> hash); {} if none was sent."""
        with locked(self.path):
            channel = self._load()["channels"].get(identity, {})
        got = channel.get("cases", {}).get(case)
        return dict(got["actions"]) if got else dict(channel.get("legacy", {}))

    def record(self, identity: str, case: str, *, revision: str, key: str, actions: Mapping[str, str]) -> None:
        with locked(self.path):
            data = self._load()
            channel = data["channels"].setdefault(identity, {"cases": {}, "legacy": {}})
            channel["cases"][case] = {"revision": revision, "key": key, "at": now_iso(), "actions": dict(actions)}
            write_json(self.path, data)
