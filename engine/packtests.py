"""Pack tests written in YAML, and rule coverage.

A pack's tests live in a `tests` folder beside it, in a file named after the
pack: ``my-pack.yaml`` is tested by ``tests/my-pack.yaml``. A test file::

    pack: ../my-pack.yaml            # optional: name or path (default: ../<this file's name>)
    facts: ../../examples/base.yaml  # optional default for every case: a path or inline facts
    at: 2026-11-17T16:00             # optional default time (no offset: the company's time zone)
    cases:
      - name: thank everyone the same evening
        with:                          # optional changes merged into the facts
          interview: {notes_taken: true}
        at: 2026-11-17T16:00
        expect:
          - present: thank-interviewers                 # a rule id ...
          - present: {kind: thank_you, target: Dana Lee} # ... or rule/kind/target/channel/avoid
          - absent: write-notes
          - first: thank-interviewers
          - before: [thank-interviewers, keep-searching]
          - due_by: {action: thank-interviewers, time: 2026-11-17T19:00}
          - cites: {action: thank-interviewers, article: tiptopjob, items: [T2]}
          - why_not: {rule: email-status-after-a-week, because: [days_since_interview]}  # see whynot_expect.py

A case passes when every expectation holds. Coverage counts the rules of
the pack's own file (rules it defines or overrides) that no case fired.
Problems in a test file are located errors (:class:`TestFileError`), like
problems in a pack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .catalogue import TARGETS, ActionKind, ChannelName
from .compiler import CompiledPack
from .conditions import _suggest
from .errors import FactsError, InputError, Problem
from .facts import Facts, load_facts, parse_facts
from .packs import is_pack_path
from .results import Action, Advice
from .whynot_expect import WhyNotExpect, check_why_not
from .yamlio import Document, load_document, plain, problems_from_validation, read_text

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["TestFileError", "CaseResult", "FileResult", "TestRun", "find_test_files", "tests_for_pack",
           "run_test_file", "run_tests", "load_test_file", "TESTS_FOLDER"]

TESTS_FOLDER = "tests"


class TestFileError(InputError):
    """A pack test file is unreadable or invalid."""

    __test__ = False  # not a pytest class
    kind = "pack test file"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Selector(_Model):
    """Which actions an expectation is about; every field given must match."""

    rule: str | None = Field(default=None, description="Id of the rule that recommends it.")
    kind: ActionKind | None = Field(default=None, description="Action kind.")
    target: str | None = Field(default=None, description="A person's name, or a target kind such as company or self.")
    channel: ChannelName | None = None
    avoid: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, value: Any) -> Any:
        return {"rule": value} if isinstance(value, str) else value

    def text(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_none=True).items()]
        if self.rule is not None and parts == [f"rule={self.rule}"]:
            return self.rule
        return "{" + ", ".join(parts) + "}"

    def matches(self, a: Action) -> bool:
        if self.rule is not None and a.rule != self.rule:
            return False
        if self.kind is not None and a.kind != self.kind:
            return False
        if self.channel is not None and a.channel != self.channel:
            return False
        if self.avoid is not None and a.avoid != self.avoid:
            return False
        if self.target is not None:
            want = self.target.casefold()
            if want != a.target.kind and (a.target.name or "").casefold() != want:
                return False
        return True


class DueBy(_Model):
    action: Selector
    time: str = Field(description="ISO 8601 time; without an offset, the company's time zone.")


class Cites(_Model):
    action: Selector
    article: str
    items: list[str] = Field(default_factory=list)


class Expectation(_Model):
    """Exactly one of these keys."""

    present: Selector | None = Field(default=None, description="Some action matches.")
    absent: Selector | None = Field(default=None, description="No action matches.")
    first: Selector | None = Field(default=None, description="The action ranked first matches.")
    before: list[Selector] | None = Field(default=None, description="[A, B]: A is ranked above B (both present).")
    due_by: DueBy | None = Field(default=None, description="A matching action is due at or before `time`.")
    cites: Cites | None = Field(default=None, description="A matching action cites the article (and items).")
    why_not: WhyNotExpect | None = Field(default=None, description="The rule does NOT fire, optionally for a reason "
                                                                   "(see docs/authoring.md).")

    @model_validator(mode="after")
    def _one(self) -> Expectation:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError("expectation", "an expectation has exactly one of present, absent, first, before, "
                                      "due_by, cites, why_not{given}", {"given": f" (got {', '.join(given)})" if given else ""})
        if self.before is not None and len(self.before) != 2:
            raise PydanticCustomError("expectation", "`before` takes two actions: [ranked higher, ranked lower]", {})
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)


FactsSpec = str | dict[str, Any] | None


class Case(_Model):
    name: str = Field(min_length=1, description="What the case checks, in a few words.")
    facts: FactsSpec = Field(default=None, description="Facts file (relative to the test file) or inline facts; default: the file's.")
    with_: dict[str, Any] | None = Field(default=None, alias="with", description="Changes merged into the facts (mappings merge, lists are replaced).")
    at: str | None = Field(default=None, description="Evaluation time; default: the file's `at`.")
    expect: list[Expectation] = Field(min_length=1)


class TestFile(_Model):
    __test__ = False

    pack: str | None = Field(default=None, description="Pack under test: name or path relative to this file (default: ../<file name>).")
    facts: FactsSpec = None
    at: str | None = None
    cases: list[Case] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _unique(cls, value: list[Case]) -> list[Case]:
        names = [c.name for c in value]
        for n in names:
            if names.count(n) > 1:
                raise PydanticCustomError("case_name", "two cases are named {name!r}: give each its own name", {"name": n})
        return value


# --- results --------------------------------------------------------------------


@dataclass
class CaseResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    advice: Advice | None = None
    where: str = ""


@dataclass
class FileResult:
    path: Path
    pack: CompiledPack
    cases: list[CaseResult]

    @property
    def fired(self) -> set[str]:
        return {a.rule for c in self.cases if c.advice for a in c.advice.actions}


@dataclass
class Coverage:
    pack: CompiledPack
    own: list[str]  # rule ids defined or overridden in the pack's own file
    fired: set[str]

    @property
    def missed(self) -> list[str]:
        return [r for r in self.own if r not in self.fired]

    @property
    def percent(self) -> float:
        return 100.0 if not self.own else 100.0 * (len(self.own) - len(self.missed)) / len(self.own)


@dataclass
class TestRun:
    __test__ = False

    files: list[FileResult]
    untested: list[Path] = field(default_factory=list)  # packs of a tested folder that have no tests

    @property
    def cases(self) -> list[CaseResult]:
        return [c for f in self.files for c in f.cases]

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    @property
    def coverage(self) -> list[Coverage]:
        by_pack: dict[str, Coverage] = {}
        for f in self.files:
            key = f.pack.file.origin
            if key not in by_pack:
                own = [cr.rule.id for cr in f.pack.rules if cr.layer in (None, f.pack.ref.origin)]
                by_pack[key] = Coverage(f.pack, own, set())
            by_pack[key].fired |= f.fired
        return list(by_pack.values())


# --- finding test files -----------------------------------------------------------


def tests_for_pack(pack_path: Path) -> Path:
    """Where the tests of the pack at `pack_path` live."""
    return pack_path.parent / TESTS_FOLDER / pack_path.name


def _is_test_file(path: Path) -> bool:
    try:
        doc, _ = load_document(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError):
        return False
    return doc is not None and isinstance(doc.data, dict) and "cases" in doc.data


def find_test_files(target: str | os.PathLike[str], engine: Engine) -> list[Path]:
    """Test files for a pack file, a test file, a folder of packs or of tests, or a pack name."""
    text = str(target)
    path = Path(text)
    if path.is_dir():
        folder = path / TESTS_FOLDER if (path / TESTS_FOLDER).is_dir() else path
        # in a tests/ folder every YAML file is a test file (a broken one is reported, not skipped)
        in_tests = folder.name == TESTS_FOLDER
        found = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and (in_tests or _is_test_file(p)))
        if not found:
            raise TestFileError(Problem(f"no pack tests in {folder}", file=str(path), code="unreadable",
                                        hint=f"tests of a pack NAME.yaml go in {TESTS_FOLDER}/NAME.yaml beside it "
                                             "(`followup new-pack` writes one)"))
        return found
    if not path.exists() and not is_pack_path(text):
        path = engine.find_pack(text)
    if not path.is_file():
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


def _fail(problems: list[Problem] | Problem, file: str) -> TestFileError:
    return TestFileError(problems, source=file)


def load_test_file(path: Path) -> tuple[TestFile, Document]:
    try:
        text, name = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(Problem(f"cannot read the test file: {exc}", file=str(path), hint="check the path", code="unreadable"),
                    str(path)) from None
    doc, problem = load_document(text, name)
    if problem is not None:
        raise _fail(problem, name)
    assert doc is not None
    data = plain(doc.data)
    if not isinstance(data, dict):
        raise _fail(doc.problem((), "a test file is a mapping with `cases:`", "see docs/authoring.md", code="not_a_test"), name)
    try:
        return TestFile.model_validate_json(json.dumps(data, ensure_ascii=False)), doc
    except ValidationError as exc:
        raise _fail(problems_from_validation(exc, doc, model=TestFile), name) from None


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
            raise _fail(doc.problem((), f"cannot tell which pack {path.name} tests: no {default} and no pack named `{path.stem}`",
                                    "add `pack: <name or path>` at the top of the test file"), str(path)) from None
    ref = tf.pack
    target: str | Path = Path(os.path.normpath(path.parent / ref)) if is_pack_path(ref) else ref
    try:
        return engine.load_pack(target)
    except PackNotFound as exc:
        raise _fail(doc.problem(("pack",), f"cannot find the pack `{ref}`", str(exc)), str(path)) from None


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
        raise _fail(doc.problem(("cases", i), f"case {case.name!r} has no facts",
                                "give `facts:` (a file or inline facts) in the case or at the top of the file"), str(path))
    if isinstance(spec, str):
        file = path.parent / spec
        if not file.is_file():
            raise _fail(doc.problem(where, f"no facts file at {spec} (looked for {file})",
                                    "facts paths are relative to the test file"), str(path))
        if case.with_ is None:
            return load_facts(file)
        fdoc, problem = load_document(file.read_text(encoding="utf-8"), str(file))
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
        raise _fail([doc.problem(where + p.path, f"facts of case {case.name!r}: {p.message}", p.hint, code=p.code)
                     for p in exc.problems], str(path)) from None


def _at(text: str | None, facts: Facts, where: tuple[str | int, ...], path: Path, doc: Document) -> datetime:
    from .engine import resolve_at

    if text is None:
        raise _fail(doc.problem(where, "no evaluation time", "give `at:` (e.g. 2026-11-17T16:00) in the case or at the top"),
                    str(path))
    try:
        return resolve_at(text, facts)
    except FactsError:
        raise _fail(doc.problem(where, f"{text!r} is not a time", "write ISO 8601, e.g. 2026-11-17T16:00 or 2026-11-17T16:00+01:00"),
                    str(path)) from None


def run_test_file(path: Path, engine: Engine) -> FileResult:
    """Run every case of one test file; raise :class:`TestFileError` if the file itself is wrong."""
    tf, doc = load_test_file(path)
    cp = _pack_of(tf, path, doc, engine)
    problems = _check_selectors(tf, doc, cp)
    if problems:
        raise _fail(problems, str(path))
    results = []
    for i, case in enumerate(tf.cases):
        facts = _facts_for(tf, case, i, path, doc)
        problems = _check_targets(case, i, facts, doc)
        if problems:
            raise _fail(problems, str(path))
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


def _describe(a: Action) -> str:
    due = f", due {a.due:%a %d %b %H:%M}" if a.due else ""
    return f"#{a.rank} {a.rule}: {a.title}{due}"


def _check(exp: Expectation, advice: Advice, facts: Facts, when: Any) -> str | None:
    actions = advice.actions
    kind = exp.kind
    if kind in ("present", "absent", "first"):
        sel: Selector = getattr(exp, kind)
        hits = [a for a in actions if sel.matches(a)]
        if kind == "present" and not hits:
            return f"expected an action matching {sel.text()}, but none came out"
        if kind == "absent" and hits:
            return f"expected no action matching {sel.text()}, but got:\n" + "\n".join(f"  + {_describe(a)}" for a in hits)
        if kind == "first" and not (actions and sel.matches(actions[0])):
            got = _describe(actions[0]) if actions else "(no actions at all)"
            where = f" (it is {_describe(hits[0])})" if hits else " (it did not come out at all)"
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
                    f"  + got:      {_describe(b)}\n              {_describe(a)}")
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
                    + "\n".join(f"  + got {_describe(a)}" + ("" if a.due else " (no due time)") for a in late))
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


# --- report -----------------------------------------------------------------------------


def render(run: TestRun, *, verbose: bool = False) -> str:
    """pytest-like text: each case PASS/FAIL, the failures with the ranking, then coverage."""
    lines: list[str] = []
    for f in run.files:
        lines.append(f"{f.path} (pack {f.pack.name})")
        for c in f.cases:
            lines.append(f"  {'PASS' if c.passed else 'FAIL'}  {c.name}")
            if not c.passed:
                for msg in c.failures:
                    lines += ["        " + ln for ln in msg.splitlines()]
                if c.advice is not None:
                    lines.append(f"        ranking at {c.advice.at:%a %d %b %Y %H:%M}:")
                    lines += [f"          {_describe(a)}" for a in c.advice.actions] or ["          (no actions)"]
    lines.append("")
    for cov in run.coverage:
        n, missed = len(cov.own), cov.missed
        lines.append(f"coverage of {cov.pack.name}: {n - len(missed)}/{n} rules fired ({cov.percent:.0f}%)")
        for rid in missed:
            lines.append(f"  never fired: {rid}" + _where_rule(cov.pack, rid))
        inherited = len(cov.pack.rules) - n
        if inherited:
            lines.append(f"  ({inherited} inherited rule{'s' * (inherited != 1)} not counted: their own pack's tests cover them)")
    for p in run.untested:
        lines.append(f"no tests for {p} (expected them in {tests_for_pack(p)})")
    passed = len(run.cases) - len(run.failed)
    summary = f"{len(run.failed)} failed, {passed} passed" if run.failed else f"{passed} passed"
    lines.append(f"== {summary} ==")
    return "\n".join(lines) + "\n"


def _where_rule(cp: CompiledPack, rid: str) -> str:
    doc = cp.file.doc
    if doc is None or not isinstance(doc.data, dict):
        return ""
    for key in ("rules", "overrides"):
        for i, entry in enumerate(doc.data.get(key) or []):
            if isinstance(entry, dict) and entry.get("id") == rid:
                line, col = doc.locate((key, i))
                return f" ({doc.file}:{line}:{col})"
    return ""
