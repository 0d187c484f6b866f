"""Compare advice styles: one set of facts under several packs, side by side.

Rows are keyed by (action kind, target): the target is a person's name, "the
company" or "yourself". A row's cell for a pack holds every action that pack
gives for that key, so a "don't call yet" and an "email on Tue 24" of one pack
sit in the same cell as each other, facing the other pack's "call on Fri 20".

Advice *not* to do something aimed at the company as a whole (a company-target
avoid rule, e.g. "don't ask the company about the status by phone yet") holds
for everyone there: besides its own company row, a copy is shown in each
person row of the same kind (`company_wide=True`), so "don't call yet, email
on Tue 24" faces "call on Fri 20" in one row.

Two cells disagree when their own entries (not the company-wide copies)
differ in presence, channel, avoid, or due day.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .catalogue import SHORT
from .compiler import CompiledPack
from .default_engine import default_engine
from .engine import Engine, FactsInput, coerce_facts, resolve_at
from .errors import PackError, Problem
from .results import Action, Advice, PackRef, Result, SourceRef

__all__ = [
    "Comparison",
    "Row",
    "Cell",
    "CellEntry",
    "compare",
    "compare_advice",
    "row_key",
    "SHORT",
]

PackSpec = str | os.PathLike[str] | CompiledPack


Difference = Literal["presence", "channel", "avoid", "due day"]



class CellEntry(Result):
    """One action of one pack, as shown in a comparison row."""

    rank: int
    rule: str
    title: str
    avoid: bool
    channel: str
    due: datetime | None
    suggested_at: datetime | None = None
    rationale: str
    sources: list[SourceRef]
    company_wide: bool = Field(default=False, description="A company-target avoid shown on this person's row.")

    @property
    def summary(self) -> str:
        """`#2 phone Fri 20 10:30`, or `don't phone until Fri 20 00:00`."""
        at = self.suggested_at or self.due
        when = _short_time(at) if at is not None else ""
        if self.avoid:
            return f"don't {self.channel}" + (f" until {when}" if when else "")
        channel = "" if self.channel == "none" else f" {self.channel}"
        return f"#{self.rank}{channel}" + (f" {when}" if when else "")

    @property
    def sources_text(self) -> str:
        if not self.sources:
            return "the pack's own reasoning"
        return "; ".join(s.article + (" " + ",".join(s.items) if s.items else "") for s in self.sources)


class Cell(Result):
    pack: str
    entries: list[CellEntry] = Field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.entries)

    @property
    def summary(self) -> str:
        return "; ".join(e.summary for e in self.entries) if self.entries else "-"

    @property
    def own(self) -> list[CellEntry]:
        """The entries that are this row's own (not company-wide advice shown for context)."""
        return [e for e in self.entries if not e.company_wide]

    @property
    def signature(self) -> frozenset[tuple[bool, str, Any]]:
        return frozenset((e.avoid, e.channel, _day(e)) for e in self.own)


class Row(Result):
    kind: str
    target: str = Field(description="A person's name, `the company` or `yourself`.")
    target_kind: str = Field(description="person, company or self.")
    cells: list[Cell] = Field(description="One per pack, in the comparison's pack order.")
    disagree: bool
    differences: list[Difference] = Field(default_factory=list, description="What the cells differ in.")

    @property
    def label(self) -> str:
        short = SHORT.get(self.kind, self.kind)
        return short if self.target_kind == "self" else f"{short}: {self.target}"

    @property
    def best_rank(self) -> int:
        ranks = [e.rank for c in self.cells for e in c.entries if not e.company_wide]
        return min(ranks) if ranks else 10_000

    def cell(self, pack: str) -> Cell:
        for c in self.cells:
            if c.pack == pack:
                return c
        raise KeyError(pack)

    def explanation(self) -> str:
        """Each side in one line: `proactive: call ... Fri 20 10:30 (tiptopjob F2); conservative: ...`."""
        sides = []
        for c in self.cells:
            if not c.entries:
                sides.append(f"{c.pack}: nothing")
                continue
            parts = [f"{_phrase(e)} ({e.sources_text})" for e in c.entries]
            sides.append(f"{c.pack}: " + ", ".join(parts))
        return "; ".join(sides)


class Comparison(Result):
    """One set of facts under several packs at one moment."""

    schema_version: Literal[1] = 1
    candidate: str
    position: str
    company: str
    timezone: str
    at: datetime
    packs: list[PackRef]
    rows: list[Row]
    advice: list[Advice] = Field(description="Each pack's own ranked advice, in pack order.")

    @property
    def pack_names(self) -> list[str]:
        return [p.name for p in self.packs]

    @property
    def disagreements(self) -> list[Row]:
        return [r for r in self.rows if r.disagree]

    def row(self, kind: str, target: str) -> Row:
        for r in self.rows:
            if r.kind == kind and r.target.casefold() == target.casefold():
                return r
        raise KeyError((kind, target))

    def to_json(self, **kw: Any) -> str:
        return self.model_dump_json(indent=2, **kw)


def row_key(action: Action) -> tuple[str, str, str]:
    """(kind, target label, target kind) of an action."""
    t = action.target
    if t.name:
        return action.kind, t.name, "person"
    if t.kind == "self":
        return action.kind, "yourself", "self"
    return action.kind, "the company", "company"


def compare(
    facts: FactsInput,
    packs: Sequence[PackSpec] | None = None,
    at: datetime | str | None = None,
    *,
    engine: Engine | None = None,
) -> Comparison:
    """Evaluate `facts` under each of `packs` (default: every known pack) at `at` and line them up."""
    engine = engine or default_engine()
    f = coerce_facts(facts)
    when = resolve_at(at, f)
    chosen = list(packs) if packs else list(engine.pack_paths().values())
    return compare_advice([engine.advise(f, p, when) for p in chosen])


def compare_advice(advice: Sequence[Advice]) -> Comparison:
    """Line up already computed advice (all for the same facts and moment)."""
    if not advice:
        raise ValueError("nothing to compare: give at least one pack")
    names = [a.pack.name for a in advice]
    check_unique(names)
    grouped: dict[tuple[str, str, str], dict[str, list[CellEntry]]] = {}
    wide: dict[str, dict[str, list[CellEntry]]] = {}  # kind -> pack -> company-wide avoid entries
    for adv in advice:
        for a in adv.actions:
            key = row_key(a)
            entry = _entry(a)
            grouped.setdefault(key, {}).setdefault(adv.pack.name, []).append(entry)
            if a.avoid and key[2] == "company":
                wide.setdefault(a.kind, {}).setdefault(adv.pack.name, []).append(
                    entry.model_copy(update={"company_wide": True}))
    for kind, by_pack in wide.items():
        # shown for context on each person row of that kind; the company row stays, so the
        # avoid itself is compared there, and only a row's own entries decide disagreement
        for key in [k for k in grouped if k[0] == kind and k[2] == "person"]:
            for pack, entries in by_pack.items():
                grouped[key].setdefault(pack, []).extend(entries)
    rows = []
    for (kind, target, target_kind), by_pack in grouped.items():
        cells = [Cell(pack=n, entries=sorted(by_pack.get(n, []), key=lambda e: (e.company_wide, e.rank))) for n in names]
        diffs = _differences(cells)
        rows.append(Row(kind=kind, target=target, target_kind=target_kind, cells=cells, disagree=bool(diffs),
                        differences=diffs))
    rows.sort(key=lambda r: (r.best_rank, r.kind, r.target))
    first = advice[0]
    return Comparison(
        candidate=first.candidate, position=first.position, company=first.company, timezone=first.timezone,
        at=first.at, packs=[a.pack for a in advice], rows=rows, advice=list(advice),
    )


def check_unique(names: Sequence[str]) -> None:
    """Packs are columns and lanes by name: each may be given once."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PackError(Problem(f"pack {', '.join(map(repr, twice))} is given twice (packs: {', '.join(names)})",
                                path=("packs",), hint="give each pack once (a name and a path to the same pack count twice)",
                                code="packs"))


def _entry(a: Action) -> CellEntry:
    return CellEntry(rank=a.rank, rule=a.rule, title=a.title, avoid=a.avoid, channel=a.channel, due=a.due,
                     suggested_at=a.suggested_at, rationale=a.rationale, sources=list(a.sources))


def _day(e: CellEntry) -> Any:
    moment = e.suggested_at or e.due
    return moment.date() if moment is not None else None


def _differences(cells: Iterable[Cell]) -> list[Difference]:
    cells = list(cells)
    out: list[Difference] = []
    if len({bool(c.own) for c in cells}) > 1:
        out.append("presence")
    present = [c for c in cells if c.own]
    if len(present) > 1:
        for name, part in (("channel", 1), ("avoid", 0), ("due day", 2)):
            values = {frozenset(sig[part] for sig in c.signature) for c in present}
            if len(values) > 1:
                out.append(name)  # type: ignore[arg-type]
        if not out and len({c.signature for c in present}) > 1:
            out.append("due day")  # same parts, combined differently
    return out


def _short_time(dt: datetime) -> str:
    return dt.strftime("%a %d %H:%M")


def _phrase(e: CellEntry) -> str:
    title = e.title[0].lower() + e.title[1:]
    moment = e.suggested_at or e.due
    if e.avoid:
        return title + (f" until {_short_time(moment)}" if moment else "")
    return title + (f", {_short_time(moment)}" if moment else "")
