"""Ranking: a deterministic score from priority and urgency, one action per target, enablers first.

The rules (docs/packs.md repeats them for pack authors):

1. urgency: `overdue` (due before now), `today` (due on the evaluation day
   in the company's time zone, inside an open range, undated, or any
   "don't" advice), `upcoming`;
2. score = priority points (catalogue.PRIORITIES: critical 40, high 30,
   normal 20, low 10) + URGENCY_POINTS;
3. order: higher score, then earlier due time (undated last), then rule id,
   then, within one rule, the hiring manager first, then the decision
   contact, then the others by name;
4. one action per (action kind, target, do/avoid): the best-ranked wins;
5. dependencies: an action that enables another comes before it, however
   the scores fall (ENABLES): an offer reply before everything; getting a
   person's contact details before a note to them whose channel needs an
   address you lack; writing your notes before the notes and preparation
   they shape. "Don't" advice neither enables nor waits.

The per-firing part (urgency, score, sort key) is computed inline in
evaluation.evaluate, which runs it for every firing of every evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from operator import itemgetter
from typing import Any, Literal, TypeVar

__all__ = ["URGENCY_POINTS", "ENABLES", "NEEDS_ADDRESS", "Enabling", "enabling", "rank", "order_by_dependency"]

URGENCY_POINTS = {"overdue": 6, "today": 4, "upcoming": 0}

# Action kinds that enable others. "*" is every other kind. collect_contacts
# enables only actions towards the same person whose channel needs an address
# that is not known (NEEDS_ADDRESS).
ENABLES: dict[str, frozenset[str]] = {
    "reply_offer": frozenset({"*"}),
    "collect_contacts": frozenset({"thank_you", "formal_letter", "status_check", "second_follow_up",
                                   "ask_decision_date", "thank_after_rejection", "reply_second_round"}),
    "write_notes": frozenset({"thank_you", "formal_letter", "second_follow_up", "prepare_second_round"}),
}

# Which known detail a channel needs: email an address, paper a postal address (full contact details).
NEEDS_ADDRESS: dict[str, str] = {"email": "email", "letter": "contact", "handwritten": "contact", "phone": "contact"}

T = TypeVar("T")
_first = itemgetter(0)

# What one action kind does for another (see enabling): never (absent), always, or only
# towards the same person, when that person lacks the detail named.
Enabling = Literal[True, "email", "contact"]


def enabling(e_action: str, e_avoid: bool, a_action: str, a_avoid: bool, a_channel: str) -> Enabling | None:
    """Whether an `e` action enables an `a` action (rule 5), from what the two rules say alone.

    `True`: always. "email" / "contact": only when both are towards the same
    person and that person's email / contact details are unknown. None: never.
    Packs compile this once per pair of rules, so an evaluation only looks it up.
    """
    if e_avoid or a_avoid:
        return None
    kinds = ENABLES.get(e_action)
    if kinds is None or a_action == e_action:
        return None
    if "*" in kinds:
        return True
    if a_action not in kinds:
        return None
    if e_action != "collect_contacts":
        return True
    need = NEEDS_ADDRESS.get(a_channel)
    return "email" if need == "email" else "contact" if need == "contact" else None


def rank(candidates: Iterable[tuple[tuple[Any, ...], Hashable, T]]) -> list[T]:
    """Best first: candidates are (sort key, dedupe key, item); the best item per dedupe key wins."""
    best: dict[Hashable, tuple[tuple[Any, ...], T]] = {}
    for key, group, item in candidates:
        have = best.get(group)
        if have is None or key < have[0]:
            best[group] = (key, item)
    return [item for _, item in sorted(best.values(), key=_first)]


def order_by_dependency(items: list[T], enables: Callable[[T, T], bool],
                        may_enable: Callable[[T], bool] | None = None) -> list[T]:
    """`items` with each enabler moved just before the first item it enables; otherwise the order is kept.

    `may_enable` (optional) says which items can enable anything at all:
    the others are never moved, so the pairs they head are not asked about.
    The relation is acyclic (ENABLES), so this settles; the pass limit only
    guards against a relation that is not.
    """
    out = list(items)
    # After a move of out[j] to k, nothing before k has changed, and the mover has nothing it
    # enables before it: the next scan resumes at k + 1, not at the start. Restarting from the
    # start found the same moves but made a case naming hundreds of people take seconds.
    start = 0
    for _ in range(len(out) * len(out) + 1):
        moved = False
        for j in range(start, len(out)):
            e = out[j]
            if may_enable is not None and not may_enable(e):
                continue
            k = next((i for i in range(j) if enables(e, out[i])), None)
            if k is not None:
                out.insert(k, out.pop(j))
                start = k + 1
                moved = True
                break
        if not moved:
            break
    return out
