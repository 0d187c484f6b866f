"""Shared helpers for the pack-authoring tests (inheritance, validate, test, schema, discovery)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from followup.cli import cli
from followup.engine import Engine

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "just-after.yaml"  # interview ended 15:00 London, nothing sent yet
AT = "2026-11-17T16:00"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def engine() -> Engine:
    return Engine(load_entrypoints=False)


def run(*args: str, engine_: Engine | None = None) -> Result:
    obj = {"engine": engine_} if engine_ is not None else None
    return CliRunner().invoke(cli, list(args), obj=obj, catch_exceptions=False)


def rule(id: str, *, when: str = "", action: str = "keep_searching", target: str = "self", channel: str = "none",
         priority: str = "normal", extra: str = "") -> str:
    """A rule as YAML list item text, indented for a `rules:` block."""
    lines = [f"  - id: {id}"]
    if when:
        lines.append(f"    when: {when}")
    lines += [f"    action: {action}", f"    target: {target}", f"    channel: {channel}", f"    priority: {priority}"]
    if extra:
        lines += ["    " + ln for ln in textwrap.dedent(extra).strip("\n").splitlines()]
    lines += ["    rationale: Because the test says so.", "    sources: []"]
    return "\n".join(lines) + "\n"


def pack(name: str, *rules: str, head: str = "") -> str:
    text = f"name: {name}\ntitle: {name.title()}\nsummary: A pack for tests.\n"
    if head:
        text += textwrap.dedent(head).strip("\n") + "\n"
    if rules:
        text += "rules:\n" + "".join(rules)
    return text
