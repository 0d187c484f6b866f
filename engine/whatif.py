"""What if: change some facts, evaluate again, and say what the change does to the advice.

A change is `PATH=VALUE`: `interviewers[0].thank_you.at=now`,
`decision.expected_by=2026-12-04`, `interviewers[Dana Lee].email=dana@x.example`,
`follow_ups[+]={at: now, channel: email, to: [Dana Lee]}`. The value is read
as YAML (so `true`, `3`, `[a, b]`, `{k: v}` and `null` mean what they say);
`now` is the evaluation time, a bare date a time field's 17:00 in the
company's time zone (the end of their working day), a time without offset
company time. The changed facts are validated like any facts: a bad path or
value is a located error naming the change and the fix.

The difference is exact: both sets of facts are evaluated at the same moment
under the same pack; each action is matched by rule and target, and each
change names the facts its rule reads that changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from .catalogue import ANCHORS
from .compiler import CompiledPack, CompiledRule
from .conditions import facts_used
from .derive import Derived, derive
from .enrich import enricher
from .errors import FactsError, Problem, QuestionError
from .facts import Facts, parse_facts
from .inputs import FactsInput, coerce_facts, resolve_at
from .results import Action, Advice, PackRef, Result
from .yamlio import _suggest, fields_at, load_document, plain

if TYPE_CHECKING:
    from .engine import Engine
    from .whynot import PackSpec

__all__ = ["WhatIf", "ActionChange", "FactDelta", "FactEdit", "apply_changes", "parse_change", "what_if",
           "advice_diff", "fact_deltas"]

DATE_ONLY_TIME = time(17, 0)
ChangeKind = Literal["added", "removed", "moved_up", "moved_down", "due_changed", "unchanged"]


class FactEdit(Result):
    """One change to the facts, as given and as applied."""

    text: str = Field(description="As given, e.g. `interviewers[0].thank_you.at=now`.")
    path: str = Field(description="The field changed, with list positions, e.g. `interviewers.0.thank_you.at`.")
    value: Any = Field(description="The value set (JSON), null to remove it.")


class FactDelta(Result):
    """A value a rule can test that differs between the two sets of facts."""

    fact: str
    target: str | None = Field(default=None, description="The person, for a person fact.")
    before: Any
    after: Any


class ActionChange(Result):
    """One action of either advice, and what the change did to it."""

    change: ChangeKind = Field(description="added, removed, moved_up / moved_down (against the other actions of both), "
                                           "due_changed (same place, other due time), unchanged.")
    rule: str
    kind: str
    target: str = Field(description="A person's name, `the company` or `yourself`.")
    title: str
    avoid: bool = False
    channel: str = ""
    before_rank: int | None = None
    after_rank: int | None = None
    before_due: datetime | None = None
    after_due: datetime | None = None
    due_changed: bool = False
    because: list[FactDelta] = Field(default_factory=list, description="The changed facts this action's rule reads.")


class WhatIf(Result):
    """The advice before and after changing some facts, and the difference."""

    schema_version: Literal[1] = 1
    pack: PackRef
    at: datetime
    edits: list[FactEdit]
    notes: list[str] = Field(default_factory=list, description="Values filled in to make a change complete.")
    facts_changed: list[FactDelta] = Field(description="Every value rules can test that changed.")
    actions: list[ActionChange] = Field(description="Every action of both, in the order of the changed advice; removed ones "
                                                    "where they stood.")
    before: Advice
    after: Advice

    @property
    def changed(self) -> list[ActionChange]:
        return [a for a in self.actions if a.change != "unchanged"]

    def of(self, change: ChangeKind) -> list[ActionChange]:
        return [a for a in self.actions if a.change == change or (change == "due_changed" and a.due_changed)]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


# --- reading and applying changes -----------------------------------------------------

_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


def _fail(text: str, message: str, hint: str, path: Sequence[str | int] = ()) -> QuestionError:
    return QuestionError(Problem(f"--what-if {text!r}: {message}", path=("what_if", *path), hint=hint, code="what_if"))


def parse_change(text: str) -> tuple[list[str], Any]:
    """`a.b[0].c=value` → (['a', 'b', '0', 'c'], value read as YAML). List positions stay text here."""
    path_text, sep, raw = text.partition("=")
    path_text = path_text.strip()
    if not sep or not path_text:
        raise _fail(text, "a change is PATH=VALUE", "write e.g. --what-if interviewers[0].thank_you.at=now or "
                                                     "--what-if decision.expected_by=2026-12-04")
    steps: list[str] = []
    pos = 0
    for m in _STEP.finditer(path_text):
        if m.start() != pos:
            break
        steps.append(m.group(1) if m.group(1) is not None else m.group(2).strip())
        pos = m.end()
    if pos != len(path_text) or not steps:
        raise _fail(text, f"cannot read the path {path_text!r}", "write field names joined by dots, list positions in "
                                                                  "brackets: interviewers[0].email, follow_ups[+]")
    doc, problem = load_document(raw.strip() or "null", None)
    if problem is not None or doc is None:
        raise _fail(text, f"cannot read the value {raw.strip()!r}", "quote text that YAML would misread, "
                                                                   "e.g. 'Dana Lee: CTO'")
    return steps, plain(doc.data)


def _timestamp(value: Any, at: datetime, tz: ZoneInfo) -> Any:
    """`now`, dates and times without offset, made into aware ISO times (recursively)."""
    if isinstance(value, dict):
        return {k: _timestamp(v, at, tz) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamp(v, at, tz) for v in value]
    if value == "now":
        return at.isoformat()
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).isoformat()
    if hasattr(value, "isoformat") and not isinstance(value, datetime):  # a date
        return datetime.combine(value, DATE_ONLY_TIME, tz).isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(datetime.fromisoformat(value).date(), DATE_ONLY_TIME, tz).isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", value):
        return datetime.fromisoformat(value).replace(tzinfo=tz).isoformat()
    return value


# A note created by a change that only gave its time: the channel it is assumed to have gone by.
_DEFAULT_CHANNEL = {"thank_you": "email", "formal_letter": "letter"}


def apply_changes(facts: Facts, changes: Sequence[str], at: datetime) -> tuple[Facts, list[FactEdit], list[str]]:
    """The facts with `changes` applied (validated), the edits as applied, and notes on values filled in."""
    tz = ZoneInfo(facts.position.timezone)
    data: dict[str, Any] = json.loads(facts.model_dump_json(by_alias=True, exclude_none=True))
    edits: list[FactEdit] = []
    notes: list[str] = []
    for text in changes:
        steps, value = parse_change(text)
        value = _timestamp(value, at, tz)
        path = _set(data, steps, value, text, notes)
        edits.append(FactEdit(text=text, path=".".join(map(str, path)), value=value))
    try:
        return parse_facts(data), edits, notes
    except FactsError as exc:
        raise QuestionError([_relabel(p, changes, edits) for p in exc.problems]) from None


def _relabel(p: Problem, changes: Sequence[str], edits: list[FactEdit]) -> Problem:
    dotted = ".".join(map(str, p.path))
    edit = next((e for e in edits if dotted.startswith(e.path) or e.path.startswith(dotted)), None)
    which = f"--what-if {edit.text!r}" if edit else "with --what-if " + " ".join(repr(c) for c in changes)
    hint = p.hint or "give a value of the kind docs/facts.md lists for this field"
    if p.code == "contradiction" and "asked" in dotted:
        hint += " (add --what-if decision.asked=true)"
    return Problem(f"{which}: {dotted}: {p.message}", path=("what_if", *p.path), hint=hint, code=p.code)


def _set(data: dict[str, Any], steps: list[str], value: Any, text: str, notes: list[str]) -> list[str | int]:
    node: Any = data
    done: list[str | int] = []
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(node, list):
            index = _index(node, step, text, done)
            if index == len(node):  # [+]: append
                node.append({} if not last else value)
            done.append(index)
            if last:
                node[index] = value
                return done
            if not isinstance(node[index], (dict, list)):
                raise _fail(text, f"{'.'.join(map(str, done))} is a value, not a mapping", "end the path there", done)
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise _fail(text, f"{'.'.join(map(str, done))} is a value, not a mapping", "end the path there", done)
        allowed = fields_at(Facts, done)
        if allowed and step not in allowed:
            best = _suggest(step, allowed)
            raise _fail(text, f"there is no field `{step}` at {'.'.join(map(str, done)) or 'the top'}",
                        (f"did you mean `{best}`? " if best else "") + f"fields there: {', '.join(allowed)}", done)
        done.append(step)
        if last:
            if value is None:
                node.pop(step, None)
            else:
                node[step] = value
            return done
        if step not in node or node[step] is None:
            if step in ("interviewers", "arrangers", "follow_ups", "responses", "other_applications"):
                node[step] = []
            else:
                node[step] = {}
                channel = _DEFAULT_CHANNEL.get(step)
                if channel is not None and steps[i + 1:] == ["at"]:
                    node[step]["channel"] = channel
                    notes.append(f"{'.'.join(map(str, done))}.channel: {channel} assumed (set it with --what-if "
                                 f"{'.'.join(map(str, done))}.channel=...)")
        node = node[step]
    return done


def _index(node: list[Any], step: str, text: str, done: list[str | int]) -> int:
    where = ".".join(map(str, done))
    if step == "+":
        return len(node)
    if re.fullmatch(r"-?\d+", step):
        i = int(step)
        if -len(node) <= i < len(node):
            return i % len(node)
        raise _fail(text, f"{where}[{i}]: there {'is' if len(node) == 1 else 'are'} only {len(node)}",
                    f"give a position from 0 to {len(node) - 1}, or [+] to add one", done)
    names = [e.get("name") for e in node if isinstance(e, dict)]
    for i, name in enumerate(names):
        if isinstance(name, str) and name.casefold() == step.casefold():
            return i
    best = _suggest(step, [n for n in names if isinstance(n, str)])
    raise _fail(text, f"nobody called {step!r} in {where}",
                (f"did you mean {best!r}? " if best else "") + "give a position such as [0] or a name as written", done)


# --- the difference -------------------------------------------------------------------------


def _label(a: Action) -> str:
    if a.target.name:
        return a.target.name
    return "yourself" if a.target.kind == "self" else "the company"


def _key(a: Action) -> tuple[str, str]:
    return a.rule, _label(a)


def fact_deltas(before: Derived, after: Derived) -> list[FactDelta]:
    """Every value rules can test that differs (case facts, then each person's)."""
    out = [FactDelta(fact=k, before=v, after=after.case.get(k)) for k, v in before.case.items() if after.case.get(k) != v]
    people_after = {s.person.name.casefold(): s for s in after.subjects}
    for s in before.subjects:
        other = people_after.pop(s.person.name.casefold(), None)
        values = other.values if other else {}
        for k, v in s.values.items():
            if values.get(k) != v:
                out.append(FactDelta(fact=k, target=s.person.name, before=v, after=values.get(k)))
    for s in people_after.values():
        out += [FactDelta(fact=k, target=s.person.name, before=None, after=v) for k, v in s.values.items()]
    return out


def advice_diff(before: Advice, after: Advice, deltas: Sequence[FactDelta] = (),
                reads: Mapping[str, set[str]] | None = None) -> list[ActionChange]:
    """Match actions by rule and target; `reads` maps a rule id to the facts its condition tests."""
    old = {_key(a): a for a in before.actions}
    new = {_key(a): a for a in after.actions}
    common_new = [k for k in new if k in old]
    old_place = {k: i for i, k in enumerate(k for k in old if k in new)}
    # The fewest actions that moved: those outside a longest run kept in the same relative order;
    # among equally long runs, the one keeping the actions whose score and due time did not change.
    stayed = _heaviest_increasing([old_place[k] for k in common_new],
                                  [1001 if (old[k].score, old[k].due) == (new[k].score, new[k].due) else 1000 for k in common_new])
    kept = {common_new[i] for i in stayed}

    def because(a: Action) -> list[FactDelta]:
        used = (reads or {}).get(a.rule, set())
        return [d for d in deltas if d.fact in used and (d.target is None or d.target == a.target.name)]

    def change(a: Action | None, b: Action | None) -> ActionChange:
        one = b or a
        assert one is not None
        kind: ChangeKind
        due_changed = a is not None and b is not None and a.due != b.due
        if a is None:
            kind = "added"
        elif b is None:
            kind = "removed"
        elif _key(b) not in kept:
            kind = "moved_up" if b.rank < a.rank else "moved_down"
        else:
            kind = "due_changed" if due_changed else "unchanged"
        return ActionChange(change=kind, rule=one.rule, kind=one.kind, target=_label(one), title=one.title,
                            avoid=one.avoid, channel=one.channel,
                            before_rank=a.rank if a else None, after_rank=b.rank if b else None,
                            before_due=a.due if a else None, after_due=b.due if b else None, due_changed=due_changed,
                            because=because(one) if kind != "unchanged" else [])

    out = [change(old.get(k), b) for k, b in new.items()]
    # removed actions go where they stood: after the action that preceded them in the old advice
    for i, a in enumerate(before.actions):
        if _key(a) in new:
            continue
        prev = next((_key(p) for p in reversed(before.actions[:i]) if _key(p) in new), None)
        at = 0 if prev is None else next(j for j, c in enumerate(out) if (c.rule, c.target) == prev) + 1
        while at < len(out) and out[at].change == "removed":
            at += 1
        out.insert(at, change(a, None))
    return out


def _heaviest_increasing(seq: Sequence[int], weight: Sequence[int]) -> set[int]:
    """Indexes of a heaviest strictly increasing subsequence of `seq` (n is a few dozen: quadratic is fine)."""
    best = list(weight)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + weight[i] > best[i]:
                best[i], prev[i] = best[j] + weight[i], j
    i = max(range(len(seq)), key=lambda k: best[k], default=-1)
    out = set()
    while i != -1:
        out.add(i)
        i = prev[i]
    return out


def _derived(engine: Engine, facts: Facts, at: datetime) -> Derived:
    d = derive(facts, at)
    enrich = enricher(engine.pm)
    return enrich(facts, d) if enrich is not None else d


def _anchor_facts(cr: CompiledRule) -> set[str]:
    """The fact whose presence the rule's due anchor needs (its due time moves with it)."""
    if cr.rule.due is None:
        return set()
    fact = ANCHORS.get(cr.rule.due.from_)
    return {fact} if fact else set()


def what_if(engine: Engine, facts: FactsInput, changes: Sequence[str], pack: PackSpec = "conservative",
            at: datetime | str | None = None) -> WhatIf:
    """The advice for `facts` and for `facts` with `changes`, at the same moment, and the difference."""

    if not changes:
        raise _fail("", "no change given", "give at least one PATH=VALUE, e.g. interviewers[0].thank_you.at=now")
    f = coerce_facts(facts)
    when = resolve_at(at, f)
    cp: CompiledPack = engine.load_pack(pack)
    changed, edits, notes = apply_changes(f, changes, when)
    before, after = engine.advise(f, cp, when), engine.advise(changed, cp, when)
    deltas = fact_deltas(_derived(engine, f, when), _derived(engine, changed, when))
    reads = {cr.rule.id: facts_used(cr.condition) | _anchor_facts(cr) for cr in cp.rules}
    return WhatIf(pack=before.pack, at=before.at, edits=edits, notes=notes, facts_changed=deltas,
                  actions=advice_diff(before, after, deltas, reads), before=before, after=after)
