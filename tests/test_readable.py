"""Readable everywhere: 80 columns without cut or split words, NO_COLOR and --color on a real terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = str(ROOT / "examples" / "just-after.yaml")
WAITING = str(ROOT / "examples" / "waiting-no-news.yaml")
BOX = re.compile(r"[│┃┏┓┗┛┡┩┣┫━─┳┻╇┼┬┴└┘┌┐├┤╋═║╔╗╚╝]")

COMMANDS = {
    "advise": ["advise", JUST_AFTER, "--pack", "proactive", "--at", "2026-11-18 10:00"],
    "explain": ["advise", JUST_AFTER, "--pack", "proactive", "--at", "2026-11-18 10:00", "--explain"],
    "packs": ["packs"],
    "compare": ["compare", WAITING],
    "sources": ["sources"],
    "facts": ["facts"],
    "actions": ["actions"],
}


def tokens(text: str) -> set[str]:
    return set(BOX.sub(" ", text).split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_at_80_columns_nothing_is_cut_or_split_mid_word(name: str) -> None:
    narrow = CliRunner(env={"COLUMNS": "80"}).invoke(cli, COMMANDS[name])
    wide = CliRunner(env={"COLUMNS": "400"}).invoke(cli, COMMANDS[name])
    assert narrow.exit_code == wide.exit_code == 0, narrow.output
    assert "…" not in narrow.output
    long = [line for line in narrow.output.splitlines() if len(line) > 80 and str(ROOT) not in line]
    assert not long, long
    # a word folded at the margin would leave pieces that the unwrapped output never contains
    assert tokens(narrow.output) <= tokens(wide.output), tokens(narrow.output) - tokens(wide.output)


def run_in_pty(args: list[str], env: dict[str, str]) -> bytes:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "followup", *args], stdin=follower, stdout=follower,
                            stderr=follower, env={**os.environ, **env, "COLUMNS": "80"}, close_fds=True)
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output in 60 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out


@pytest.mark.parametrize("args", [COMMANDS["advise"], COMMANDS["compare"], ["packs"]])
def test_no_color_on_a_terminal_means_no_escape_codes(args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = run_in_pty(args, {**env, "TERM": "xterm-256color"})
    if args[0] != "packs":  # packs prints no styles; the others colour their output on a terminal
        assert b"\x1b[" in coloured
    plain = run_in_pty(args, {"NO_COLOR": "1", "TERM": "xterm-256color"})
    assert b"\x1b[" not in plain and len(plain) > 500
    never = run_in_pty([*args, "--color", "never"], {"TERM": "xterm-256color"})
    assert b"\x1b[" not in never


def test_the_vocabulary_lists_name_everything_a_pack_can_use() -> None:
    from followup.catalogue import ACTIONS, FACTS, TARGETS
    from followup.sources import library

    out = {name: CliRunner().invoke(cli, [name]).output for name in ("sources", "facts", "actions")}
    assert all(f"  {key}" in out["sources"] for key in [*library().articles, *library().items])
    assert all(f"  {name}" in out["facts"] for name in FACTS)
    assert all(f"  {kind}" in out["actions"] for kind in [*ACTIONS, *TARGETS])
    assert "Hours since the interview ended" in " ".join(out["facts"].split())


def test_color_always_colours_even_in_a_pipe_and_markdown_says_dont_once() -> None:
    out = CliRunner().invoke(cli, [*COMMANDS["advise"], "--color", "always"]).output
    assert "\x1b[" in out
    md = CliRunner().invoke(cli, ["advise", WAITING, "--format", "markdown"]).output
    assert "**Don't:** **Don't" not in md and "Don't" in md


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_rule_firing_for_a_panel_gives_its_reasons_once(fmt: str) -> None:
    """Three thank-yous from one rule: the first carries the reasons and sources, the others point back to it;
    the notes, done alone, show no channel."""
    out = CliRunner(env={"COLUMNS": "80"}).invoke(
        cli, [*COMMANDS["advise"][:-2], "--at", "2026-11-17T16:00", "--format", fmt]).output
    assert out.count("rule thank-interviewers") == 1
    assert len(re.findall(r"Why: as for 2 above", out)) == 2  # Priya Natarajan and Tomás Ó Briain
    assert "none ·" not in out and "— none," not in out
    blocks = re.split(r"\n(?= ?\d+\. )", out)
    dana = next(b for b in blocks if "thank-you to Dana Lee" in b)
    assert "Sources: " in dana and "as for" not in dana
