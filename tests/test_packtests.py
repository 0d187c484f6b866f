"""`followup test`: YAML cases beside a pack, pytest-like output, rule coverage, located errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from authoring_support import EXAMPLE, engine, pack, rule, run, write
from followup.packtests import TestFileError, run_tests

PASSING = f"""
pack: proactive
facts: {EXAMPLE}
at: 2026-11-17T16:00
cases:
  - name: every expectation kind
    expect:
      - present: thank-interviewers
      - present: {{kind: thank_you, target: Dana Lee, channel: email}}
      - present: {{kind: status_check, avoid: true, target: company}}
      - absent: answer-offer
      - absent: {{rule: thank-interviewers, target: Alex Chen}}
      - first: {{rule: write-notes}}
      - before: [thank-interviewers, keep-searching]
      - due_by: {{action: {{rule: thank-interviewers, target: Dana Lee}}, time: 2026-11-17T19:00}}
      - cites: {{action: thank-interviewers, article: tiptopjob, items: [T2, T4]}}
  - name: notes already written
    with:
      interview: {{notes_taken: true}}
    expect:
      - absent: write-notes
"""

FAILING = f"""
pack: proactive
facts: {EXAMPLE}
at: 2026-11-17T16:00
cases:
  - name: wrong on purpose
    expect:
      - present: answer-offer
      - absent: write-notes
      - first: keep-searching
      - before: [keep-searching, thank-interviewers]
      - due_by: {{action: write-notes, time: 2026-11-17T16:30}}
      - cites: {{action: write-notes, article: anderson}}
  - name: this one passes
    expect:
      - present: write-notes
"""


def test_all_expectation_kinds_pass(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", PASSING)
    result = run("test", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [f"{path} (pack proactive)", "  PASS  every expectation kind",
                                              "  PASS  notes already written"]
    assert result.output.endswith("== 2 passed ==\n")


def test_failures_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", FAILING)
    result = run("test", str(path))
    assert result.exit_code == 1
    out = result.output.replace(str(path), "cases.yaml")
    assert "  FAIL  wrong on purpose" in out and "  PASS  this one passes" in out
    for text in [
        "cases.yaml:7:9: expected an action matching answer-offer, but none came out",
        "cases.yaml:8:9: expected no action matching write-notes, but got:\n          + #",
        "cases.yaml:9:9: expected keep-searching to rank first (it is #",
        "  - expected first: keep-searching\n          + got first:      #1 write-notes: Write down your notes",
        "cases.yaml:10:9: expected keep-searching before thank-interviewers\n          - expected: keep-searching ranked above thank-interviewers",
        "cases.yaml:11:9: expected write-notes due by Tue 17 Nov 16:30\n          + got #",
        "cases.yaml:12:9: expected write-notes to cite anderson \n          - expected: anderson \n          + got:      proactive-follow-up D3; how-to-follow-up D3",
        "ranking at Tue 17 Nov 2026 16:00:\n          #1 write-notes:",
    ]:
        assert text in out, text
    assert out.endswith("== 1 failed, 1 passed ==\n")


def test_coverage_lists_rules_never_fired(tmp_path: Path) -> None:
    p = write(tmp_path, "mine.yaml", pack("mine", rule("always", action="keep_searching"),
                                          rule("offers", when="{outcome: offer}", action="move_on")))
    write(tmp_path, "tests/mine.yaml", f"""
        facts: {EXAMPLE}
        at: 2026-11-17T16:00
        cases:
          - name: it always applies
            expect:
              - present: always
        """)
    result = run("test", str(p))
    assert result.exit_code == 0
    assert f"coverage of mine: 1/2 rules fired (50%)\n  never fired: offers ({p}:12:5)" in result.output
    low = run("test", str(p), "--min-coverage", "100")
    assert low.exit_code == 1
    assert "coverage of mine is 50%, below --min-coverage 100%" in low.output


def test_coverage_of_an_extending_pack_counts_its_own_rules(tmp_path: Path) -> None:
    p = write(tmp_path, "child.yaml", pack("child", rule("extra", action="move_on"),
                                           head="extends: proactive\noverrides:\n  - {id: answer-offer, priority: low}"))
    write(tmp_path, "tests/child.yaml", f"""
        facts: {EXAMPLE}
        at: 2026-11-17T16:00
        cases:
          - name: extra fires
            expect: [{{present: extra}}]
        """)
    run_ = run_tests(p, engine())
    (cov,) = run_.coverage
    assert cov.own == ["answer-offer", "extra"]
    assert cov.missed == ["answer-offer"]


def test_folder_and_pack_name_targets(tmp_path: Path) -> None:
    write(tmp_path, "mine.yaml", pack("mine", rule("always")))
    write(tmp_path, "tests/mine.yaml", f"facts: {EXAMPLE}\nat: 2026-11-17T16:00\ncases:\n  - name: x\n    expect: [{{present: always}}]\n")
    assert run("test", str(tmp_path)).exit_code == 0
    result = run("test", "proactive")
    assert result.exit_code == 0, result.output
    assert "coverage of proactive: " in result.output


def test_missing_tests_and_empty_folder(tmp_path: Path) -> None:
    p = write(tmp_path, "lonely.yaml", pack("lonely", rule("r")))
    result = run("test", str(p))
    assert result.exit_code == 2
    assert f"the pack {p} has no tests: expected them in {tmp_path / 'tests' / 'lonely.yaml'}" in result.output
    (tmp_path / "empty").mkdir()
    result = run("test", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no pack tests in" in result.output


@pytest.mark.parametrize("body, expected", [
    ("cases:\n  - name: x\n    expcet: [{present: write-notes}]\n",
     ["cases.yaml:6:5 (cases.0.expcet): unknown field `expcet`\n    fix: did you mean `expect`?",
      "cases.yaml:5:5 (cases.0.expect): required field `expect` is missing"]),
    ("cases:\n  - name: x\n    expect: [{present: write-note}]\n",
     ["cases.yaml:6:15 (cases.0.expect.0.present): the pack `proactive` has no rule `write-note`\n    fix: did you mean `write-notes`?"]),
    ("cases:\n  - name: x\n    expect: [{present: write-notes, absent: keep-searching}]\n",
     ["cases.yaml:6:14 (cases.0.expect.0): an expectation has exactly one of present, absent, first, before, due_by, cites, why_not (got present, absent)"]),
    ("cases:\n  - name: x\n    expect: [{present: {kind: thank_yuo}}]\n",
     ["cases.yaml:6:25 (cases.0.expect.0.present.kind): Input should be"]),
    ("cases:\n  - name: x\n    with: {interview: {went: grand}}\n    expect: [{present: write-notes}]\n",
     ["cases.yaml:6:24 (cases.0.with.interview.went): facts of case 'x': Input should be 'well', 'mixed' or 'badly'"]),
    ("cases:\n  - name: x\n    expect: [{present: {rule: thank-interviewers, target: Dana Le}}]\n",
     ["cases.yaml:6:51 (cases.0.expect.0.present.target): nobody called 'Dana Le' is in the facts of case 'x'\n"
      "    fix: did you mean `Dana Lee`?"]),
    ("cases:\n  - name: x\n    at: yesterday\n    expect: [{present: write-notes}]\n",
     ["cases.yaml:6:5 (cases.0.at): 'yesterday' is not a time"]),
])
def test_invalid_test_files_are_located(tmp_path: Path, body: str, expected: list[str]) -> None:
    head = f"pack: proactive\nfacts: {EXAMPLE}\nat: 2026-11-17T16:00\n"
    path = write(tmp_path, "cases.yaml", head + body)
    result = run("test", str(path))
    assert result.exit_code == 2, result.output
    out = result.output.replace(str(path), "cases.yaml")
    assert "problem" in out and "in pack test file" in out
    for text in expected:
        assert text in out
    with pytest.raises(TestFileError):
        run_tests(path, engine())


def test_facts_path_relative_to_the_test_file(tmp_path: Path) -> None:
    write(tmp_path, "facts/f.yaml", EXAMPLE.read_text(encoding="utf-8"))
    path = write(tmp_path, "t/cases.yaml", "pack: proactive\nfacts: ../facts/f.yaml\nat: 2026-11-17T16:00\n"
                 "cases:\n  - name: x\n    expect: [{present: write-notes}]\n")
    assert run("test", str(path)).exit_code == 0
    bad = write(tmp_path, "t/bad.yaml", "pack: proactive\nfacts: ../nowhere.yaml\nat: 2026-11-17T16:00\n"
                "cases:\n  - name: x\n    expect: [{present: write-notes}]\n")
    result = run("test", str(bad))
    assert result.exit_code == 2
    assert "bad.yaml:2:1 (facts): no facts file at ../nowhere.yaml" in result.output


def test_subprocess_exit_codes(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).parent / "followup")
    good = write(tmp_path, "good.yaml", PASSING)
    bad = write(tmp_path, "bad.yaml", FAILING)
    assert subprocess.run([exe, "test", str(good)], capture_output=True, text=True).returncode == 0
    proc = subprocess.run([exe, "test", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1 and "FAIL  wrong on purpose" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["conservative", "proactive", "tech-industry"])
def test_builtin_pack_tests_pass_with_full_coverage(name: str) -> None:
    from followup.packtests import render

    result = run_tests(name, engine())
    assert [f.path.name for f in result.files] == [f"{name}.yaml"]
    assert result.files[0].path.parent.name == "tests"
    assert not result.failed, render(result)
    (cov,) = result.coverage
    assert cov.pack.name == name
    assert cov.missed == [] and cov.percent == 100.0
    assert len(cov.own) == len(cov.pack.rules)


def test_folder_run_reports_broken_test_files_and_untested_packs(tmp_path: Path) -> None:
    write(tmp_path, "mine.yaml", pack("mine", rule("always")))
    write(tmp_path, "other.yaml", pack("other", rule("always")))
    write(tmp_path, "tests/mine.yaml", f"facts: {EXAMPLE}\nat: 2026-11-17T16:00\ncases:\n  - name: x\n    expect: [{{present: always}}]\n")
    ok = run("test", str(tmp_path))
    assert ok.exit_code == 0
    assert f"no tests for {tmp_path / 'other.yaml'} (expected them in {tmp_path / 'tests' / 'other.yaml'})" in ok.output
    strict = run("test", str(tmp_path), "--min-coverage", "100")
    assert strict.exit_code == 1 and "1 pack(s) without tests" in strict.output
    write(tmp_path, "tests/other.yaml", "cases:\n  - name: [broken\n")
    broken = run("test", str(tmp_path))
    assert broken.exit_code == 2
    assert "tests/other.yaml:2:11: not valid YAML: the `[` here is never closed" in broken.output.replace(str(tmp_path) + "/", "")
    assert run("test", str(tmp_path / "tests" / "other.yaml")).exit_code == 2
