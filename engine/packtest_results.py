"""What running pack tests found: per case, per file, rule coverage; and the pytest-like report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .compiler import CompiledPack
from .packtest_format import tests_for_pack
from .results import Action, Advice

__all__ = ["CaseResult", "FileResult", "Coverage", "TestRun", "render", "describe"]



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


def describe(a: Action) -> str:
    due = f", due {a.due:%a %d %b %H:%M}" if a.due else ""
    return f"#{a.rank} {a.rule}: {a.title}{due}"


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
                    lines += [f"          {describe(a)}" for a in c.advice.actions] or ["          (no actions)"]
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
