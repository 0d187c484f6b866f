"""`followup test` cases asserting that a rule does NOT fire, and why (`why_not`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from authoring_support import REPO, run, write
from followup.packtests import TestFileError, load_test_file, run_tests
from followup.schema import pack_tests_schema
from followup.yamlio import load_document, plain

WAITING = REPO / "examples" / "waiting-no-news.yaml"

PASSING = f"""
pack: conservative
facts: {WAITING}
at: 2026-11-20T19:00:00+00:00
cases:
  - name: no call before an email has gone unanswered
    expect:
      - why_not: one-call-after-email
      - why_not: {{rule: one-call-after-email, target: Jordan Okafor, status: needs_change,
                   because: [decision.passed, follow_ups.count = 1, follow_ups.unanswered]}}
      - why_not: {{rule: thank-arrangers, status: never}}
      - why_not: {{rule: thank-interviewers-card, status: never, because: [company.culture]}}
  - name: the rule of a passed date waits for a date
    expect:
      - why_not: {{rule: email-when-date-passes, because: [decision.passed]}}
"""

FAILING = f"""
pack: conservative
facts: {WAITING}
at: 2026-11-20T19:00:00+00:00
cases:
  - name: wrong on purpose
    expect:
      - why_not: email-status-after-a-week
      - why_not: {{rule: one-call-after-email, because: [days_since_interview]}}
      - why_not: {{rule: one-call-after-email, status: later}}
"""


def test_why_not_expectations_pass(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", PASSING)
    result = run("test", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.endswith("== 2 passed ==\n")


def test_why_not_failures_say_what_happened(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", FAILING)
    result = run("test", str(path))
    assert result.exit_code == 1
    out = result.output
    assert "expected email-status-after-a-week not to fire, but it did: #1 for Jordan Okafor" in out
    assert "expected one-call-after-email not to fire because of days_since_interview" in out
    assert "+ got (nearest miss, Jordan Okafor):\n" in out and "✗ decision.passed = true: no decision date" in out
    assert "expected one-call-after-email not to fire (later), but it is needs_change for Jordan Okafor" in out
    assert "== 1 failed, 0 passed ==" in out
    # each failure is located at its expectation
    lines = path.read_text().splitlines()
    first = next(i for i, ln in enumerate(lines, 1) if "why_not: email-status-after-a-week" in ln)
    assert f"{path}:{first}:" in out


def test_unknown_rule_in_why_not_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", FAILING.replace("why_not: email-status-after-a-week",
                                                         "why_not: email-status-after-a-wek"))
    with pytest.raises(TestFileError) as info:
        from followup.engine import Engine

        run_tests(path, Engine(load_entrypoints=False))
    assert "has no rule `email-status-after-a-wek`" in str(info.value)
    assert "did you mean `email-status-after-a-week`" in str(info.value)
    bad = write(tmp_path, "bad.yaml", PASSING.replace("status: never}", "status: nope}", 1))
    with pytest.raises(TestFileError) as info:
        load_test_file(bad)
    assert "status" in str(info.value)


def test_the_schema_knows_why_not(tmp_path: Path) -> None:
    validator = jsonschema.Draft202012Validator(pack_tests_schema())
    for text in (PASSING, FAILING):
        doc, _ = load_document(text, None)
        assert doc is not None
        assert not list(validator.iter_errors(plain(doc.data)))
    doc, _ = load_document(PASSING.replace("status: never}", "status: nope}", 1), None)
    assert doc is not None and list(validator.iter_errors(plain(doc.data)))


def test_subprocess_followup_test_why_not(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", PASSING)
    proc = subprocess.run([sys.executable, "-m", "followup", "test", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS  no call before an email has gone unanswered" in proc.stdout
