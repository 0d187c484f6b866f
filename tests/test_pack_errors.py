"""A pack with several kinds of mistakes reports all of them in one run, in file order."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from followup.cli import cli
from followup.errors import PackError
from followup.packs import load_pack_file

ROOT = Path(__file__).resolve().parents[1]


def test_shape_and_condition_mistakes_come_together(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "proactive.yaml").read_text(encoding="utf-8")
    text = text.replace("    priority: critical\n", "    priorty: critical\n", 1)
    text = text.replace("person.thanked: false", "person.thankd: false", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack_file(bad)
    problems = info.value.problems
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    by_message = {p.message: p for p in problems}
    fact = by_message["unknown fact `person.thankd`"]
    assert fact.line == next(i for i, line_ in enumerate(text.splitlines(), 1) if "person.thankd" in line_)
    assert "did you mean `person.thanked`" in fact.hint
    assert "did you mean `priority`" in by_message["unknown field `priorty`"].hint
    result = CliRunner().invoke(cli, ["advise", str(ROOT / "examples" / "just-after.yaml"), "--pack", str(bad)])
    assert result.exit_code == 2 and "person.thankd" in result.output and "priorty" in result.output
