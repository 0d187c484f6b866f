"""Pack-level comparison over many cases: a folder of fact files, each under every pack.

Each case is a fact file with a `# at:` line (see :mod:`followup.casefiles`).
For every case the packs are compared as in :func:`followup.comparison.compare`;
over all cases this reports how often the packs agree on the top action, the
rank correlation of each pair of packs, the actions only one pack gives, and
the cases where the packs disagree most.

Rank correlation is Kendall's tau-b over the (action kind, target) items both
packs give in a case (ties counted as in tau-b); it needs at least two shared
items, else it is left out for that case. It is computed here (a dozen lines)
rather than pulling in scipy for one function.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import datetime
from itertools import combinations
from typing import Any, Literal

from pydantic import Field

from .casefiles import Case, load_corpus
from .comparison import Comparison, PackSpec, compare, row_key
from .default_engine import default_engine
from .engine import Engine
from .results import Advice, PackRef, Result

__all__ = ["CorpusComparison", "CaseSummary", "PairStats", "OnlyOne", "compare_corpus", "kendall_tau"]



class CaseSummary(Result):
    case: str = Field(description="File name without extension.")
    file: str
    at: datetime = Field(description="Evaluation time from the file's `# at:` line.")
    top: dict[str, str | None] = Field(description="Each pack's top action, as `kind: target (channel)`, `don't ...` for avoid.")
    top_agree: bool
    rows: int
    disagreeing_rows: int
    tau: dict[str, float | None] = Field(description="Kendall tau-b per pack pair `a~b` over shared items.")
    comparison: Comparison

    @property
    def disagreement(self) -> float:
        """Share of rows the packs disagree on (0 to 1)."""
        return self.disagreeing_rows / self.rows if self.rows else 0.0


class PairStats(Result):
    a: str
    b: str
    cases: int
    top_agreement: float = Field(description="Share of cases where both packs rank the same action first.")
    tau_mean: float | None = Field(description="Mean Kendall tau-b over the cases with >= 2 shared items.")
    tau_cases: int


class OnlyOne(Result):
    pack: str
    kind: str
    avoid: bool
    count: int = Field(description="Cases in which only this pack gives it.")
    cases: list[str]


class CorpusComparison(Result):
    schema_version: Literal[1] = 1
    folder: str
    packs: list[PackRef]
    cases: list[CaseSummary]
    top_agreement: float = Field(description="Share of cases where every pack ranks the same action first.")
    pairs: list[PairStats]
    only_one: list[OnlyOne]
    most_disagreeing: list[str] = Field(description="Case names, most disagreement first (top 3).")

    def case(self, name: str) -> CaseSummary:
        for c in self.cases:
            if c.case == name:
                return c
        raise KeyError(name)

    def pair(self, a: str, b: str) -> PairStats:
        for p in self.pairs:
            if {p.a, p.b} == {a, b}:
                return p
        raise KeyError((a, b))

    def to_json(self, **kw: Any) -> str:
        return self.model_dump_json(indent=2, exclude={"cases": {"__all__": {"comparison"}}}, **kw)


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b of two equally long rankings; None when either has no variation or n < 2."""
    if len(x) != len(y):
        raise ValueError("rankings of different lengths")
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif (dx > 0) == (dy > 0):
            concordant += 1
        else:
            discordant += 1
    denom = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    if denom == 0:
        return None
    return (concordant - discordant) / denom


def _ranks(advice: Advice) -> dict[tuple[str, str, bool], int]:
    out: dict[tuple[str, str, bool], int] = {}
    for a in advice.actions:
        kind, target, _ = row_key(a)
        key = (kind, target, a.avoid)
        out[key] = min(out.get(key, a.rank), a.rank)
    return out


def _top(advice: Advice) -> str | None:
    if not advice.actions:
        return None
    a = advice.actions[0]
    kind, target, _ = row_key(a)
    channel = "" if a.channel == "none" else f" ({a.channel})"
    return ("don't " if a.avoid else "") + f"{kind}: {target}{channel}"


def compare_corpus(
    folder: str | os.PathLike[str],
    packs: Sequence[PackSpec] | None = None,
    *,
    engine: Engine | None = None,
    worst: int = 3,
) -> CorpusComparison:
    """Compare `packs` (default: every known pack) over every fact file in `folder`."""
    engine = engine or default_engine()
    cases: list[Case] = load_corpus(folder)
    chosen = list(packs) if packs else list(engine.pack_paths().values())
    compiled = [engine.load_pack(p) for p in chosen]
    names = [cp.file.pack.name for cp in compiled]
    summaries: list[CaseSummary] = []
    only: dict[tuple[str, str, bool], list[str]] = {}
    for case in cases:
        comp = compare(case.facts, compiled, case.at, engine=engine)
        tops = {adv.pack.name: _top(adv) for adv in comp.advice}
        ranks = {adv.pack.name: _ranks(adv) for adv in comp.advice}
        taus: dict[str, float | None] = {}
        for a, b in combinations(names, 2):
            shared = sorted(set(ranks[a]) & set(ranks[b]))
            taus[f"{a}~{b}"] = (kendall_tau([ranks[a][k] for k in shared], [ranks[b][k] for k in shared])
                                if len(shared) >= 2 else None)
        for pack in names:
            others = set().union(*(set(ranks[o]) for o in names if o != pack)) if len(names) > 1 else set()
            for kind, _target, avoid in ranks[pack]:
                if not any(k == kind and av == avoid for k, _, av in others):
                    bucket = only.setdefault((pack, kind, avoid), [])
                    if case.name not in bucket:
                        bucket.append(case.name)
        summaries.append(CaseSummary(
            case=case.name, file=str(case.path), at=case.at, top=tops,
            top_agree=len(set(tops.values())) == 1, rows=len(comp.rows),
            disagreeing_rows=len(comp.disagreements), tau=taus, comparison=comp,
        ))
    pairs = []
    for a, b in combinations(names, 2):
        key = f"{a}~{b}"
        values = [s.tau[key] for s in summaries if s.tau[key] is not None]
        pairs.append(PairStats(
            a=a, b=b, cases=len(summaries),
            top_agreement=sum(1 for s in summaries if s.top[a] == s.top[b]) / len(summaries),
            tau_mean=sum(values) / len(values) if values else None,  # type: ignore[arg-type]
            tau_cases=len(values),
        ))
    only_one = sorted((OnlyOne(pack=p, kind=k, avoid=av, count=len(cs), cases=cs) for (p, k, av), cs in only.items()),
                      key=lambda o: (-o.count, o.pack, o.kind, o.avoid))

    def badness(s: CaseSummary) -> tuple[float, float, str]:
        known = [t for t in s.tau.values() if t is not None]
        mean_tau = sum(known) / len(known) if known else 0.0
        return (-s.disagreement, mean_tau, s.case)

    ordered = sorted(summaries, key=badness)
    return CorpusComparison(
        folder=str(folder), packs=[cp_ref(cp) for cp in compiled], cases=summaries,
        top_agreement=sum(1 for s in summaries if s.top_agree) / len(summaries),
        pairs=pairs, only_one=only_one, most_disagreeing=[s.case for s in ordered[:worst]],
    )


def cp_ref(cp: Any) -> PackRef:
    ref: PackRef = cp.ref
    return ref
