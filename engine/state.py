"""The state folder and its files: where they live, how they are locked, read and written.

State lives in ``$FOLLOWUP_HOME``, else ``$XDG_STATE_HOME/followup``, else
``~/.local/state/followup``. Every change to a state file is a read-modify-write
under an exclusive ``flock`` on a lock file beside it, ending in an atomic
rename, so two runs at once neither lose nor half-write anything; a process
killed with SIGKILL releases its locks with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import InputError, Problem

__all__ = ["state_dir", "locked", "read_json", "write_json", "now_iso", "send_lock"]


def state_dir() -> Path:
    """Where followup keeps its state (outbox, delivery log)."""
    home = os.environ.get("FOLLOWUP_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "state") / "followup"


@contextlib.contextmanager
def _flock(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def locked(path: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the lock of state file `path` (held briefly, around one read-modify-write)."""
    return _flock(path.with_name(path.name + ".lock"))


def send_lock(folder: Path, identity: str) -> contextlib.AbstractContextManager[None]:
    """Hold the lock of one delivery destination for as long as a send to it takes, so two runs never send
    the same digest at once; runs sending to other destinations are not held up."""
    name = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return _flock(folder / "locks" / f"send-{name}.lock")


def read_json(path: Path, what: str, default: Any) -> Any:
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


def write_json(path: Path, data: Any) -> None:
    """Atomically replace `path` (an OSError such as ENOSPC leaves the old file whole)."""
    yamlio.atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
