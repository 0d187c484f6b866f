"""Ranking: a deterministic score from priority and urgency, one action per target."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from .catalogue import PRIORITIES

__all__ = ["URGENCY_POINTS", "urgency", "score", "rank"]

URGENCY_POINTS = {"overdue": 6, "today": 4, "upcoming": 0}


def urgency(due: datetime | None, at: datetime, avoid: bool) -> str:
    """overdue, today or upcoming; advice with no date (and every "don't") applies today."""
    if avoid or due is None:
        return "today"
    if due < at:
        return "overdue"
    if due.date() == at.date():  # both are in the company's time zone (see evaluation.due_time)
        return "today"
    return "upcoming"


def score(priority: str, urgency_: str) -> int:
    return PRIORITIES[priority] + URGENCY_POINTS[urgency_]




def sort_key(score_: int, due: datetime | None, rule_id: str, target: str) -> tuple[int, bool, datetime | None, str, str]:
    """Best first: higher score, then earlier due (undated last), then rule id, then target."""
    return (-score_, due is None, due, rule_id, target)


def rank(candidates: Iterable[tuple[tuple, tuple, object]]) -> list[object]:
    """Best first: candidates are (sort key, dedupe key, item); the best item per dedupe key wins."""
    best: dict[tuple, tuple[tuple, object]] = {}
    for key, group, item in candidates:
        have = best.get(group)
        if have is None or key < have[0]:
            best[group] = (key, item)
    return [item for _, item in sorted(best.values(), key=lambda pair: pair[0])]
