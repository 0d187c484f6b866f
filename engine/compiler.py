"""Compiling a validated pack into a durable-rules ruleset, once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from functools import cached_property
from typing import Any

from . import sharding
from .businesstime import CallWindow, parse_window
from .catalogue import ACTIONS, PERSON_TARGETS, PRIORITIES, ActionSpec
from .conditions import Condition, PlanItem, Test, because_plan, evaluate, facts_used, flatten, to_durable
from .errors import PackError, Problem
from .packs import PackFile, Rule, check_windows
from .ranking import Enabling, Relation, enabling
from .results import PackRef, SourceRef, public_origin
from .sharding import Reading, ShardedRuleset
from .sources import library

__all__ = ["CompiledRule", "CompiledPack", "compile_pack", "check_size", "reading", "SUBJECT_GUARDS"]

# Every rule carries a positive guard on the kind of fact it is about: durable-rules
# matches a rule made only of negations against its own state document too.
SUBJECT_GUARDS: dict[str, dict[str, Any]] = {
    "company": {"k": "c"},
    "self": {"k": "c"},
    "each_interviewer": {"k": "i"},
    "each_arranger": {"k": "a"},
    "everyone": {"p": True},
    "hiring_manager": {"hm": True},
    "decision_contact": {"dc": True},
}


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    name: str  # the rule's name inside the durable ruleset
    condition: Condition | None
    person: bool
    spec: ActionSpec
    sources: tuple[SourceRef, ...]
    layer: str | None
    pack: str | None = None  # the pack that defined the rule (for packs that extend others)
    follows: Rule | None = None  # the rule whose expiry names this one in `then`: it opens when that one expires

    @cached_property
    def rationale(self) -> str:
        return self.rule.rationale.strip()

    @cached_property
    def tests(self) -> tuple[tuple[Test, bool], ...]:
        """The condition's tests, flattened once for the because-trace."""
        return flatten(self.condition)

    @cached_property
    def because(self) -> tuple[PlanItem, ...]:
        """The because-trace prepared for when this rule fires (conditions.because_plan)."""
        return because_plan(self.condition)

    @cached_property
    def due_clock(self) -> time | None:
        """The due time of day, parsed once."""
        return time.fromisoformat(self.rule.due.time) if self.rule.due and self.rule.due.time else None

    @cached_property
    def window_key(self) -> str:
        """Everything the action's window depends on, as one hashable value (memo key across packs)."""
        parts = [self.rule.opens, self.rule.due, self.rule.expires,
                 self.follows.due if self.follows else None, self.follows.expires if self.follows else None]
        return "|".join(p.model_dump_json(by_alias=True) if p is not None else "-" for p in parts)

    @cached_property
    def points(self) -> int:
        return PRIORITIES[self.rule.priority]

    @cached_property
    def due_key(self) -> tuple[Any, ...] | None:
        """What the due time depends on in the rule, as plain values (cheap to hash, unlike the model)."""
        d = self.rule.due
        return None if d is None else (d.from_, d.hours, d.days, d.business_days, d.time)

    @cached_property
    def phone(self) -> bool:
        """A call to make (its due time and suggested moment fall inside the pack's call windows)."""
        return self.rule.channel == "phone" and not self.rule.avoid

    @cached_property
    def when_key(self) -> str | None:
        """What the action's moments depend on, when the evaluation time is not among them.

        None when they move with the evaluation: a due time counted from now,
        or a call (its suggested moment is the next call slot after now).
        """
        if self.phone or (self.rule.due is not None and self.rule.due.from_ == "now"):
            return None
        return f"when|{self.window_key}|{self.due_key!r}"

    def title(self, who: str) -> str:
        """The generated one-line title for this rule's action towards `who`.

        Memoised for the last few people only: a long-running service sees
        endless distinct names, and a memo per name would grow for ever.
        """
        titles: dict[str | None, str] = self.__dict__.setdefault("_titles", {})
        text = titles.get(who)
        if text is None:
            text = self.rule.title or _title(self.spec, self.rule.avoid, self.rule.channel, who)
            if len(titles) >= _TITLES_KEPT:
                titles.clear()  # cheaper than an LRU, and the names of one case stay together
            titles[who] = text
        return text


_TITLES_KEPT = 64


_BY = {"email": "by email", "phone": "by phone", "handwritten": "as a handwritten card", "letter": "by letter",
       "linkedin": "", "none": ""}


def _title(spec: ActionSpec, avoid: bool, channel: str, who: str) -> str:
    text = (spec.avoid_label if avoid else spec.label).format(who=who)
    if _BY[channel]:
        text += " " + _BY[channel]
    return text[0].upper() + text[1:]


def reading(guard: Mapping[str, Any], cond: Condition | None, fields: list[tuple[str, str]]) -> Reading:
    """The rule read in Python over an asserted fact (for rules durable-rules cannot hold)."""
    checks = tuple(guard.items())

    def holds(fact: Mapping[str, Any]) -> bool:
        if any(fact.get(k) != v for k, v in checks):
            return False
        return evaluate(cond, {name: fact.get(f) for name, f in fields})

    return holds


def check_size(pf: PackFile) -> None:
    """Refuse a pack with more rules than an evaluation should ever walk (located at its `rules`)."""
    n, limit = len(pf.pack.rules), sharding.MAX_RULES
    if n <= limit:
        return
    message = f"{n} rules: a pack holds at most {limit:,} rules (its `extends` chain included)"
    hint = "split it into packs by situation, or merge rules that give the same advice"
    doc = pf.doc
    problem = doc.problem(("rules",), message, hint, code="too-many-rules") if doc is not None else \
        Problem(message, ("rules",), file=pf.origin, hint=hint, code="too-many-rules")
    raise PackError(problem, source=pf.origin)


@dataclass(frozen=True)
class CompiledPack:
    file: PackFile
    rules: tuple[CompiledRule, ...]
    by_name: dict[str, CompiledRule]
    case_fields: tuple[tuple[str, str], ...]  # (fact, durable field) asserted on the case fact
    person_fields: tuple[tuple[str, str], ...]  # ... and on each person fact
    has_case_rules: bool
    has_person_rules: bool
    ruleset: ShardedRuleset
    call_windows: tuple[CallWindow, ...]

    @property
    def name(self) -> str:
        return self.file.pack.name

    @cached_property
    def enabling(self) -> dict[tuple[str, str], Enabling]:
        """(enabler, enabled) rule names -> how (ranking.enabling), for the pairs where one may enable the other."""
        out: dict[tuple[str, str], Enabling] = {}
        for e in self.rules:
            for a in self.rules:
                how = enabling(e.rule.action, e.rule.avoid, a.rule.action, a.rule.avoid, a.rule.channel)
                if how is not None:
                    out[e.name, a.name] = how
        return out

    @cached_property
    def relation(self) -> Relation[str]:
        """`enabling` indexed both ways, for ranking.order_by_dependency."""
        return Relation(self.enabling)

    @cached_property
    def may_enable(self) -> dict[str, frozenset[str]]:
        """Per enabler rule, the rules it may enable (ranking.order_by_dependency moves it before them)."""
        out: dict[str, set[str]] = {}
        for e, a in self.enabling:
            out.setdefault(e, set()).add(a)
        return {e: frozenset(a) for e, a in out.items()}

    @cached_property
    def layout(self) -> str:
        """The fields asserted per fact, as one key: packs with the same layout assert the same facts."""
        return f"asserted|{self.case_fields!r}|{self.person_fields!r}|{self.has_case_rules}|{self.has_person_rules}"

    @cached_property
    def layout_keys(self) -> tuple[tuple[str, bool], tuple[str, bool]]:
        """Memo keys of the asserted facts' templates: as derived, and after plugins changed values."""
        return (self.layout, False), (self.layout, True)

    @cached_property
    def ref(self) -> PackRef:
        """What advice says about this pack (one frozen object shared by every evaluation)."""
        p = self.file.pack
        return PackRef.of_file(p.name, p.title, p.version, self.file.origin)


def _layer(layers: dict[str, str] | None, rule_id: str) -> str | None:
    origin = (layers or {}).get(rule_id)
    return public_origin(origin) if origin is not None else None


def compile_pack(pf: PackFile, layers: dict[str, str] | None = None, packs: dict[str, str] | None = None) -> CompiledPack:
    """Compile `pf` to durable-rules; `layers` maps rule id to the file it came from, `packs` to the pack that defined it."""
    check_size(pf)  # before any work, let alone a C call
    lib = library()
    fields: dict[str, str] = {}

    def field(fact: str) -> str:
        # short generated field names: no dots (durable reads them as paths), less JSON to dump
        if fact not in fields:
            fields[fact] = f"f{len(fields)}"
        return fields[fact]

    compiled: list[CompiledRule] = []
    definition: dict[str, Any] = {}
    readings: dict[str, Reading] = {}
    follows: dict[str, Rule] = {}
    problems: list[Problem] = []
    check_windows(pf.pack.rules, lambda where, message, hint=None: problems.append(
        pf.doc.problem(where, message, hint) if pf.doc and pf.pack.extends is None else Problem(message, tuple(where), hint=hint)), lambda i: ("rules", i))
    if problems:
        raise PackError(problems, source=pf.origin)
    for rule in pf.pack.rules:
        if rule.expires is not None and rule.expires.then is not None:
            follows[rule.expires.then] = rule
    case_facts: set[str] = set()
    person_facts: set[str] = set()
    for i, rule in enumerate(pf.pack.rules):
        cond = pf.conditions.get(rule.id)
        name = f"r{i}"
        person = rule.target in PERSON_TARGETS
        guard = SUBJECT_GUARDS[rule.target]
        definition[name] = {"$and": [guard, to_durable(cond, field)]} if cond is not None else guard
        readings[name] = reading(guard, cond, [(f, field(f)) for f in sorted(facts_used(cond))])
        (person_facts if person else case_facts).update(facts_used(cond))
        refs = tuple(
            SourceRef(article=c.article, title=lib.articles[c.article].title, items=list(c.items)) for c in rule.sources
        )
        compiled.append(CompiledRule(rule, name, cond, person, ACTIONS[rule.action], refs,
                                     _layer(layers, rule.id), (packs or {}).get(rule.id), follows.get(rule.id)))
    ruleset = ShardedRuleset(definition, readings)
    for fact in sorted(case_facts | person_facts):
        field(fact)
    return CompiledPack(
        file=pf,
        rules=tuple(compiled),
        by_name={c.name: c for c in compiled},
        case_fields=tuple((f, fields[f]) for f in sorted(case_facts)),
        person_fields=tuple((f, fields[f]) for f in sorted(person_facts)),
        has_case_rules=any(not c.person for c in compiled),
        has_person_rules=any(c.person for c in compiled),
        ruleset=ruleset,
        call_windows=tuple(parse_window(w) for w in pf.pack.settings.call_windows),
    )
