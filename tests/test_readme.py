"""The README stays true: its set-up commands, CI's use of them, and its sample output."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from followup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```console\n(.*?)```", README, re.S)]


def test_readme_opens_with_the_run_and_test_commands_and_ci_runs_the_test_command() -> None:
    run, test = console_blocks()[:2]
    assert "followup advise examples/just-after.yaml" in run and "pip install ." in run
    assert "pytest" in test and "'.[test]'" in test
    assert README.index(run) < README.index("## ")  # before the first section
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_sample_output_is_what_followup_prints() -> None:
    block = re.search(r"```text\n\$ followup advise examples/just-after.yaml --pack proactive --at 2026-11-17T16:00\n"
                      r"(.*?)\n\.\.\.\n```", README, re.S)
    assert block, "README lost its sample run"
    out = CliRunner().invoke(cli, ["advise", str(ROOT / "examples" / "just-after.yaml"), "--pack", "proactive",
                                   "--at", "2026-11-17T16:00"]).output
    assert out.startswith(block.group(1) + "\n")
