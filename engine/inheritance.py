"""Packs built on other packs: `extends`, `overrides` and `disable`, resolved into one pack.

A pack that extends another starts from the other's rules (resolved first,
so chains work), switches off the ids under `disable:`, changes the fields
given under `overrides:` (the rest of each rule is inherited), and appends
its own `rules:`. The result is a single :class:`PackFile`, so compiling and
evaluating do not know about layers; :class:`ResolvedPack` remembers which
pack defined each rule and which file last changed it.

Every mistake (a base that cannot be found, a cycle, an override or disable
of an id the base does not have, a new rule reusing an inherited id) is
reported at the line and column of the extending file.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .conditions import Condition
from .errors import PackError, PackNotFound, Problem
from .packs import NULLABLE_OVERRIDES, Pack, PackFile, Rule, check_rule, is_pack_path, load_pack_file
from .yamlio import problems_from_validation

__all__ = ["ResolvedPack", "Lookup", "resolve", "load_resolved", "INHERITED_FIELDS"]

# Looks a pack up by name for `extends:`; the second argument is the extending file,
# which the lookup skips so a pack can extend the pack it shadows.
Lookup = Callable[[str, "Path | None"], Path]

# Pack fields an extending pack inherits when it leaves them out (name, version and
# the rule lists are its own). New pack fields are inherited by default.
OWN_FIELDS = frozenset({"name", "title", "summary", "version", "extends", "disable", "overrides", "rules"})
INHERITED_FIELDS = tuple(n for n in Pack.model_fields if n not in OWN_FIELDS)


@dataclass
class ResolvedPack:
    """A pack with everything it inherits applied."""

    file: PackFile  # the resolved pack, handed to compile_pack
    layers: dict[str, str]  # rule id -> file (origin) that defined or last overrode it
    packs: dict[str, str]  # rule id -> name of the pack that defined it
    chain: list[PackFile] = field(default_factory=list)  # the files involved, base first

    @property
    def paths(self) -> list[Path]:
        return [pf.path for pf in self.chain if pf.path is not None]


def load_resolved(path: str | Path, lookup: Lookup | None = None) -> ResolvedPack:
    """Read the pack at `path` and everything it extends."""
    return resolve(load_pack_file(path, origin=str(path)), lookup)


def resolve(pf: PackFile, lookup: Lookup | None = None, _stack: tuple[Path, ...] = ()) -> ResolvedPack:
    """Apply `pf`'s `extends` chain; raise :class:`PackError` (located in the file at fault) on problems."""
    pack = pf.pack
    here = _key(pf)
    if pack.extends is None:
        return ResolvedPack(pf, {r.id: pf.origin for r in pack.rules}, {r.id: pack.name for r in pack.rules}, [pf])

    def fail(where: tuple[str | int, ...], message: str, hint: str, code: str = "extends") -> PackError:
        p = pf.doc.problem(where, message, hint, code=code) if pf.doc else Problem(message, where, hint=hint, code=code)
        return PackError(p, source=pf.doc.file if pf.doc else pf.origin)

    base_path = _find_base(pf, lookup, fail)
    stack = _stack + (here,)
    if base_path.resolve() in stack:
        names = [p.name for p in stack] + [base_path.name]
        raise fail(("extends",), f"`extends` goes round in a circle: {' -> '.join(names)}",
                   "a pack cannot build on itself; remove `extends` from one of these packs", code="cycle")
    try:
        base = resolve(load_pack_file(base_path, origin=str(base_path)), lookup, stack)
    except PackError as exc:
        if any(p.code == "cycle" for p in exc.problems):
            raise
        n = len(exc.problems)
        head = fail(("extends",), f"the pack it extends ({base_path}) has {n} problem{'s' * (n != 1)}, listed below",
                    f"fix them first (`followup validate {base_path}`)", code="base").problems[0]
        raise PackError([head, *exc.problems], source=pf.doc.file if pf.doc else pf.origin) from None
    return _apply(pf, base, fail)


def _key(pf: PackFile) -> Path:
    return pf.path.resolve() if pf.path is not None else Path(pf.origin)


def _find_base(pf: PackFile, lookup: Lookup | None, fail: Callable[..., PackError]) -> Path:
    text = str(pf.pack.extends).strip()
    if is_pack_path(text):
        base = Path(os.path.normpath((pf.path.parent if pf.path is not None else Path.cwd()) / text))
        try:
            found = base.is_file()
        except OSError as exc:  # a name too long for the file system, a path through a file, ...
            raise fail(("extends",), f"cannot use the path in `extends`: {exc.strerror or exc}",
                       "give the relative path of a pack file, e.g. ./base.yaml") from None
        if not found:
            raise fail(("extends",), f"no pack file at {text} (looked for {base})",
                       "paths in `extends` are relative to this pack's folder; check the spelling")
        return base
    if lookup is None:
        from .discovery import default_lookup

        lookup = default_lookup
    try:
        return lookup(text, pf.path)
    except PackNotFound as exc:
        raise fail(("extends",), f"cannot find the pack `{text}` to extend", str(exc)) from None


def _apply(pf: PackFile, base: ResolvedPack, fail: Callable[..., PackError]) -> ResolvedPack:
    pack, doc = pf.pack, pf.doc
    problems: list[Problem] = []

    def report(where: tuple[str | int, ...], message: str, hint: str | None = None, code: str = "invalid") -> None:
        problems.append(doc.problem(where, message, hint, code=code) if doc else Problem(message, tuple(where), hint=hint, code=code))

    warnings: list[Problem] = list(pf.warnings)

    def warn(where: tuple[str | int, ...], message: str, hint: str) -> None:
        warnings.append(doc.problem(where, message, hint, severity="warning", code="same-as-inherited") if doc
                        else Problem(message, tuple(where), hint=hint, severity="warning", code="same-as-inherited"))

    base_pack = base.file.pack
    rules: dict[str, Rule] = {r.id: r for r in base_pack.rules}
    conditions: dict[str, Condition | None] = dict(base.file.conditions)
    layers, packs = dict(base.layers), dict(base.packs)
    inherited = list(rules)

    def unknown(rid: str) -> str:
        guess = difflib.get_close_matches(rid, inherited, n=1, cutoff=0.5)
        return (f"did you mean `{guess[0]}`? " if guess else "") + f"rules of `{base_pack.name}`: {', '.join(inherited)}"

    disabled: set[str] = set()
    for j, rid in enumerate(pack.disable):
        if rid not in rules:
            report(("disable", j), f"`{base_pack.name}` has no rule `{rid}` to disable", unknown(rid), code="unknown_rule")
        elif rid in disabled:
            report(("disable", j), f"`{rid}` is disabled twice", "list each id once")
        disabled.add(rid)

    seen: dict[str, int] = {}
    for j, ov in enumerate(pack.overrides):
        where: tuple[str | int, ...] = ("overrides", j)
        if ov.id not in rules:
            report(where + ("id",), f"`{base_pack.name}` has no rule `{ov.id}` to override", unknown(ov.id), code="unknown_rule")
            continue
        if ov.id in disabled:
            report(where + ("id",), f"`{ov.id}` is both disabled and overridden", "remove it from `disable:` or from `overrides:`")
            continue
        if ov.id in seen:
            report(where + ("id",), f"`{ov.id}` is overridden twice (also override #{seen[ov.id] + 1})",
                   "put all its changes in one override")
            continue
        seen[ov.id] = j
        changes = {name: getattr(ov, name) for name in ov.model_fields_set if name != "id"}
        if not changes:
            report(where + ("id",), f"the override of `{ov.id}` changes nothing",
                   "add the fields to change (e.g. `priority: high`), or remove the override")
            continue
        removed = [name for name, value in changes.items() if value is None and name not in NULLABLE_OVERRIDES]
        for name in removed:
            report(where + (name,), f"`{name}` cannot be removed from a rule", f"give `{name}` a value")
        if removed:
            continue
        merged = rules[ov.id].model_dump(by_alias=True, mode="json")
        for name, value in changes.items():
            new = value.model_dump(by_alias=True, mode="json") if hasattr(value, "model_dump") else (
                [v.model_dump(by_alias=True, mode="json") for v in value] if name == "sources" and value is not None else value)
            if new == merged.get(name):
                warn(where + (name,), f"`{ov.id}` already has this `{name}` in `{base_pack.name}`",
                     f"remove `{name}` from the override: it changes nothing")
            merged[name] = new
        try:
            rule = Rule.model_validate_json(json.dumps(merged, ensure_ascii=False))
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, doc, prefix=where))
            continue
        before = len(problems)
        cond = check_rule(rule, where, report)
        if len(problems) == before:
            rules[ov.id] = rule
            conditions[ov.id] = cond
            layers[ov.id] = pf.origin

    for i, rule in enumerate(pack.rules):
        if rule.id in rules:
            report(("rules", i, "id"), f"rule `{rule.id}` is already defined in `{base_pack.name}`",
                   "to change the inherited rule, list it under `overrides:` with only the fields to change; "
                   "to add a separate rule, give it a new id")
            continue
        rules[rule.id] = rule
        conditions[rule.id] = pf.conditions.get(rule.id)
        layers[rule.id] = pf.origin
        packs[rule.id] = pack.name

    for rid in disabled:
        rules.pop(rid, None)
    if not rules and not problems:
        report(("disable",), "every rule is disabled and the pack adds none", "keep at least one rule")
    if problems:
        raise PackError(problems, source=doc.file if doc else pf.origin)

    update: dict[str, Any] = {"rules": list(rules.values()), "overrides": [], "disable": []}
    for name in INHERITED_FIELDS:
        if name not in pack.model_fields_set:
            update[name] = getattr(base_pack, name)
    resolved = PackFile(
        pack=pack.model_copy(update=update),
        origin=pf.origin,
        path=pf.path,
        conditions={rid: conditions.get(rid) for rid in rules},
        doc=doc,
        warnings=warnings,
    )
    keep = set(rules)
    return ResolvedPack(resolved, {k: v for k, v in layers.items() if k in keep},
                        {k: v for k, v in packs.items() if k in keep}, [*base.chain, pf])
