"""Advice at a moment before something the facts record as done says so, instead of silently counting it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

import followup
from followup.cli import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "waiting-no-news.yaml"
# In this example both thank-yous were sent the evening of the interview: the later one at 18:55 New York time.
LAST = datetime.fromisoformat("2026-11-16T18:55:00-05:00")


def test_a_notice_names_what_is_recorded_after_the_moment_while_the_days_pass() -> None:
    engine = followup.Engine(load_entrypoints=False)
    facts = followup.load_facts(EXAMPLE)
    start = facts.interview.end
    for hours in range(0, 24 * 5, 3):
        at = start + timedelta(hours=hours)
        for given in (at, at.isoformat()):  # a datetime takes the engine's hot path, text the full one
            advice = engine.advise(facts, "conservative", given)
            notes = [n for n in advice.notices if "done or received after" in n]
            if at < LAST:
                assert len(notes) == 1, (at, advice.notices)
                assert "Lucía Fernández" in notes[0] and "18:55" in notes[0]
                assert ("Jordan Okafor" in notes[0]) == (at < LAST - timedelta(minutes=15))
            else:
                assert notes == [], (at, advice.notices)


def test_the_notice_reaches_the_json_and_the_terminal() -> None:
    runner = CliRunner()
    early = runner.invoke(cli, ["advise", str(EXAMPLE), "--at", "2026-11-16T18:45-05:00", "--format", "json"])
    assert early.exit_code == 0, early.output
    advice = followup.Advice.model_validate_json(early.output)
    assert any("the thank-you to Lucía Fernández" in n for n in advice.notices)
    assert not any("Jordan Okafor" in n for n in advice.notices)  # sent at 18:40, before the moment
    late = runner.invoke(cli, ["advise", str(EXAMPLE), "--at", "2026-11-17T09:00-05:00", "--format", "json"])
    assert not any("done or received" in n for n in followup.Advice.model_validate_json(late.output).notices)
    shown = subprocess.run([sys.executable, "-m", "followup", "advise", str(EXAMPLE), "--at", "2026-11-16T18:00-05:00"],
                           capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "! The facts record 2 things done or received after Mon 16 Nov 2026 18:00" in shown.stdout
