"""Running pack tests: find a pack's test files, evaluate each case, check its expectations.

The test-file format is in :mod:`followup.packtest_format`; results, coverage
and the report in :mod:`followup.packtest_results`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalogue import TARGETS
from .compiler import CompiledPack
from .conditions import _suggest
from .errors import FactsError, Problem
from .facts import Facts, load_facts, parse_facts
from .packs import is_pack_path
from .packtest_format import (
    TESTS_FOLDER,
    Case,
    Expectation,
    Selector,
    TestFile,
    TestFileError,
    fail,
    load_test_file,
    tests_for_pack,
)
from .packtest_results import CaseResult, FileResult, TestRun, describe, render
from .results import Advice
from .whynot_expect import WhyNotExpect, check_why_not
from .yamlio import Document, load_document, plain, read_text, unreadable

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["TestFileError", "CaseResult", "FileResult", "TestRun", "find_test_files", "tests_for_pack",
           "run_test_file", "run_tests", "load_test_file", "render", "TESTS_FOLDER"]

# --- finding test files -----------------------------------------------------------


def _is_test_file(path: Path) -> bool:
    try:
        doc, _ = load_document(read_text(path)[0], str(path))
    except OSError:
        return False
    return doc is not None and isinstance(doc.data, dict) and "cases" in doc.data


def find_test_files(target: str | os.PathLike[str], engine: Engine) -> list[Path]:
    """Test files for a pack file, a test file, a folder of packs or of tests, or a pack name."""
    text = str(target)
    path = Path(text)
    if os.path.isdir(path):
        folder = path / TESTS_FOLDER if (path / TESTS_FOLDER).is_dir() else path
        # in a tests/ folder every YAML file is a test file (a broken one is reported, not skipped)
        in_tests = folder.name == TESTS_FOLDER
        found = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and (in_tests or _is_test_file(p)))
        if not found:
            raise TestFileError(Problem(f"no pack tests in {folder}", file=str(path), code="unreadable",
                                        hint=f"tests of a pack NAME.yaml go in {TESTS_FOLDER}/NAME.yaml beside it "
                                             "(`followup new-pack` writes one)"))
        return found
    if not os.path.exists(path) and not is_pack_path(text):
        path = engine.find_pack(text)
    if not os.path.isfile(path):
        raise TestFileError(Problem(f"no such file: {text}", file=text, hint="check the path", code="unreadable"))
    if path.parent.name == TESTS_FOLDER or _is_test_file(path):
        return [path]
    tests = tests_for_pack(path)
    if not tests.is_file():
        raise TestFileError(Problem(f"the pack {path} has no tests: expected them in {tests}", file=str(path),
                                    hint=f"create {tests} (see docs/authoring.md; `followup new-pack` writes one)",
                                    code="unreadable"))
    return [tests]


# --- loading and running ----------------------------------------------------------


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = _merge(base.get(k), v)
        return out
    return patch


def _pack_of(tf: TestFile, path: Path, doc: Document, engine: Engine) -> CompiledPack:
    from .errors import PackNotFound

    if tf.pack is None:
        default = Path(os.path.normpath(path.parent.parent / path.name))
        if path.parent.name == TESTS_FOLDER and default.is_file():
            return engine.load_pack(default)
        try:
            return engine.load_pack(path.stem)
        except PackNotFound:
            raise fail(doc.problem((), f"cannot tell which pack {path.name} tests: no {default} and no pack named `{path.stem}`",
                                    "add `pack: <name or path>` at the top of the test file"), str(path)) from None
    ref = tf.pack
    target: str | Path = Path(os.path.normpath(path.parent / ref)) if is_pack_path(ref) else ref
    try:
        return engine.load_pack(target)
    except PackNotFound as exc:
        raise fail(doc.problem(("pack",), f"cannot find the pack `{ref}`", str(exc)), str(path)) from None


def _selectors(case: Case, i: int) -> Iterator[tuple[Selector, tuple[str | int, ...]]]:
    """Every action selector of a case, with where it is written."""
    for j, exp in enumerate(case.expect):
        here: tuple[str | int, ...] = ("cases", i, "expect", j, exp.kind)
        value = getattr(exp, exp.kind)
        if isinstance(value, Selector):
            yield value, here
        elif isinstance(value, WhyNotExpect):
            yield Selector(rule=value.rule, target=value.target), here
        elif isinstance(value, list):
            for k, sel in enumerate(value):
                yield sel, here + (k,)
        else:
            yield value.action, here + ("action",)


def _check_selectors(tf: TestFile, doc: Document, cp: CompiledPack) -> list[Problem]:
    ids = [cr.rule.id for cr in cp.rules]
    out: list[Problem] = []
    for i, case in enumerate(tf.cases):
        for sel, where in _selectors(case, i):
            if sel.rule is not None and sel.rule not in ids:
                hint = _suggest(sel.rule, ids)
                out.append(doc.problem(where, f"the pack `{cp.name}` has no rule `{sel.rule}`",
                                       (hint + " " if hint else "") + f"rules: {', '.join(ids)}", code="unknown_rule"))
    return out


def _check_targets(case: Case, i: int, facts: Facts, doc: Document) -> list[Problem]:
    """A `target` must be a person of the case's facts or a target kind, or the expectation could never match."""
    names = [p.name for p in facts.people]
    known = {n.casefold() for n in names} | set(TARGETS)
    out = []
    for sel, where in _selectors(case, i):
        if sel.target is not None and sel.target.casefold() not in known:
            hint = _suggest(sel.target, names + list(TARGETS))
            out.append(doc.problem(where + ("target",), f"nobody called {sel.target!r} is in the facts of case {case.name!r}",
                                   (hint + " " if hint else "") + f"people: {', '.join(names)}; or a target kind: "
                                   f"{', '.join(TARGETS)}", code="unknown_target"))
    return out


def _facts_for(tf: TestFile, case: Case, i: int, path: Path, doc: Document) -> Facts:
    spec, where = (case.facts, ("cases", i, "facts")) if case.facts is not None else (tf.facts, ("facts",))
    if spec is None:
        raise fail(doc.problem(("cases", i), f"case {case.name!r} has no facts",
                                "give `facts:` (a file or inline facts) in the case or at the top of the file"), str(path))
    if isinstance(spec, str):
        file = path.parent / spec
        if not os.path.isfile(file):
            raise fail(doc.problem(where, f"no facts file at {spec} (looked for {file})",
                                    "facts paths are relative to the test file"), str(path))
        if case.with_ is None:
            return load_facts(file)
        try:
            ftext, fname = read_text(file)
        except OSError as exc:
            raise FactsError(unreadable(exc, file, "facts"), source=str(file)) from None
        fdoc, problem = load_document(ftext, fname)
        if problem is not None:
            raise FactsError(problem, source=str(file))
        data = plain(fdoc.data)  # type: ignore[union-attr]
    else:
        data = spec
    if case.with_ is not None:
        data = _merge(data, case.with_)
        where = ("cases", i, "with")
    try:
        return parse_facts(data)
    except FactsError as exc:
        raise fail([doc.problem(where + p.path, f"facts of case {case.name!r}: {p.message}", p.hint, code=p.code)
                     for p in exc.problems], str(path)) from None


def _at(text: str | None, facts: Facts, where: tuple[str | int, ...], path: Path, doc: Document) -> datetime:
    from .engine import resolve_at

    if text is None:
        raise fail(doc.problem(where, "no evaluation time", "give `at:` (e.g. 2026-11-17T16:00) in the case or at the top"),
                    str(path))
    try:
        return resolve_at(text, facts)
    except FactsError:
        raise fail(doc.problem(where, f"{text!r} is not a time", "write ISO 8601, e.g. 2026-11-17T16:00 or 2026-11-17T16:00+01:00"),
                    str(path)) from None


def run_test_file(path: Path, engine: Engine) -> FileResult:
    """Run every case of one test file; raise :class:`TestFileError` if the file itself is wrong."""
    tf, doc = load_test_file(path)
    cp = _pack_of(tf, path, doc, engine)
    problems = _check_selectors(tf, doc, cp)
    if problems:
        raise fail(problems, str(path))
    results = []
    for i, case in enumerate(tf.cases):
        facts = _facts_for(tf, case, i, path, doc)
        problems = _check_targets(case, i, facts, doc)
        if problems:
            raise fail(problems, str(path))
        at = _at(case.at or tf.at, facts, ("cases", i, "at") if case.at else ("at",), path, doc)
        verdicts = None
        if any(exp.why_not is not None for exp in case.expect):
            from .whynot import evaluate_with_verdicts

            judged = evaluate_with_verdicts(engine, facts, cp, at)
            advice, verdicts = judged.advice, judged.verdicts
        else:
            advice = engine.advise(facts, cp, at)
        failures = []
        for j, exp in enumerate(case.expect):
            if exp.why_not is not None:
                assert verdicts is not None
                msg = check_why_not(exp.why_not, verdicts, advice)
            else:
                msg = _check(exp, advice, facts, lambda t: _at(t, facts, ("cases", i, "expect", j), path, doc))  # noqa: B023  (called at once)
            if msg:
                line, col = doc.locate(("cases", i, "expect", j))
                failures.append(f"{path}:{line}:{col}: {msg}")
        line, col = doc.locate(("cases", i))
        results.append(CaseResult(case.name, not failures, failures, advice, f"{path}:{line}:{col}"))
    return FileResult(path, cp, results)


def run_tests(target: str | os.PathLike[str], engine: Engine) -> TestRun:
    """Run the tests `target` names (see :func:`find_test_files`); a folder's packs without tests are listed."""
    run = TestRun([run_test_file(p, engine) for p in find_test_files(target, engine)])
    folder = Path(target)
    if folder.is_dir():
        from .discovery import pack_files_in

        tested = {Path(cov.pack.file.origin).resolve() for cov in run.coverage}
        run.untested = [p for p in pack_files_in(folder) if p.resolve() not in tested]
    return run


# --- expectations ---------------------------------------------------------------------


def _check(exp: Expectation, advice: Advice, facts: Facts, when: Any) -> str | None:
    actions = advice.actions
    kind = exp.kind
    if kind in ("present", "absent", "first"):
        sel: Selector = getattr(exp, kind)
        hits = [a for a in actions if sel.matches(a)]
        if kind == "present" and not hits:
            return f"expected an action matching {sel.text()}, but none came out"
        if kind == "absent" and hits:
            return f"expected no action matching {sel.text()}, but got:\n" + "\n".join(f"  + {describe(a)}" for a in hits)
        if kind == "first" and not (actions and sel.matches(actions[0])):
            got = describe(actions[0]) if actions else "(no actions at all)"
            where = f" (it is {describe(hits[0])})" if hits else " (it did not come out at all)"
            return f"expected {sel.text()} to rank first{where}\n  - expected first: {sel.text()}\n  + got first:      {got}"
        return None
    if kind == "before":
        high, low = exp.before  # type: ignore[misc]
        a = next((x for x in actions if high.matches(x)), None)
        b = next((x for x in actions if low.matches(x)), None)
        if a is None or b is None:
            missing = " and ".join(s.text() for s, x in ((high, a), (low, b)) if x is None)
            return f"expected {high.text()} before {low.text()}, but {missing} did not come out"
        if a.rank > b.rank:
            return (f"expected {high.text()} before {low.text()}\n  - expected: {high.text()} ranked above {low.text()}\n"
                    f"  + got:      {describe(b)}\n              {describe(a)}")
        return None
    if kind == "due_by":
        d = exp.due_by
        assert d is not None
        limit = when(d.time)
        hits = [a for a in actions if d.action.matches(a)]
        if not hits:
            return f"expected {d.action.text()} due by {limit:%a %d %b %H:%M}, but it did not come out"
        late = [a for a in hits if a.due is None or a.due > limit]
        if late:
            return (f"expected {d.action.text()} due by {limit:%a %d %b %H:%M}\n"
                    + "\n".join(f"  + got {describe(a)}" + ("" if a.due else " (no due time)") for a in late))
        return None
    c = exp.cites
    assert c is not None
    hits = [a for a in actions if c.action.matches(a)]
    if not hits:
        return f"expected {c.action.text()} to cite {c.article}, but it did not come out"
    for a in hits:
        if not any(s.article == c.article and set(c.items) <= set(s.items) for s in a.sources):
            cited = "; ".join(f"{s.article} {','.join(s.items)}" for s in a.sources) or "nothing"
            return (f"expected {c.action.text()} to cite {c.article} {','.join(c.items)}\n"
                    f"  - expected: {c.article} {','.join(c.items)}\n  + got:      {cited}")
    return None
