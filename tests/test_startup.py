"""`followup advise` starts fast: it imports what advice needs, not the libraries of other commands.

Start-up time itself is measured by benchmarks/bench.py; this keeps the
imports that made it slow from coming back.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import followup

ROOT = Path(__file__).resolve().parents[1]

# Libraries only some channels or commands use, each costing milliseconds to import.
NOT_FOR_ADVICE = ("rich", "icalendar", "jinja2", "smtplib", "matplotlib", "followup.planning", "followup.comparison",
                  "followup.corpus_compare", "followup.drafts", "followup.compare_render",
                  # the webhook channel sends through these only when a webhook is asked for
                  "ssl", "http.client", "urllib.request",
                  # ruamel reads files that are not plain YAML or are wrong, and rewrites files: not a valid file
                  "ruamel.yaml",
                  # holiday tables come from the cache folder once read (the hint asks about the country)
                  "holidays")

PROBE = """
import io, contextlib, json, sys
from followup.cli import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        cli(["advise", sys.argv[1], "--pack", "proactive", "--at", "2026-11-17T16:00"], prog_name="followup")
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps({"output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def probe(code: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_followup_advise_imports_no_library_it_does_not_use() -> None:
    first = probe(PROBE, str(ROOT / "examples" / "just-after.yaml"))  # fills the cache folder
    result = probe(PROBE, str(ROOT / "examples" / "just-after.yaml"))
    assert "Send a thank-you" in result["output"]
    assert result["output"] == first["output"]
    loaded = set(result["modules"])
    assert not [m for m in NOT_FOR_ADVICE if m in loaded]


def test_every_public_name_is_importable_and_listed_for_lazy_import() -> None:
    init = Path(followup.__file__)
    tree = ast.parse(init.read_text(encoding="utf-8"))
    typed = {alias.asname or alias.name: f".{node.module}" for block in tree.body if isinstance(block, ast.If)
             for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == followup._LAZY  # the names type checkers see are the names served at run time
    assert set(followup.__all__) <= set(followup._LAZY) | {"advise"}
    for name in followup.__all__:
        assert getattr(followup, name) is not None
