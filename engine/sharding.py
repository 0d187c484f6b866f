"""A pack's rules spread over durable-rules rulesets it can run, and read in Python where none can.

durable-rules' C matcher has fixed-size tables (src/rules/rete.c, events.c,
rete.h in jruizgit/rules; bisected on this build, see docs/design.md):

- the children of a node of its network live in a 512-slot hash table
  whose lookup never ends once the table is full: 512 alternatives under
  one node hang ``create_ruleset`` or ``assert_facts`` for ever, inside a C
  call that holds the GIL, so not even Ctrl-C stops it;
- a node links at most 128 ``$or`` joins and ``$nex`` tests (error 107,
  and the check reads past the table first);
- a rule holds at most 15 ``$and`` / ``$or`` groups (error 113);
- matching walks the network with a 64-entry stack: 65 nodes pending at
  once is error 303. Every compiled rule hangs under the same guard, so
  65 rules holding at once fail.

A hang cannot be stopped from Python, so every limit is checked here before
any C call. Rules are packed greedily, in pack order, into rulesets whose
size keeps every table far from full and whose worst case fits the stack (a
model of durable's network, below). A rule that does not fit even alone is
read in Python with :func:`followup.conditions.evaluate`, the reading the
because-trace uses and ``tests/test_conditions_agree.py`` checks against
durable-rules. Should durable still refuse a ruleset or a batch, its rules
are read in Python from then on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .durable import Ruleset, RulesetError, dump, retraction

__all__ = ["ShardedRuleset", "plan", "MAX_RULES", "Expr", "Reading", "RULES_PER_RULESET", "LEAVES_PER_RULESET",
           "LINKS_PER_RULESET", "GROUPS_PER_RULE", "STACK_PER_RULESET"]

Expr = Mapping[str, Any]
Reading = Callable[[Mapping[str, Any]], bool]  # does the rule hold for this asserted fact?

MAX_RULES = 1000  # rules in one pack, its `extends` chain included (see docs/design.md for what they cost)

# Each a margin below durable's own limit (in brackets): our model of its network is
# careful, not exact.
RULES_PER_RULESET = 60  # rules in one ruleset (a node's beta list holds 256)
LEAVES_PER_RULESET = 400  # tests in one ruleset: bounds the children of any node (512 slots)
LINKS_PER_RULESET = 100  # `$or` joins and `$nex` tests in one ruleset (128 per node)
GROUPS_PER_RULE = 15  # `$and` / `$or` groups in one rule (exactly durable's limit: 16 is error 113)
STACK_PER_RULESET = 60  # nodes pending at once in the worst case (64)

_GROUPS = ("$and", "$or")


def flat(expr: Expr) -> Expr:
    """`expr` with groups nested in a group of the same kind merged (fewer groups, same firings)."""
    for key in _GROUPS:
        if key in expr:
            parts: list[Expr] = []
            for part in expr[key]:
                part = flat(part)
                parts.extend(part.get(key, [part]))
            return {key: parts}
    return expr


def measure(expr: Expr) -> tuple[int, int, int]:
    """(tests, links, groups) of an expression: what fills durable's tables."""
    for key in _GROUPS:
        if key in expr:
            leaves, links, groups = 0, int(key == "$or"), 1
            for part in expr[key]:
                a, b, c = measure(part)
                leaves, links, groups = leaves + a, links + b, groups + c
            return leaves, links, groups
    return 1, int("$nex" in expr), 0


class _Node:
    """A node of our model of durable's alpha network."""

    __slots__ = ("kids", "links")

    def __init__(self) -> None:
        self.kids: dict[tuple[str, str, Any], _Node] = {}  # tests under this node, shared like durable's
        self.links: list[_Node] = []  # `$or` joins and `$nex` tests: always pushed when the node matches

    def stack(self, memo: dict[int, int]) -> int:
        """Worst-case pending nodes below this one (durable walks depth first, pushing every match)."""
        known = memo.get(id(self))
        if known is not None:
            return known
        # equality tests on one field exclude each other: at most one of them matches
        eq_fields = {f for op, f, _ in self.kids if op == "eq"}
        k = len(eq_fields) + sum(1 for op, _, _ in self.kids if op != "eq") + len(self.links)
        worst = k
        for child in (*self.kids.values(), *self.links):
            worst = max(worst, k - 1 + child.stack(memo))
        memo[id(self)] = worst
        return worst


Undo = list[Callable[[], object]]


def _build(expr: Expr, parent: _Node, undo: Undo) -> _Node:
    """Add `expr` below `parent` as durable's createAlpha does; return the node the rule continues from."""
    if "$and" in expr:
        node = parent
        for part in expr["$and"]:
            node = _build(part, node, undo)
        return node
    if "$or" in expr:
        join = _Node()  # durable makes a fresh "forward" node per `$or`, linked from each branch
        for part in expr["$or"]:
            end = _build(part, parent, undo)
            end.links.append(join)
            undo.append(end.links.pop)
        return join
    ((op, operand),) = expr.items()
    if op.startswith("$"):
        ((field, value),) = operand.items()
    else:
        op, field, value = "$eq", op, operand
    if op == "$nex":
        node = _Node()
        parent.links.append(node)
        undo.append(parent.links.pop)
        return node
    key = (op[1:], field, value)  # values are typed per field, so Python equality is durable's
    found = parent.kids.get(key)
    if found is not None:
        return found
    node = parent.kids[key] = _Node()
    undo.append(lambda: parent.kids.pop(key))
    return node


class _Shard:
    def __init__(self) -> None:
        self.rules: dict[str, Expr] = {}
        self.root = _Node()
        self.leaves = self.links = 0

    def add(self, name: str, expr: Expr, leaves: int, links: int) -> bool:
        """Add the rule if the ruleset stays within every limit."""
        if self.rules and (len(self.rules) >= RULES_PER_RULESET or self.leaves + leaves > LEAVES_PER_RULESET
                           or self.links + links > LINKS_PER_RULESET):
            return False
        undo: Undo = []
        _build(expr, self.root, undo)
        if self.root.stack({}) > STACK_PER_RULESET:
            for step in reversed(undo):
                step()
            return False
        self.rules[name] = expr
        self.leaves, self.links = self.leaves + leaves, self.links + links
        return True


def plan(rules: Mapping[str, Expr]) -> tuple[list[dict[str, Expr]], list[str]]:
    """Rulesets (in pack order) durable-rules can run, and the rules none can hold (read in Python)."""
    shards: list[dict[str, Expr]] = []
    python: list[str] = []
    current = _Shard()
    for name, raw in rules.items():
        expr = flat(raw)
        leaves, links, groups = measure(expr)
        if groups > GROUPS_PER_RULE or leaves > LEAVES_PER_RULESET or links > LINKS_PER_RULESET:
            python.append(name)
            continue
        if current.add(name, expr, leaves, links):
            continue
        if current.rules:
            shards.append(current.rules)
            current = _Shard()
        if not current.add(name, expr, leaves, links):  # too much even alone
            python.append(name)
    if current.rules:
        shards.append(current.rules)
    return shards, python


def planned_rulesets(rules: Mapping[str, Expr]) -> tuple[list[dict[str, Expr]], list[str]]:
    """:func:`plan`, kept in the cache folder by the rules' content: planning is quadratic in the rules of a
    ruleset, and the same pack is planned again by every command that starts."""
    import orjson

    from . import usercache
    from .version import __version__

    try:
        text = orjson.dumps(rules)
    except TypeError:  # not plain data: plan it every time
        return plan(rules)
    here = os.path.abspath(__file__)
    try:
        st = os.stat(here)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "-"
    limits = (RULES_PER_RULESET, LEAVES_PER_RULESET, LINKS_PER_RULESET, GROUPS_PER_RULE, STACK_PER_RULESET)
    key = f"{__version__}\0{stamp}\0{limits}\0{usercache.file_digest(text)}"
    kept = usercache.read_entry(_KIND, key)
    if isinstance(kept, dict):
        shards, python = kept.get("shards"), kept.get("python")
        names = [n for shard in shards or () for n in shard] + list(python or ())
        if (isinstance(shards, list) and isinstance(python, list) and sorted(names) == sorted(rules)
                and all(isinstance(shard, list) and shard for shard in shards)):
            return [{name: flat(rules[name]) for name in shard} for shard in shards], list(python)
    planned, python = plan(rules)
    usercache.write_entry(_KIND, key, {"shards": [list(shard) for shard in planned], "python": python})
    return planned, python


_KIND = "plans"


class ShardedRuleset:
    """A pack's rules as a few durable-rules rulesets plus the rules read in Python.

    Same interface as :class:`followup.durable.Ruleset`: :meth:`fire` asserts
    a batch of facts and returns (rule, fact id) per firing.
    """

    def __init__(self, rules: Mapping[str, Expr], readings: Mapping[str, Reading]) -> None:
        self._rules = dict(rules)
        self._readings = dict(readings)
        planned, python = planned_rulesets(rules)
        self._shards: list[tuple[Ruleset, tuple[str, ...]]] = []
        for shard in planned:
            try:
                self._shards.append((Ruleset(shard), tuple(shard)))
            except RulesetError:  # a limit our model missed: these rules are read in Python
                python += list(shard)
        order = {name: i for i, name in enumerate(rules)}
        self._python = sorted(python, key=order.__getitem__)
        self._lock = threading.Lock()

    @property
    def rulesets(self) -> int:
        """How many durable-rules rulesets the rules are spread over."""
        return len(self._shards)

    @property
    def read_in_python(self) -> tuple[str, ...]:
        """The rules durable-rules cannot hold, read in Python instead."""
        return tuple(self._python)

    def fire(self, facts: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
        if not facts:
            return []
        return self.fire_dumped(dump(facts), retraction(facts), lambda: facts)

    def fire_dumped(self, payload: str, retract: str,
                    facts: Callable[[], Sequence[Mapping[str, Any]]]) -> list[tuple[str, str]]:
        """:meth:`fire` for facts already dumped: `payload` is their JSON list (one or more facts),
        `retract` their :func:`~followup.durable.retraction`, and `facts` gives them as
        mappings, called only for the rules read in Python."""
        fired: list[tuple[str, str]] = []
        shards, python = self._shards, self._python  # a demotion below replaces both lists
        for shard in shards:  # one dump shared by every ruleset
            ruleset, names = shard
            try:
                fired += ruleset.fire_json(payload, retract)
            except RulesetError:  # e.g. error 303 on a batch our model did not foresee
                self._demote(shard)
                fired += self._read(names, facts())
        if python:
            fired += self._read(python, facts())
        return fired

    def _read(self, names: Sequence[str], facts: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
        readings = self._readings
        return [(name, fact["id"]) for fact in facts for name in names if readings[name](fact)]

    def _demote(self, shard: tuple[Ruleset, tuple[str, ...]]) -> None:
        with self._lock:
            if shard in self._shards:
                self._shards = [s for s in self._shards if s is not shard]
                order = {name: i for i, name in enumerate(self._rules)}
                self._python = sorted([*self._python, *shard[1]], key=order.__getitem__)

    def definition_expressions(self) -> dict[str, Mapping[str, Any]]:
        """The `{rule_name: expression}` these rulesets were built from."""
        return dict(self._rules)

    def close(self) -> None:
        for ruleset, _ in self._shards:
            ruleset.close()
