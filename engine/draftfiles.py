"""A folder of drafts that respects the user's edits.

The drafts channel writes one file per person and kind (no rank in the name,
so a re-run finds the same file). A manifest beside them,
``.followup-drafts.json``, records the hash of the text last written to
each file, which is how an edit is recognised:

- a draft nobody edited is updated in place when its text changes;
- a draft the user edited is never overwritten: the new text goes beside it
  (``<name>.new.txt``) and the report says so;
- a draft whose action is no longer advised is removed if unedited; if
  edited and the facts show the action done, it is renamed
  ``<name>.done.txt``; otherwise it is left where it is and reported once.

Runs on one folder are serialised with a lock file, and every write is atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .drafts import Draft
from .facts import Facts
from .yamlio import atomic_write

__all__ = ["MANIFEST", "FolderReport", "write_drafts"]

MANIFEST = ".followup-drafts.json"
_LOCK = ".followup-drafts.lock"


@dataclass
class FolderReport:
    """What one run did to the folder."""

    folder: Path
    written: list[str] = field(default_factory=list)  # new files
    updated: list[str] = field(default_factory=list)  # unedited files whose text changed
    unchanged: list[str] = field(default_factory=list)
    kept: list[tuple[str, str | None]] = field(default_factory=list)  # (edited file, file holding the new text or None)
    removed: list[str] = field(default_factory=list)  # unedited drafts no longer needed
    done: list[tuple[str, str]] = field(default_factory=list)  # (edited draft, its .done.txt name)
    stale: list[str] = field(default_factory=list)  # edited drafts no longer advised, left in place
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.written) + len(self.updated) + len(self.unchanged) + len(self.kept)

    def summary(self) -> str:
        parts = [f"{n} {what}" for n, what in ((len(self.written), "new"), (len(self.updated), "updated"),
                                                (len(self.unchanged), "unchanged")) if n]
        text = f"{self.folder} ({self.count} draft{'s' * (self.count != 1)}" + (f": {', '.join(parts)}" if parts else "") + ")"
        for edited, beside in self.kept:
            text += (f"; kept your edit of {edited}, new text in {beside}" if beside
                     else f"; kept your edit of {edited}")
        if self.removed:
            text += f"; removed {len(self.removed)} no longer needed ({', '.join(self.removed)})"
        for edited, renamed in self.done:
            text += f"; {edited} is done: renamed {renamed}"
        if self.stale:
            text += f"; no longer advised, kept because you edited {'them' if len(self.stale) > 1 else 'it'}: {', '.join(self.stale)}"
        for note in self.notes:
            text += f"; {note}"
        return text


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return _sha(path.read_bytes()) if path.is_file() else None
    except OSError:
        return None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; runs are rarely concurrent there
        yield
        return
    with open(folder / _LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _load(folder: Path, report: FolderReport) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise TypeError("files is not a mapping of mappings")
        return files
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Without the manifest no file can be known as ours, so none is overwritten or removed.
        report.notes.append(f"{MANIFEST} was unreadable ({type(exc).__name__}), so every existing draft is treated as edited")
        return {}


def _beside(name: str, tag: str) -> str:
    return f"{name.removesuffix('.txt')}.{tag}.txt"


def _done(entry: dict[str, Any], facts: Facts) -> bool:
    """Do the facts show the action this draft was for as done?"""
    person = facts.person(str(entry.get("person", "")))
    kind = entry.get("kind")
    if person is None:
        return False
    if kind == "thank_you":
        return person.thank_you is not None
    if kind == "formal_letter":
        return person.formal_letter is not None
    if kind in ("status_check", "second_follow_up"):
        try:
            since = datetime.fromisoformat(str(entry.get("written")))
        except ValueError:
            return False
        return any(person.name in fu.to and fu.at >= since for fu in facts.follow_ups)
    if kind == "thank_after_rejection":
        return any(r.kind == "rejection" and r.replied is not None for r in facts.responses)
    return False


def write_drafts(folder: Path, drafts: list[Draft], facts: Facts, now: datetime) -> FolderReport:
    """Bring `folder` in line with `drafts` without ever overwriting or deleting what the user edited."""
    folder.mkdir(parents=True, exist_ok=True)
    report = FolderReport(folder)
    with _locked(folder):
        files = _load(folder, report)
        if not files and not (folder / MANIFEST).exists():
            legacy = sorted(p.name for p in folder.glob("[0-9][0-9]-*.txt"))
            if legacy:  # written by an earlier followup, named by rank: not ours to judge, so left alone
                report.notes.append(f"{len(legacy)} older rank-numbered draft{'s' * (len(legacy) != 1)} "
                                    f"({legacy[0]}{', ...' if len(legacy) > 1 else ''}) left as they are: "
                                    "delete them when you no longer need them")
        wanted = {d.filename: d for d in drafts}
        for name, draft in wanted.items():
            files[name] = _write_one(folder, name, draft, files.get(name), now, report)
        for name in sorted(set(files) - set(wanted)):
            entry = _retire(folder, name, files[name], facts, report)
            if entry is None:
                del files[name]
            else:
                files[name] = entry
        atomic_write(folder / MANIFEST, json.dumps({"version": 1, "files": files}, indent=2, ensure_ascii=False) + "\n")
    return report


def _write_one(folder: Path, name: str, draft: Draft, entry: dict[str, Any] | None, now: datetime,
               report: FolderReport) -> dict[str, Any]:
    if entry is not None:
        entry = {k: v for k, v in entry.items() if k != "stale"}  # advised again
    text = draft.text()
    new_sha = _sha(text)
    path = folder / name
    current = _file_sha(path)
    meta = {"kind": draft.action.kind, "person": draft.person.name, "medium": draft.medium}
    if current is None and not path.exists():
        offered = folder / _beside(name, "new")
        if entry is not None and _file_sha(offered) == entry.get("new_sha256"):
            offered.unlink()  # you deleted the draft you had edited: the text offered beside it goes too
        atomic_write(path, text)
        report.written.append(name)
        return {**meta, "sha256": new_sha, "written": now.isoformat()}
    ours = entry is not None and current == entry.get("sha256")
    if current == new_sha:
        report.unchanged.append(name)
        return {**(entry or {}), **meta, "sha256": new_sha, "written": (entry or {}).get("written", now.isoformat())}
    if ours:
        atomic_write(path, text)
        report.updated.append(name)
        return {**meta, "sha256": new_sha, "written": now.isoformat()}
    # Edited by the user (or a file we did not write): keep it; offer the new text beside it.
    entry = dict(entry or {**meta, "sha256": None, "written": now.isoformat()})
    if entry.get("sha256") == new_sha:  # nothing new since the text they edited
        report.kept.append((name, None))
        return entry
    beside = _beside(name, "new")
    there = _file_sha(folder / beside)
    if there in (None, entry.get("new_sha256")) or there == new_sha:
        if there != new_sha:
            atomic_write(folder / beside, text)
        entry["new_sha256"] = new_sha
        report.kept.append((name, beside))
    else:
        report.kept.append((name, None))
        report.notes.append(f"{beside} was edited too, so the newest text was not written")
    return {**entry, **meta}


def _retire(folder: Path, name: str, entry: dict[str, Any], facts: Facts, report: FolderReport) -> dict[str, Any] | None:
    """A draft no longer advised; returns the manifest entry to keep, or None to forget it."""
    path = folder / name
    current = _file_sha(path)
    beside = folder / _beside(name, "new")
    if current is None:
        return None
    ours_beside = beside.exists() and _file_sha(beside) == entry.get("new_sha256")
    if current == entry.get("sha256"):
        path.unlink()
        if ours_beside:
            beside.unlink()
        report.removed.append(name)
        return None
    if _done(entry, facts):
        if ours_beside:  # the newer text of a draft that is done is of no use
            beside.unlink()
        target = _beside(name, "done")
        n = 2
        while (folder / target).exists():
            target, n = _beside(name, f"done-{n}"), n + 1
        os.replace(path, folder / target)
        report.done.append((name, target))
        return None
    if not entry.get("stale"):
        report.stale.append(name)
    return {**entry, "stale": True}
