"""Fact files that carry their own evaluation time: the `# at:` comment line.

A fact file used as a test case or corpus case says when it is to be
evaluated in a comment, so the file is self-contained::

    # at: 2026-11-24T10:00+00:00

The line must be a YAML comment starting with `# at:` followed by an ISO 8601
time; a time without an offset is read in the company's time zone (as for
`--at`). Only the first such line counts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .engine import resolve_at
from .errors import FactsError, Problem
from .facts import Facts, load_facts
from .yamlio import read_text

__all__ = ["Case", "read_at_comment", "load_case", "load_corpus"]

_AT = re.compile(r"^#\s*at:\s*(?P<value>\S.*?)\s*$")


@dataclass(frozen=True)
class Case:
    """One fact file and the moment it is to be evaluated at."""

    path: Path
    facts: Facts
    at: datetime

    @property
    def name(self) -> str:
        return self.path.stem


def read_at_comment(path: str | os.PathLike[str]) -> tuple[str, int] | None:
    """The text after `# at:` and its 1-based line number, or None when the file has no such line."""
    try:
        text, _ = read_text(path)
    except OSError:
        return None  # load_facts reports the unreadable file with its reason
    for number, line in enumerate(text.split("\n"), start=1):
        m = _AT.match(line.strip())
        if m:
            return m.group("value"), number
    return None


def case_at(path: str | os.PathLike[str], facts: Facts) -> datetime | None:
    """The `# at:` time of a fact file (company time zone), None without one; a bad time is a located error."""
    found = read_at_comment(path)
    if found is None:
        return None
    text, line = found
    try:
        return resolve_at(text, facts)
    except FactsError:
        raise FactsError(Problem(f"`# at: {text}` is not a time", file=str(path), line=line, column=1,
                                 hint="write ISO 8601 after `# at:`, e.g. `# at: 2026-11-24T10:00+00:00`",
                                 code="at"), source=str(path)) from None


def load_case(path: str | os.PathLike[str]) -> Case:
    """A fact file that must carry a `# at:` line (corpus files)."""
    facts = load_facts(path)
    at = case_at(path, facts)
    if at is None:
        raise FactsError(Problem("no `# at:` line saying when to evaluate this case", file=str(path), line=1, column=1,
                                 hint="add a comment line such as `# at: 2026-11-24T10:00+00:00` at the top",
                                 code="at"), source=str(path))
    return Case(Path(path), facts, at)


def load_corpus(folder: str | os.PathLike[str]) -> list[Case]:
    """Every `*.yaml`/`*.yml` fact file in `folder` (not recursive), sorted by name; all problems at once.

    JSON files are not read: JSON has no comments, so cannot carry the `# at:` line.
    """
    root = Path(folder)
    if not os.path.isdir(root):
        raise FactsError(Problem(f"{root} is not a folder", file=str(root), hint="give a folder of fact files",
                                 code="corpus"), source=str(root))
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise FactsError(Problem("no fact files (*.yaml, *.yml) in this folder", file=str(root),
                                 hint="put one fact file per case in the folder, each with a `# at:` line",
                                 code="corpus"), source=str(root))
    cases: list[Case] = []
    problems: list[Problem] = []
    for f in files:
        try:
            cases.append(load_case(f))
        except FactsError as exc:
            problems += [p if p.file else Problem(**{**p.__dict__, "file": str(f)}) for p in exc.problems]
    if problems:
        raise FactsError(problems, source=str(root))
    return cases
