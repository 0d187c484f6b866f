"""Packs read from the cache folder: a pack file's validated, resolved content as plain JSON.

Reading and checking a pack (YAML, pydantic, the meaning checks, its
`extends` chain) costs far more than compiling it, and gives the same result
for the same files. So the result is kept (see :mod:`followup.usercache`),
keyed by the file's path, size, modification time and content hash, and by
followup's version and the size and time of the modules that check packs
(a changed check in a source checkout rebuilds it too).

An entry is never trusted over the files: it is used only when every file of
the chain still has the recorded content hash and every `extends` still finds
the same file (a pack earlier on FOLLOWUP_PACKS_PATH may now shadow the
base). Its data is validated again by pydantic, as data, and a pack whose
rebuilt form would differ in any way from what was read is not kept. A pack
whose reading finds problems is never kept: it is read afresh every time,
so its located errors are exactly those of a reading (a problem only
compiling finds, such as a window order in an extending pack, is found
again by compiling, located through the same file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import usercache
from .catalogue import PERSON_TARGETS
from .conditions import Condition, parse_condition
from .errors import Problem
from .inheritance import Lookup, ResolvedPack, load_resolved
from .limits import decode, read_bounded
from .packs import Pack, PackFile, is_pack_path
from .version import __version__
from .yamlio import DeferredDocument

__all__ = ["LoadedPack", "load_cached", "code_stamp"]

_KIND = "packs"
# The modules whose checks decide what a valid pack is, and the article list rules cite.
_CHECKERS = ("packs", "windows", "conditions", "catalogue", "inheritance", "sources", "limits", "businesstime",
             "yamlio", "fastyaml", "packcache")


@dataclass(frozen=True)
class LoadedPack:
    """What compiling needs: the resolved pack, where each rule came from, and the files of its chain."""

    file: PackFile
    layers: dict[str, str]
    packs: dict[str, str]
    paths: list[Path]


_STAMP: str | None = None


def code_stamp() -> str:
    """followup's version and the size and time of the modules that check packs and of the article list."""
    global _STAMP
    if _STAMP is None:
        here = Path(__file__).parent
        files = [here / f"{name}.py" for name in _CHECKERS]
        from .bundled import files as bundled

        files.append(Path(str(bundled("followup.policies").joinpath("sources.yaml"))))
        parts = [__version__]
        for f in files:
            try:
                st = f.stat()
                parts.append(f"{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                parts.append("-")
        _STAMP = "|".join(parts)
    return _STAMP


def load_cached(path: Path, lookup: Lookup) -> LoadedPack:
    """The pack at `path` with its chain resolved, from the cache when the cache still holds for its files."""
    try:
        data, name = read_bounded(path)
        st = os.stat(path)
    except OSError:
        return _read(path, lookup)  # the reading reports the problem, located
    key = "|".join((code_stamp(), str(path), os.path.abspath(path), str(st.st_size), str(st.st_mtime_ns),
                    usercache.file_digest(data)))
    entry = usercache.read_entry(_KIND, key)
    if entry is not None:
        hit = _rebuild(entry, path, data, name, lookup)
        if hit is not None:
            return hit
    loaded, extends = _read_chain(path, lookup)
    fresh = _entry(loaded, data, extends)
    if fresh is not None and _same(_rebuild(fresh, path, data, name, lookup), loaded):
        usercache.write_entry(_KIND, key, fresh)
    return loaded


def _read(path: Path, lookup: Lookup) -> LoadedPack:
    return _read_chain(path, lookup)[0]


def _read_chain(path: Path, lookup: Lookup) -> tuple[LoadedPack, list[str]]:
    """The pack read afresh, and the `extends` text of each file of its chain after the first."""
    resolved: ResolvedPack = load_resolved(path, lookup)
    extends = [str(pf.pack.extends).strip() for pf in resolved.chain[1:]]
    return LoadedPack(resolved.file, resolved.layers, resolved.packs, resolved.paths), extends


# --- what an entry holds ---------------------------------------------------------------------------


def _entry(loaded: LoadedPack, data: bytes, extends: list[str]) -> dict[str, Any] | None:
    pf = loaded.file
    if pf.path is None or not loaded.paths or loaded.paths[-1] != pf.path or len(extends) != len(loaded.paths) - 1:
        return None
    files = []
    for p in loaded.paths:
        try:
            content, _ = read_bounded(p)
        except OSError:
            return None
        files.append({"path": str(p), "hash": usercache.file_digest(content)})
    if files[-1]["hash"] != usercache.file_digest(data):  # edited while it was being read
        return None
    where: dict[str, list[str | int]] = {}
    for rid, cond in pf.conditions.items():
        if cond is not None:
            where[rid] = list(cond.path[:3])  # (rules|overrides, index, "when"): where its problems would be
    return {
        "pack": pf.pack.model_dump(mode="json", by_alias=True, exclude_unset=True),
        "origin": pf.origin,
        "conditions": where,
        "warnings": [_problem_out(w) for w in pf.warnings],
        "layers": loaded.layers,
        "packs": loaded.packs,
        "files": files,
        # how each file after the first names its base: looked up again when the entry is used
        "extends": extends,
    }


def _rebuild(entry: Any, path: Path, data: bytes, name: str, lookup: Lookup) -> LoadedPack | None:
    """The pack an entry stands for, or None when it does not hold for the files as they are now."""
    try:
        files = [(Path(f["path"]), f["hash"]) for f in entry["files"]]
        extends = list(entry["extends"])
        if not files or len(extends) != len(files) - 1 or files[-1][0] != path:
            return None
        if not all(_still(p, h) for p, h in files[:-1]):
            return None
        for (base, _), (requester, _), text in zip(files[:-1], files[1:], extends, strict=True):
            if not isinstance(text, str) or _base_of(text, requester, lookup) != base:
                return None
        import orjson

        pack = Pack.model_validate_json(orjson.dumps(entry["pack"]))
        conditions = _conditions(pack, entry["conditions"])
        if conditions is None:
            return None
        text, problem = decode(data, name)
        if text is None or problem is not None:
            return None
        pf = PackFile(pack=pack, origin=str(entry["origin"]), path=path, conditions=conditions,
                      doc=DeferredDocument(text, name), warnings=[_problem_in(w) for w in entry["warnings"]])
        layers, packs = _strings(entry["layers"]), _strings(entry["packs"])
        if layers is None or packs is None:
            return None
        return LoadedPack(pf, layers, packs, [p for p, _ in files])
    except Exception:  # anything odd in an entry means: read the file instead
        return None


def _still(path: Path, digest: Any) -> bool:
    try:
        content, _ = read_bounded(path)
    except OSError:
        return False
    return bool(usercache.file_digest(content) == digest)


def _base_of(text: str, requester: Path, lookup: Lookup) -> Path | None:
    """The file `extends: text` in `requester` finds now (as inheritance.resolve finds it)."""
    from .errors import PackNotFound

    if is_pack_path(text):
        return Path(os.path.normpath(requester.parent / text))
    try:
        return lookup(text, requester)
    except PackNotFound:
        return None


def _conditions(pack: Pack, where: Any) -> dict[str, Condition | None] | None:
    """Each rule's condition, parsed again from the validated rule (as check_rule parsed it)."""
    problems: list[str] = []

    def report(path: Any, message: str, hint: str | None = None) -> None:
        problems.append(message)

    out: dict[str, Condition | None] = {}
    for rule in pack.rules:
        if rule.when is None:
            out[rule.id] = None
            continue
        at = where.get(rule.id)
        if not isinstance(at, list) or len(at) != 3:
            return None
        out[rule.id] = parse_condition(rule.when, tuple(at), report, allow_person=rule.target in PERSON_TARGETS)
    return None if problems else out


def _strings(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return None
    return dict(value)


def _problem_out(p: Problem) -> dict[str, Any]:
    return {"message": p.message, "path": list(p.path), "file": p.file, "line": p.line, "column": p.column,
            "hint": p.hint, "severity": p.severity, "code": p.code}


def _problem_in(d: dict[str, Any]) -> Problem:
    return Problem(message=d["message"], path=tuple(d["path"]), file=d["file"], line=d["line"], column=d["column"],
                   hint=d["hint"], severity=d["severity"], code=d["code"])


def _same(rebuilt: LoadedPack | None, loaded: LoadedPack) -> bool:
    """The entry gives back exactly what reading gave (else it is not kept)."""
    if rebuilt is None:
        return False
    a, b = rebuilt.file, loaded.file
    return (a.pack == b.pack
            and a.pack.model_dump(exclude_unset=True) == b.pack.model_dump(exclude_unset=True)
            and a.conditions == b.conditions and a.origin == b.origin and a.path == b.path
            and a.warnings == b.warnings and rebuilt.layers == loaded.layers and rebuilt.packs == loaded.packs
            and [str(p) for p in rebuilt.paths] == [str(p) for p in loaded.paths])
