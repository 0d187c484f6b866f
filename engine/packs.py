"""Policy packs: the YAML format and its validation (finding packs by name: followup.discovery).

A pack is checked in two passes, both reporting every problem at
file:line:col with a fix: pydantic checks the shape, then
:func:`check_pack` checks meaning (unknown facts, operators, sources,
channels that do not fit the action).
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .businesstime import parse_window
from .catalogue import (
    ACTIONS,
    ANCHORS,
    FACTS,
    PERSON_TARGETS,
    TARGETS,
    ActionKind,
    AnchorName,
    ChannelName,
    EventName,
    PriorityName,
    TargetKind,
    WindowAnchorName,
)
from .conditions import All, Condition, Test, parse_condition
from .errors import PackError, Problem
from .limits import check_data
from .sources import library
from .windows import Ahead, Due, Expires, Opens, PackModel, check_window_order, check_windows
from .yamlio import Document, load_document, plain, problems_from_validation, read_text, unreadable

__all__ = ["Pack", "Rule", "RuleOverride", "Due", "Opens", "Expires", "Ahead", "check_windows", "Citation", "Settings",
           "PackFile", "load_pack_file", "parse_pack", "check_rule", "builtin_pack_paths", "is_pack_path"]

Target = TargetKind
Channel = ChannelName
Priority = PriorityName
Anchor = AnchorName
WindowAnchor = WindowAnchorName
Event = EventName

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # used with fullmatch: `$` would let a trailing newline through


_Model = PackModel


class Citation(_Model):
    article: str = Field(description="Key of an article in sources.yaml.")
    items: list[str] = Field(default_factory=list, description="ADVICE item ids, e.g. [T1, T2].")


class Settings(_Model):
    call_windows: list[str] = Field(
        default_factory=lambda: ["10:00-11:45", "14:00-16:30"],
        description="When calls may be suggested (company time zone, business days).",
    )

    @field_validator("call_windows")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        if not value:
            raise PydanticCustomError("call_windows", "give at least one call window such as 10:00-11:45", {})
        for w in value:
            try:
                parse_window(w)
            except ValueError as exc:
                raise PydanticCustomError("call_windows", str(exc), {}) from None
        return value


class Rule(_Model):
    id: str = Field(description="Unique id in the pack: lower-case words joined by hyphens.")
    title: str | None = Field(default=None, description="Short title shown instead of the generated one.")
    when: Any = Field(default=None, description="The condition (see docs/packs.md); left out, the rule always applies.")
    action: ActionKind = Field(description="What to do (one of the action catalogue).")
    avoid: bool = Field(default=False, description="true: advice NOT to do the action now.")
    target: Target = Field(description="Whom the action is for.")
    channel: Channel = Field(description="Through which channel.")
    priority: Priority = Field(default="normal", description="critical, high, normal or low.")
    opens: Opens | None = Field(default=None, description="When it becomes worth doing; not shown before (left out: as soon as the condition holds).")
    due: Due | None = Field(default=None, description="When it is due (for avoid rules: until when); with `opens`, the end of the range.")
    expires: Expires | None = Field(default=None, description="When it stops making sense; not shown from then on (left out: never).")
    rationale: str = Field(min_length=1, description="Why, in the pack's own words.")
    sources: list[Citation] = Field(description="Articles and ADVICE items the rule rests on; [] if none.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise PydanticCustomError("rule_id", "rule id `{id}` must be lower-case letters, digits and hyphens (at most 80)",
                                      {"id": value[:80], "hint": "e.g. thank-you-email: lower-case words joined by hyphens"})
        return value


class RuleOverride(_Model):
    """A change to an inherited rule: its id plus only the fields to change."""

    id: str = Field(description="Id of the inherited rule to change.")
    title: str | None = Field(default=None, description="New title (null: back to the generated one).")
    when: Any = Field(default=None, description="New condition, replacing the inherited one whole (null: always applies).")
    action: ActionKind | None = Field(default=None, description="New action kind.")
    avoid: bool | None = Field(default=None, description="New avoid flag.")
    target: Target | None = Field(default=None, description="New target.")
    channel: Channel | None = Field(default=None, description="New channel.")
    priority: Priority | None = Field(default=None, description="New priority.")
    opens: Opens | None = Field(default=None, description="New opening (null: as soon as the condition holds).")
    due: Due | None = Field(default=None, description="New due time (null: no due time).")
    expires: Expires | None = Field(default=None, description="New expiry (null: never expires).")
    rationale: str | None = Field(default=None, min_length=1, description="New rationale.")
    sources: list[Citation] | None = Field(default=None, description="New sources, replacing the inherited list.")


# Fields of a rule an override may set to null (the others always need a value).
NULLABLE_OVERRIDES = frozenset({"title", "when", "due", "opens", "expires"})


class Pack(_Model):
    name: str = Field(description="Short name used with --pack.")
    title: str = Field(description="Human title.")
    summary: str = Field(description="One or two sentences on the advice style.")
    version: str = Field(default="1", description="Version of the pack (quote it: \"1.0\").")
    extends: str | None = Field(
        default=None,
        description="Pack this one builds on: the name of a built-in or installed pack, or a path relative to this file.",
    )
    settings: Settings = Field(default_factory=Settings, description="Left out in a pack that extends another: inherited.")
    disable: list[str] = Field(default_factory=list, description="Ids of inherited rules to switch off.")
    overrides: list[RuleOverride] = Field(
        default_factory=list, description="Changes to inherited rules: each gives the rule's id and only the fields to change.")
    rules: list[Rule] = Field(default_factory=list, description="The pack's own rules (at least one unless it extends another pack).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise PydanticCustomError("pack_name", "pack name `{name}` must be lower-case letters, digits and hyphens (at most 80)",
                                      {"name": value[:80], "hint": "e.g. my-style: lower-case words joined by hyphens"})
        return value


@dataclass
class PackFile:
    """A validated pack plus where it came from, its parsed conditions and positions."""

    pack: Pack
    origin: str  # file path, or "builtin"
    path: Path | None
    conditions: dict[str, Condition | None]
    doc: Document | None = None
    warnings: list[Problem] = field(default_factory=list)


def parse_pack(data: Any, *, doc: Document | None = None, origin: str = "<memory>", path: Path | None = None,
               problems_out: list[Problem] | None = None) -> PackFile:
    """Validate a pack given as plain data; raise :class:`PackError` with every problem.

    With `problems_out`, problems of meaning (found once the shape is valid) are
    added to it and the pack is returned anyway, so a checker can go on to its
    inheritance; such a pack must not be compiled.
    """
    import json

    file = doc.file if doc else None
    if not isinstance(data, dict):
        raise PackError([_not_a_pack(doc, "a pack must be a mapping with name, title, summary and rules")], source=file)
    if not any(key in data for key in ("name", "rules", "extends", "overrides")):
        raise PackError([_not_a_pack(doc, "this is not a pack: it has none of name, extends or rules")], source=file)
    bounded = check_data(data)  # plain data from the API has not been through the YAML bounds
    if bounded is not None:
        raise PackError([doc.problem(bounded.path, bounded.message, bounded.hint, code=bounded.code) if doc else bounded],
                        source=file)
    try:
        pack = Pack.model_validate_json(json.dumps(data, ensure_ascii=False))
    except ValidationError as exc:
        found = [_plainer(p, data) for p in problems_from_validation(exc, doc, model=Pack)]
        # The conditions are read by our own parser, not pydantic: check them too, so an
        # author sees a misspelt fact in the same run as a misspelt field.
        _check_raw_conditions(data, lambda where, message, hint=None: found.append(
            doc.problem(where, message, hint) if doc else Problem(message, tuple(where), hint=hint)))
        raise PackError(sorted(found, key=lambda p: (p.line or 0, p.column or 0)), source=file) from None
    problems: list[Problem] = []

    def report(where: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        problems.append(doc.problem(where, message, hint) if doc else Problem(message, tuple(where), hint=hint))

    conditions = check_pack(pack, data, report)
    if problems and problems_out is None:
        raise PackError(problems, source=file)
    if problems_out is not None:
        problems_out.extend(problems)
    return PackFile(pack=pack, origin=origin, path=path, conditions=conditions, doc=doc)


def _check_raw_conditions(data: dict[str, Any], report: Any) -> None:
    """Parse every rule's `when` from raw data (used when the pack's shape is invalid)."""
    rules = data.get("rules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if isinstance(rule, dict) and rule.get("when") is not None:
            target = rule.get("target")
            person = not isinstance(target, str) or target in PERSON_TARGETS or target not in TARGETS
            parse_condition(rule["when"], ("rules", i, "when"), report, allow_person=person)


_LABELS = {"action": "action kind", "target": "target", "channel": "channel", "priority": "priority", "from": "due anchor"}


def _plainer(p: Problem, data: Any) -> Problem:
    """`unknown channel `emial`` rather than pydantic's list of every allowed value (the hint keeps the list)."""
    if p.code not in ("literal_error", "enum") or not p.path or p.path[-1] not in _LABELS:
        return p
    value: Any = data
    for part in p.path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return p
    import dataclasses

    return dataclasses.replace(p, message=f"unknown {_LABELS[str(p.path[-1])]} `{value}`")


def _not_a_pack(doc: Document | None, message: str) -> Problem:
    hint = "start from `followup new-pack NAME` or copy a built-in pack"
    return doc.problem((), message, hint, code="not_a_pack") if doc else Problem(message, hint=hint, code="not_a_pack")


def check_pack(pack: Pack, raw: dict[str, Any], report: Any) -> dict[str, Condition | None]:
    """Meaning-level checks of one pack file; returns each of its own rules' parsed condition."""
    seen: dict[str, int] = {}
    conditions: dict[str, Condition | None] = {}
    if pack.extends is None:
        if not pack.rules:
            report(("rules",) if "rules" in raw else (), "a pack needs at least one rule",
                   "add a rule under `rules:`, or build on another pack with `extends: conservative`")
        for key in ("overrides", "disable"):
            if raw.get(key):
                report((key,), f"`{key}` changes inherited rules, but this pack does not extend another",
                       "add `extends: <pack>` (e.g. conservative), or move the rules under `rules:`")
    elif not str(pack.extends).strip():
        report(("extends",), "`extends` is empty", "give a pack name such as conservative, or a path such as ./base.yaml")
    for i, rule in enumerate(pack.rules):
        here: tuple[str | int, ...] = ("rules", i)
        if rule.id in seen:
            report(here + ("id",), f"rule id `{rule.id}` is already used by rule #{seen[rule.id] + 1}", "give every rule its own id")
        seen.setdefault(rule.id, i)
        conditions[rule.id] = check_rule(rule, here, report)
    if pack.extends is None:
        check_windows(pack.rules, report, lambda i: ("rules", i))
    return conditions


def check_rule(rule: Rule, here: tuple[str | int, ...], report: Any) -> Condition | None:
    """Meaning-level checks of one rule (its fields located under `here`); returns its parsed condition."""
    lib = library()
    person = rule.target in PERSON_TARGETS
    cond = None
    if rule.when is not None:
        cond = parse_condition(rule.when, here + ("when",), report, allow_person=person)
    spec = ACTIONS[rule.action]
    if rule.channel not in spec.channels:
        report(here + ("channel",), f"`{rule.action}` cannot go through `{rule.channel}`",
               f"use one of: {', '.join(spec.channels)}")
    if not rule.rationale.strip():
        report(here + ("rationale",), "the rationale is blank", "say in a sentence or two why the rule gives this advice")
    if rule.due is not None:
        needed = ANCHORS[rule.due.from_]
        if needed and cond is not None and needed not in _guaranteed(cond):
            report(here + ("due", "from"), f"`from: {rule.due.from_}` needs `{needed}`, which the condition does not guarantee",
                   f"add a condition that ensures it, e.g. `{_guard_example(needed)}`")
        elif needed and cond is None and rule.when is None:
            report(here + ("due", "from"), f"`from: {rule.due.from_}` needs `{needed}`, but the rule has no condition",
                   f"add `when: {_guard_example(needed)}`")
    check_window_order(rule, here, report)
    for j, cite in enumerate(rule.sources):
        where = here + ("sources", j)
        if cite.article not in lib.articles:
            guess = difflib.get_close_matches(cite.article, list(lib.articles), n=1)
            report(where + ("article",), f"unknown article `{cite.article}`",
                   (f"did you mean `{guess[0]}`? " if guess else "") + f"articles: {', '.join(lib.articles)}")
        for k, item in enumerate(cite.items):
            if item not in lib.items:
                guess = difflib.get_close_matches(item, list(lib.items), n=1)
                report(where + ("items", k), f"unknown advice item `{item}`",
                       (f"did you mean `{guess[0]}`? " if guess else "") + "items are listed in sources.yaml (D1-D3, T1-T8, N1, F1-F7, O1-O5)")
            elif cite.article in lib.articles and cite.article not in lib.items[item].articles:
                report(where + ("items", k), f"item {item} is not drawn from `{cite.article}`",
                       f"{item} comes from: {', '.join(lib.items[item].articles)}")
    return cond


def _guard_example(fact: str) -> str:
    spec = FACTS[fact]
    for name, other in FACTS.items():
        if fact in other.implies_present and other.type == "bool":
            return f"{name}: true"
    return f"{spec.name}: {{present: true}}"


def _guaranteed(cond: Condition) -> set[str]:
    """Nullable facts sure to be present whenever `cond` holds (from its top-level conjuncts)."""
    items = cond.items if isinstance(cond, All) else (cond,)
    out: set[str] = set()
    for c in items:
        if isinstance(c, All):
            out |= _guaranteed(c)
        elif isinstance(c, Test):
            spec = FACTS[c.fact]
            if c.op == "present":
                if c.value:
                    out.add(c.fact)
                    out |= set(spec.implies_present)
            elif spec.nullable:  # a comparison on an absent fact is false
                out.add(c.fact)
                out |= set(spec.implies_present)
            elif (spec.type == "bool" and c.op == "eq" and c.value is True) or (spec.absent_value is not None and _excludes(c, spec.absent_value)):
                out |= set(spec.implies_present)
    return out


def _excludes(t: Test, value: str) -> bool:
    """The test cannot hold when the fact equals `value`."""
    if t.op == "eq":
        return bool(t.value != value)
    if t.op == "ne":
        return bool(t.value == value)
    if t.op == "in":
        return value not in t.value
    if t.op == "not_in":
        return value in t.value
    return False


def load_pack_file(source: str | os.PathLike[str], *, origin: str | None = None,
                   problems_out: list[Problem] | None = None) -> PackFile:
    """Read and validate one pack file (see :func:`parse_pack` for `problems_out`)."""
    path = Path(source)
    try:
        text, name = read_text(path)
    except OSError as exc:
        raise PackError(unreadable(exc, path, "pack"), source=str(path)) from None
    doc, problem = load_document(text, name)
    if problem is not None:
        raise PackError(problem, source=name)
    assert doc is not None
    return parse_pack(plain(doc.data), doc=doc, origin=origin or str(path), path=path, problems_out=problems_out)


def builtin_pack_paths() -> dict[str, Path]:
    """Built-in packs by name."""
    from .bundled import files

    root = files("followup.policies")
    out = {}
    for entry in root.iterdir():
        name = entry.name
        if name.endswith((".yaml", ".yml")) and name != "sources.yaml" and entry.is_file():
            out[name.rsplit(".", 1)[0]] = Path(str(entry))
    return dict(sorted(out.items()))


def is_pack_path(text: str) -> bool:
    """`text` names a file (a .yaml/.yml name or something with a slash), not a pack name."""
    return text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text
