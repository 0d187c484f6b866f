"""Where packs are found, and which one wins when two share a name.

Order (first wins):

1. a path given on the command line (``--pack ./mine.yaml``) - not a lookup at all;
2. the folders in ``FOLLOWUP_PACKS_PATH`` (separated like PATH: ``:`` or ``;`` on Windows), in order;
3. packs contributed by installed plugins through the ``followup_packs`` hook;
4. the built-in packs, contributed by the built-in plugin through the same hook, ranked last.

A pack's name is its file name without ``.yaml``. A pack that loses to an
earlier one of the same name is *shadowed*; ``followup packs`` shows both.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from .errors import PackNotFound, PluginError
from .packs import is_pack_path
from .pluginmanager import BUILTIN_PLUGINS

__all__ = ["PackLocation", "ENV_VAR", "discover", "choose", "find", "default_lookup", "pack_files_in", "env_problems", "env_entries",
           "as_rows"]

ENV_VAR = "FOLLOWUP_PACKS_PATH"


@dataclass(frozen=True)
class PackLocation:
    name: str
    path: Path
    source: str  # "FOLLOWUP_PACKS_PATH", "plugin <name>" or "built-in"

    @property
    def kind(self) -> str:
        return self.source.split(" ", 1)[0]


def pack_files_in(folder: Path) -> list[Path]:
    """The pack files directly in `folder` (not its tests/ folder, not the sources library)."""
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.name != "sources.yaml" and p.is_file())


def _expand(entry: str | os.PathLike[str]) -> list[Path]:
    path = Path(entry)
    return pack_files_in(path) if path.is_dir() else [path]


def discover(pm: pluggy.PluginManager | None, env: str | None = None) -> list[PackLocation]:
    """Every pack that can be found, best-ranked first (shadowed ones included, after their winner)."""
    out: list[PackLocation] = []
    for entry in env_entries(env):
        if Path(entry).is_dir() or Path(entry).is_file():
            for f in _expand(entry):
                out.append(PackLocation(f.stem, f, ENV_VAR))
    if pm is not None:
        plugin_rows: list[PackLocation] = []
        builtin_rows: list[PackLocation] = []
        # hookimpls come in registration order; earlier-registered plugins rank first
        for impl in pm.hook.followup_packs.get_hookimpls():
            try:
                entries: list[str | os.PathLike[str]] = list(impl.function() or [])  # type: ignore[call-overload]
            except Exception as exc:  # a broken plugin must not hide the others' packs
                raise PluginError(f"plugin {impl.plugin_name} failed in followup_packs: {exc}: fix or uninstall it") from None
            builtin = impl.plugin_name in BUILTIN_PLUGINS
            for plugin_entry in entries:
                for f in _expand(plugin_entry):
                    row = PackLocation(f.stem, f, "built-in" if builtin else f"plugin {impl.plugin_name}")
                    (builtin_rows if builtin else plugin_rows).append(row)
        out += plugin_rows + builtin_rows
    return out


def env_entries(env: str | None = None) -> list[str]:
    """The entries of FOLLOWUP_PACKS_PATH (or of `env`), blanks left out."""
    raw = os.environ.get(ENV_VAR, "") if env is None else env
    return [p for p in raw.split(os.pathsep) if p.strip()]


def env_problems(env: str | None = None) -> list[str]:
    """Entries of FOLLOWUP_PACKS_PATH that are neither a folder nor a file (so add no packs)."""
    return [f"{ENV_VAR} names {entry}, which is not a folder: check the spelling, or create it"
            for entry in env_entries(env) if not Path(entry).exists()]


def choose(locations: list[PackLocation]) -> dict[str, PackLocation]:
    """The winner for each name."""
    found: dict[str, PackLocation] = {}
    for loc in locations:
        found.setdefault(loc.name, loc)
    return found


def find(name_or_path: str | os.PathLike[str], locations: list[PackLocation], *, skip: Path | None = None) -> Path:
    """The file of a pack given by path or by name (the best-ranked one that is not `skip`)."""
    text = str(name_or_path)
    if is_pack_path(text):
        candidate = Path(text)
        if os.path.isfile(candidate):  # never raises (a name too long for the file system is just not found)
            return candidate
        raise PackNotFound(f"no pack file at {text}: check the path")
    skip_key = skip.resolve() if skip is not None else None
    for loc in locations:
        if loc.name == text and (skip_key is None or loc.path.resolve() != skip_key):
            return loc.path
    names = list(choose(locations))
    guess = difflib.get_close_matches(text, names, n=1)
    hint = f"did you mean `{guess[0]}`? " if guess else ""
    notes = "".join(f"; note: {p}" for p in env_problems())
    raise PackNotFound(f"no pack named {text!r}: {hint}known packs: {', '.join(names) or '(none)'} "
                       f"(or give a path to a .yaml file, or add its folder to {ENV_VAR}){notes}")


def default_lookup(name: str, requester: Path | None) -> Path:
    """Lookup for `extends:` outside an engine: a default plugin manager's packs."""
    from .pluginmanager import make_plugin_manager

    return find(name, discover(make_plugin_manager()), skip=requester)


def as_rows(locations: list[PackLocation]) -> list[dict[str, Any]]:
    """Each location with the one it shadows / is shadowed by (for `followup packs`)."""
    winners = choose(locations)
    rows = []
    for loc in locations:
        win = winners[loc.name]
        rows.append({"name": loc.name, "path": str(loc.path), "source": loc.source,
                     "shadowed_by": None if win is loc else str(win.path),
                     "shadows": [str(o.path) for o in locations if o.name == loc.name and o is not loc] if win is loc else []})
    return rows
