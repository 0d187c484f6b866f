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

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Hashable, Mapping, Sequence
from heapq import heappop, heappush
from operator import itemgetter
from typing import Any, Generic, Literal, TypeVar

__all__ = ["URGENCY_POINTS", "ENABLES", "NEEDS_ADDRESS", "Enabling", "Relation", "enabling", "rank",
           "order_by_dependency"]

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
H = TypeVar("H", bound=Hashable)
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


def rank(best: Mapping[Hashable, tuple[tuple[Any, ...], T]]) -> list[T]:
    """Best first, from the best (sort key, item) per dedupe key (rule 4).

    Keeping the best per key is left to the caller: evaluation.evaluate does
    it inline as the firings come, rather than gathering candidates first.
    """
    return [item for _, item in sorted(best.values(), key=_first)]


class Relation(Generic[H]):
    """An enabling relation, (enabler, enabled) -> how, indexed both ways once (a pack keeps one)."""

    __slots__ = ("backward", "forward", "pairs")

    def __init__(self, pairs: Mapping[tuple[H, H], Enabling]) -> None:
        self.pairs = dict(pairs)
        self.forward: dict[H, list[tuple[H, Enabling]]] = {}
        self.backward: dict[H, list[tuple[H, Enabling]]] = {}
        for (e, a), how in pairs.items():
            self.forward.setdefault(e, []).append((a, how))
            self.backward.setdefault(a, []).append((e, how))


# Up to this many items the definition is followed by scanning (resuming after each move): cheaper
# than building the index for the dozen actions of most evaluations. Tests set it to 0 to check both.
SCAN_UP_TO = 32


def _scan(n: int, names: Sequence[H], people: Sequence[Hashable | None], relation: Relation[H],
          lacks: Callable[[int, str], bool]) -> list[int]:
    """The order of the definition for items 0..n-1, by scanning. After a move of out[j] to k nothing
    before k has changed and the mover enables nothing before it: the scan resumes at k + 1."""
    pairs, heads = relation.pairs, relation.forward

    def enables(e: int, a: int) -> bool:
        how = pairs.get((names[e], names[a]))
        if how is None:
            return False
        if how is True:
            return True
        p = people[e]
        return p is not None and p == people[a] and lacks(a, how)

    out = list(range(n))
    start = 0
    for _ in range(n * n + 1):  # the relation is acyclic, so this settles; the limit guards against one that is not
        for j in range(start, n):
            e = out[j]
            if names[e] not in heads:
                continue
            k = next((i for i in range(j) if enables(e, out[i])), None)
            if k is not None:
                out.insert(k, out.pop(j))
                start = k + 1
                break
        else:
            break
    return out


def _nobody(item: object) -> None:
    return None


def _lacking(item: object, detail: str) -> bool:
    return True


def order_by_dependency(items: Sequence[T], name: Callable[[T], H],
                        relation: Relation[H] | Mapping[tuple[H, H], Enabling],
                        person: Callable[[T], Hashable | None] = _nobody,
                        lacks: Callable[[T, str], bool] = _lacking) -> list[T]:
    """`items` with each enabler moved just before the first item it enables; otherwise the order is kept.

    The order is the one this definition gives: move the first item that
    enables an item before it just before the first such item; repeat until
    none moves. Item `e` enables `a` when ``relation[name(e), name(a)]`` is
    True, or is "email" / "contact" and both are towards the same `person`,
    who `lacks` that detail (see :func:`enabling`).

    Read literally the definition costs a scan of everything before each
    item, again after each move: hours for a case naming ten thousand people
    without contact details. Here items are placed one by one; the first item
    one enables is found from the relation (the places of the items per rule,
    and per rule and person, are kept in order), and after a move only the
    items after it that enable the one moved are looked at again. The relation is acyclic (ENABLES); a move limit guards
    against one that is not.
    """
    n = len(items)
    if n < 2:
        return list(items)
    if not isinstance(relation, Relation):
        relation = Relation(relation)
    names = [name(x) for x in items]
    people = [person(x) for x in items]
    if n <= SCAN_UP_TO:
        return [items[i] for i in _scan(n, names, people, relation, lambda i, how: lacks(items[i], how))]
    forward, backward = relation.forward, relation.backward
    # An item's place is a number: moving one before another gives it a number between that one's and
    # its predecessor's (`keys` holds them in order); when two get too close, all are renumbered. The
    # number is near the predecessor's: the next item moved before the same one (thousands of people's
    # actions enabling the same first action) finds most of the room left, and a chain of items each
    # moved before the one moved last is as long as the relation is deep.
    place: list[float] = [0.0] * n
    keys: list[float] = []
    at: dict[float, int] = {}
    # the places of the placed items per rule name, and per (rule name, person), in order
    groups: dict[Hashable, list[float]] = {}
    kinds = [(names[i],) if people[i] is None else (names[i], (names[i], people[i])) for i in range(n)]

    def enabled_first(i: int) -> int | None:
        """The earliest placed item that item i enables."""
        best: float | None = None
        p = people[i]
        for a, how in forward.get(names[i], ()):
            if how is True:
                group = groups.get(a)
            elif p is None:
                continue
            else:
                group = groups.get((a, p))
                if group and not lacks(items[at[group[0]]], how):
                    continue
            if group and (best is None or group[0] < best) and at[group[0]] != i:
                best = group[0]
        return None if best is None else at[best]

    def enablers_after(i: int) -> list[int]:
        """The placed items after item i that enable it."""
        out: list[int] = []
        p = people[i]
        for e, how in backward.get(names[i], ()):
            if how is True:
                group = groups.get(e)
            elif p is None or not lacks(items[i], how):
                continue
            else:
                group = groups.get((e, p))
            if group:
                out += [at[x] for x in group[bisect_right(group, place[i]):]]
        return out

    def move_before(i: int, f: int) -> None:
        old = place[i]
        del keys[bisect_left(keys, old)]
        del at[old]
        for g in kinds[i]:
            group = groups[g]
            del group[bisect_left(group, old)]
        k = bisect_left(keys, place[f])
        below = keys[k - 1] if k else place[f] - 1.0
        new = below + (place[f] - below) / 16
        if not below < new < place[f]:  # no room left between them: renumber everything, keeping the order
            renumbered = {key: float(rank_) * 2.0 for rank_, key in enumerate(keys)}
            for key, value in renumbered.items():
                place[at[key]] = value
            for group in groups.values():
                group[:] = [renumbered[x] for x in group]
            at_new = {renumbered[key]: j for key, j in at.items()}
            at.clear()
            at.update(at_new)
            keys[:] = list(renumbered.values())
            k = bisect_left(keys, place[f])
            below = keys[k - 1] if k else place[f] - 1.0
            new = below + (place[f] - below) / 16
        place[i] = new
        keys.insert(k, new)
        at[new] = i
        for g in kinds[i]:
            insort(groups[g], new)

    moves = 0
    for i in range(n):
        place[i] = keys[-1] + 1.0 if keys else 0.0
        keys.append(place[i])
        at[place[i]] = i
        for g in kinds[i]:
            groups.setdefault(g, []).append(place[i])  # the last place so far: the group stays in order
        # item i, then every item that enables one moved, in the order they stand
        pending = [(place[i], i)]
        while pending:
            key, z = heappop(pending)
            if place[z] != key:
                continue  # moved since: it stands where its first enabled item put it
            f = enabled_first(z)
            if f is None or place[f] > place[z]:
                continue
            moves += 1
            if moves > n * n:
                break  # a cyclic relation: the definition would never settle either
            move_before(z, f)
            for y in enablers_after(z):
                heappush(pending, (place[y], y))
    return [items[at[key]] for key in keys]
