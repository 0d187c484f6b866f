"""`followup new-pack`: a commented starting pack and its test file, both valid as written.

The editor schemas are written beside them (schemas/*.schema.json) and
referred to by relative path, so the folder can be shared as it is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import PackError, Problem
from .packtest_format import TESTS_FOLDER
from .yamlio import atomic_write

__all__ = ["new_pack", "NewPack"]

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class NewPack:
    pack: Path
    tests: Path


_HEADER = """\
# yaml-language-server: $schema={schema}
# The {name} pack for followup. Lines starting with # are comments.
#
#   check it:  followup validate {file}
#   test it:   followup test {file}        (cases in {tests})
#   use it:    followup advise FACTS.yaml --pack {file}
#
# The guide: docs/authoring.md. The facts a condition can test, the actions,
# targets and channels: docs/packs.md (or `followup schema pack`).
name: {name}
title: {title}
summary: >-
  One or two sentences on the advice style of this pack: what it stresses
  and how fast it moves.
version: "1"
"""

_EXTENDS = """\

# Start from all the rules of `{base}`, then change what differs.
extends: {base}

# Switch inherited rules off by id:
# disable: [rule-id, other-rule-id]

# Change inherited rules: give the id and only the fields to change; the
# rest of the rule stays as inherited. For example:
# overrides:
#   - id: write-notes
#     priority: critical
"""

_RULE = """\

rules:
  # When its `when` condition holds, a rule recommends an action.
  - id: notes-after-a-mixed-interview
    when:
      candidate.notes_taken: false   # a fact and the value it must have
      interview.went: mixed          # all the tests under `when` must hold
    action: write_notes              # what to do
    target: self                     # for whom (self: a task for the candidate)
    channel: none                    # how (none: no message is sent)
    priority: critical               # critical, high, normal or low
    due: {{from: interview_end, hours: 2}}
    rationale: >-
      When an interview went either way, your notes on what worried them are
      what your thank-you has to answer. Write them while you remember.
    sources:                         # the articles and advice items behind it
      - {{article: proactive-follow-up, items: [D3]}}
"""

_TESTS = """\
# yaml-language-server: $schema={schema}
# Tests for the {name} pack: run them with `followup test {name}.yaml` from the pack's folder.
# Each case gives facts and a time, and what the advice must (not) contain.
pack: {pack_ref}
at: 2026-11-17T16:00          # no UTC offset: read in the company's time zone
facts:                        # or a path to a facts file, relative to this file
  candidate: {{name: Sam Rivera}}
  position:
    title: Account Manager
    company: Example Ltd
    industry: retail
    culture: formal
    timezone: Europe/London
  interview:
    start: 2026-11-17T13:00:00+00:00
    end: 2026-11-17T14:00:00+00:00
    format: onsite
    went: mixed
    notes_taken: false
  interviewers:
    - {{name: Dana Lee, title: Sales Director, email: dana@example.com, role: hiring_manager, contact_known: true}}

cases:
  - name: notes come first after a mixed interview
    expect:
      - present: notes-after-a-mixed-interview
      - due_by: {{action: notes-after-a-mixed-interview, time: 2026-11-17T16:00}}
      - cites: {{action: notes-after-a-mixed-interview, article: proactive-follow-up, items: [D3]}}

  - name: no reminder once the notes are written
    with:                       # changes merged into the facts above
      interview: {{notes_taken: true}}
    expect:
      - absent: notes-after-a-mixed-interview
"""


SCHEMA_FOLDER = "schemas"


def _write_schemas(root: Path) -> None:
    """The pack and tests schemas beside the pack, so the `$schema` line works wherever the folder is shared
    (an absolute path into this installation would not)."""
    from .schema import shipped_schema

    for kind in ("pack", "tests"):
        atomic_write(root / SCHEMA_FOLDER / f"{kind}.schema.json", shipped_schema(kind))


def new_pack(name: str, *, extends: str | None = None, folder: str | os.PathLike[str] = ".",
             force: bool = False) -> NewPack:
    """Write FOLDER/NAME.yaml and FOLDER/tests/NAME.yaml; refuse to overwrite unless `force`."""
    if not _ID.fullmatch(name):
        raise PackError(Problem(f"pack name {name!r} must be lower-case letters, digits and hyphens",
                                hint="e.g. recruiter-agency", code="pack_name"))
    root = Path(folder)
    pack_path = root / f"{name}.yaml"
    tests_path = root / TESTS_FOLDER / f"{name}.yaml"
    for p in (pack_path, tests_path):
        if p.exists() and not force:
            raise PackError(Problem(f"{p} already exists", file=str(p),
                                    hint="choose another name or folder, or pass --force to overwrite", code="exists"))
    base = extends
    if base is not None and ("/" in base or base.endswith((".yaml", ".yml"))):
        base = os.path.relpath(Path(base).resolve(), root.resolve())  # paths in `extends` are relative to the pack
    title = name.replace("-", " ").capitalize()
    text = _HEADER.format(schema=f"{SCHEMA_FOLDER}/pack.schema.json", name=name, file=pack_path.name, tests=f"{TESTS_FOLDER}/{name}.yaml",
                          title=title)
    if base is not None:
        text += _EXTENDS.format(base=base)
    text += _RULE.format()
    atomic_write(pack_path, text)
    atomic_write(tests_path, _TESTS.format(name=name, pack_ref=f"../{name}.yaml",
                                           schema=f"../{SCHEMA_FOLDER}/tests.schema.json"))
    _write_schemas(root)
    return NewPack(pack_path, tests_path)
