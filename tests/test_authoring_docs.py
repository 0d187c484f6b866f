"""docs/authoring.md runs as written: its files are written out and its commands run in order.

A fenced ```yaml block preceded by `<!-- file: PATH -->` is written to PATH.
A ```console block holds `$ command` lines, each followed by the output it
must print: every line shown must appear, in order (`...` skips lines; a
line ending in `...` matches by its start). `<!-- exit: N -->` before a
block sets the exit code its commands must return (default 0).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from authoring_support import REPO
from followup.cli import cli

DOC = REPO / "docs" / "authoring.md"
EXAMPLES = REPO / "docs" / "examples" / "recruiter-agency"
BLOCK = re.compile(r"(?:<!-- (file|exit): (\S+) -->\n)?```(yaml|console)\n(.*?)```", re.S)


def blocks() -> list[tuple[str | None, str | None, str, str]]:
    return [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def commands(body: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return out


def shows(expected: list[str], actual: str) -> bool:
    lines = actual.splitlines()
    i = 0
    for want in (w.rstrip() for w in expected if w.strip() != "..."):
        while i < len(lines) and not (lines[i].rstrip() == want or (want.endswith("...") and lines[i].startswith(want[:-3]))):
            i += 1
        if i == len(lines):
            return False
        i += 1
    return True


def test_the_guide_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "")  # only what the guide shows
    monkeypatch.delenv("FOLLOWUP_PACKS_PATH", raising=False)
    ran = 0
    for marker, value, lang, body in blocks():
        if lang == "yaml":
            if marker == "file":
                target = tmp_path / value  # type: ignore[operator]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body, encoding="utf-8")
            continue
        code = int(value) if marker == "exit" and value else 0
        for command, expected in commands(body):
            words = shlex.split(command)
            env = {}
            while "=" in words[0]:
                key, _, val = words.pop(0).partition("=")
                env[key] = val
            assert words[0] == "followup", command
            result = CliRunner().invoke(cli, words[1:], env=env, catch_exceptions=False)
            assert result.exit_code == code, f"$ {command}\n{result.output}"
            assert shows(expected, result.output), f"$ {command}\nexpected:\n" + "\n".join(expected) + f"\ngot:\n{result.output}"
            ran += 1
    assert ran >= 10


def test_example_files_match_the_guide() -> None:
    shown = {value: body for marker, value, lang, body in blocks() if lang == "yaml" and marker == "file"}
    for path in ["recruiter-agency.yaml", "tests/recruiter-agency.yaml", "facts/agency-interview.yaml"]:
        assert (EXAMPLES / path).read_text(encoding="utf-8") == shown[path], path


def test_the_example_pack_validates_and_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_LOAD_PLUGINS", "")
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(EXAMPLES / "recruiter-agency.yaml")]).exit_code == 0
    result = runner.invoke(cli, ["test", str(EXAMPLES / "recruiter-agency.yaml"), "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
