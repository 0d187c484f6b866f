"""Explanations for `followup compare` and `followup plan`: why a pack is silent, what a change does, what is missing.

* In a comparison, a row where one pack gives nothing gets that pack's
  why-not for the row's action and person (`missing_cells`).
* `--what-if` compares (or plans) the changed facts and says, per pack, what
  the change does: to the advice at that moment (`what_if` of whatif.py) or
  to the plan (`plan_changes`: what is done, added, dropped or moved).
* The page lists the unknown facts each pack's advice depends on most
  (needs-info, per pack, bounded like `advise --needs-info`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from .comparison import SHORT, Comparison
from .planning import Plan, PlanEvent
from .results import Result
from .verdicts import RuleVerdict, TargetVerdict
from .whynot import PackSpec, WhyNot, why_not

if TYPE_CHECKING:
    from .engine import Engine
    from .facts import Facts

__all__ = ["MissingCell", "PlanChange", "missing_cells", "plan_changes"]


class MissingCell(Result):
    """Why one pack gives nothing on a comparison row where another pack gives something."""

    pack: str
    kind: str
    target: str = Field(description="The row's person, `the company` or `yourself`.")
    avoid: bool = Field(description="The other packs give \"don't ...\" advice here: the question is why this one does not.")
    rule: RuleVerdict | None = Field(description="The pack's rule nearest to giving it, None when the pack has no rule for it.")
    nearest: TargetVerdict | None = Field(description="That rule's verdict for the row's target.")
    answer: str = Field(description="In one sentence.")


def missing_cells(engine: Engine, comparison: Comparison, facts: Facts, packs: Sequence[PackSpec] | None = None
                  ) -> list[MissingCell]:
    """For every row where packs differ in presence, why each silent pack is silent (one why-not per pack and kind).

    `packs`: those compared (default: every known pack, as `compare` does).
    """
    compiled = [engine.load_pack(p) for p in (packs or list(engine.pack_paths().values()))]
    by_name = {cp.file.pack.name: cp for cp in compiled}
    asked: dict[tuple[str, str, bool], WhyNot] = {}
    out = []
    for row in comparison.rows:
        if "presence" not in row.differences:
            continue
        for cell in row.cells:
            if cell.own:
                continue
            # the question the other packs answer: "do" advice, or only "don't" advice
            avoid = all(e.avoid for c in row.cells for e in c.own)
            key = (cell.pack, row.kind, avoid)
            if key not in asked:
                asked[key] = why_not(engine, facts, row.kind, by_name[cell.pack], comparison.at, avoid=avoid)
            w = asked[key]
            found = _for_target(w, row.target)
            if found is None:
                what = SHORT.get(row.kind, row.kind)
                answer = (f"{cell.pack} has no rule advising against {what}" if avoid else
                          f"{cell.pack} has no rule that gives {what}") + (
                          f" for {row.target}." if row.target_kind == "person" else ".")
                out.append(MissingCell(pack=cell.pack, kind=row.kind, target=row.target, avoid=avoid, rule=None,
                                       nearest=None, answer=answer))
                continue
            rv, tv = found
            out.append(MissingCell(pack=cell.pack, kind=row.kind, target=row.target, avoid=avoid, rule=rv, nearest=tv,
                                   answer=_sentence(rv, tv)))
    return out


def _for_target(w: WhyNot, target: str) -> tuple[RuleVerdict, TargetVerdict] | None:
    best: tuple[RuleVerdict, TargetVerdict] | None = None
    for rv in w.rules:
        for tv in rv.targets:
            if tv.target.casefold() == target.casefold():
                if best is None:
                    best = (rv, tv)
                break
    if best is None and w.rules:  # the pack's rule is for someone else (e.g. the hiring manager)
        rv = w.rules[0]
        return (rv, rv.targets[0]) if rv.targets else None
    return best


def _sentence(rv: RuleVerdict, tv: TargetVerdict) -> str:
    if tv.status in ("lost", "not_open", "expired"):
        return f"rule {rv.rule}: {tv.why_lost}"
    if tv.target and not tv.misses:
        return f"rule {rv.rule}: {rv.note}"
    tests = "; ".join(f"{m.needs} ({m.note})" for m in tv.misses)
    n = tv.to_change
    return f"rule {rv.rule} for {tv.target}: {n} condition{'s' * (n != 1)} to change: {tests}"


# --- plans ----------------------------------------------------------------------------------

PlanChangeKind = Literal["added", "dropped", "earlier", "later"]


class PlanChange(Result):
    """One thing done in a simulated plan that a --what-if change adds, drops or moves."""

    pack: str
    change: PlanChangeKind
    label: str = Field(description="What is done, e.g. `thank-you: Dana Lee`.")
    before: datetime | None
    after: datetime | None


def _done(events: Sequence[PlanEvent]) -> dict[tuple[str, str, int], PlanEvent]:
    seen: dict[tuple[str, str], int] = {}
    out = {}
    for e in events:
        if e.type != "done":
            continue
        n = seen.get((e.kind, e.label), 0)
        seen[(e.kind, e.label)] = n + 1
        out[(e.kind, e.label, n)] = e
    return out


def plan_changes(before: Plan, after: Plan) -> list[PlanChange]:
    """Per pack, what the changed facts add to, drop from, or move in what the plan has the person do."""
    out = []
    for lane in after.lanes:
        old_lane = next((x for x in before.lanes if x.pack.name == lane.pack.name), None)
        old = _done(old_lane.events) if old_lane else {}
        new = _done(lane.events)
        for key, e in new.items():
            o = old.get(key)
            if o is None:
                out.append(PlanChange(pack=lane.pack.name, change="added", label=e.label, before=None, after=e.at))
            elif o.at != e.at:
                out.append(PlanChange(pack=lane.pack.name, change="earlier" if e.at < o.at else "later", label=e.label,
                                      before=o.at, after=e.at))
        for key, o in old.items():
            if key not in new:
                out.append(PlanChange(pack=lane.pack.name, change="dropped", label=o.label, before=o.at, after=None))
    return out
