"""followup's cache folder: data it can always rebuild, kept between runs so that commands start fast.

What is kept is plain JSON, never code: every entry is data that followup
validated itself, and it is validated again when read back. An entry names
the key it was written for; one that is unreadable, too large, of another
format or key, or not the user's own file is ignored and rebuilt, never an
error (it is a cache). Writing goes through a temporary file and a rename,
so a reader never sees half an entry, and a failed write (read-only home,
full disk) costs the next run its speed, nothing else.

The folder: ``FOLLOWUP_CACHE_DIR`` if set (empty: no cache at all), else
``$XDG_CACHE_HOME/followup``, else the platform's user cache folder
(``~/.cache/followup`` on Linux).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["ENV_VAR", "cache_dir", "read_entry", "write_entry", "file_digest"]

ENV_VAR = "FOLLOWUP_CACHE_DIR"
FORMAT = 1  # bumped when the layout of every entry changes
MAX_ENTRY_BYTES = 16 * 1024 * 1024  # a stranger's file in the folder cannot make a run read gigabytes


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when caching is switched off."""
    raw = os.environ.get(ENV_VAR)
    if raw is not None:
        return Path(raw).expanduser() if raw.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / "followup"
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "followup"
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "followup" / "Cache"
    return home / ".cache" / "followup"


def _entry_path(kind: str, key: str) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    return root / kind / (hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".json")


def _trusted(fd: int) -> bool:
    """Only the user's own entries, writable by nobody else, are read (someone else's could say anything)."""
    if not hasattr(os, "getuid"):
        return True
    st = os.fstat(fd)
    return st.st_uid == os.getuid() and not st.st_mode & 0o022 and st.st_size <= MAX_ENTRY_BYTES


def read_entry(kind: str, key: str) -> Any:
    """The data stored under `key`, or None when there is none that can be used."""
    path = _entry_path(kind, key)
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not _trusted(fd):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            blob = fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        import orjson

        entry = orjson.loads(blob)
    except ValueError:  # orjson.JSONDecodeError: a torn or foreign file
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    return entry.get("data")


def write_entry(kind: str, key: str, data: Any) -> None:
    """Store `data` (plain JSON values) under `key`; silently nothing when the folder cannot be written."""
    path = _entry_path(kind, key)
    if path is None:
        return
    import orjson

    try:
        blob = orjson.dumps({"format": FORMAT, "key": key, "data": data})
    except TypeError:  # not plain data: a bug in the caller, but a cache must never fail a run
        return
    if len(blob) > MAX_ENTRY_BYTES:
        return
    tmp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=path.parent)  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def file_digest(data: bytes) -> str:
    """The content hash a cache entry records for a file it was built from."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()
