"""Ranking: a deterministic score from priority and urgency, one action per target.

- urgency: `overdue` (due before now), `today` (due on the evaluation day in
  the company's time zone, or undated, or any "don't" advice), `upcoming`;
- score = priority points (catalogue.PRIORITIES: critical 40, high 30,
  normal 20, low 10) + URGENCY_POINTS;
- order: higher score, then earlier due time (undated last), then rule id,
  then target name;
- one action per (action kind, target, do/avoid): the best-ranked wins.

The per-firing part (urgency, score, sort key) is computed inline in
evaluation.evaluate, which runs it for every firing of every evaluation.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

__all__ = ["URGENCY_POINTS", "rank"]

URGENCY_POINTS = {"overdue": 6, "today": 4, "upcoming": 0}

T = TypeVar("T")


def rank(candidates: Iterable[tuple[tuple[Any, ...], Hashable, T]]) -> list[T]:
    """Best first: candidates are (sort key, dedupe key, item); the best item per dedupe key wins."""
    best: dict[Hashable, tuple[tuple[Any, ...], T]] = {}
    for key, group, item in candidates:
        have = best.get(group)
        if have is None or key < have[0]:
            best[group] = (key, item)
    return [item for _, item in sorted(best.values(), key=lambda pair: pair[0])]
