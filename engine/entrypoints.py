"""The entry points of the installed distributions, listed once per change of what is installed.

Finding them reads the metadata of every distribution on ``sys.path`` (a
hundred files in a typical environment, and importlib.metadata with email,
zipfile and csv behind it): milliseconds on every start of `followup`, and
as much again for pydantic, which looks for its own plugins the same way.
The answer only changes when a distribution is installed, upgraded or
removed, which adds, renames, removes or recreates its ``*.dist-info`` (or
``*.egg-info``). So the entry points of the groups below are kept in the
cache folder (:mod:`followup.usercache`), keyed by ``sys.path`` and the
names and modification times of the metadata in each of its folders, and
read again from the distributions whenever any of those changed.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import types
from typing import Any, NamedTuple

from . import usercache

__all__ = ["GROUPS", "Found", "installed", "pydantic_has_plugins", "skip_pydantic_scan"]

# followup's own plugins and pydantic's (whose search `skip_pydantic_scan` answers from the same listing).
GROUPS = ("followup", "pydantic")
_KIND = "entrypoints"
_SETTLED_NS = 2_000_000_000


class Found(NamedTuple):
    """One entry point, with the distribution declaring it."""

    group: str
    name: str
    value: str
    distribution: str
    version: str

    def load(self) -> Any:
        """The object named, ``module`` or ``module:attr.attr`` (as importlib.metadata's EntryPoint.load,
        without importing importlib.metadata)."""
        module, _, attrs = self.value.partition(":")
        obj = importlib.import_module(module.strip())
        for attr in filter(None, attrs.split("[", 1)[0].strip().split(".")):
            obj = getattr(obj, attr)
        return obj


def _path_key() -> tuple[str, int]:
    """The key of the listing (each sys.path entry with the names and times of the distributions' metadata in
    it), and the newest of those times (ns)."""
    parts, newest = [], 0
    for entry in sys.path:
        folder = entry or "."
        found = []
        try:
            with os.scandir(folder) as listing:
                for item in listing:
                    if item.name.endswith((".dist-info", ".egg-info")):
                        try:
                            mtime = item.stat().st_mtime_ns
                        except OSError:
                            mtime = -1
                        newest = max(newest, mtime)
                        found.append(f"{item.name}:{mtime}")
        except OSError:  # a zip file (its own time counts) or a missing folder
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                mtime = -1
            newest = max(newest, mtime)
            found.append(f":{mtime}")
        parts.append(f"{os.path.abspath(folder)}\0{','.join(sorted(found))}")
    return "\n".join([*GROUPS, *parts]), newest


def _scan() -> list[Found]:
    from importlib import metadata

    found = []
    for dist in metadata.distributions():
        eps = [ep for ep in dist.entry_points if ep.group in GROUPS]
        if eps:
            name, version = dist.metadata["Name"] or "", dist.version or ""
            found += [Found(ep.group, ep.name, ep.value, name, version) for ep in eps]
    return found


def installed() -> list[Found]:
    """Every entry point of the groups in GROUPS, in the order of the distributions on sys.path."""
    key, newest = _path_key()
    cached = usercache.read_entry(_KIND, key)
    if isinstance(cached, list):
        try:
            return [Found(*map(str, row)) for row in cached if isinstance(row, list) and len(row) == len(Found._fields)]
        except TypeError:
            pass
    found = _scan()
    # Metadata changed within the file system's timestamp granularity of the reading could change again
    # unseen: such a listing is not kept (as git treats "racily clean" files).
    if _path_key()[0] == key and newest < time.time_ns() - _SETTLED_NS:
        usercache.write_entry(_KIND, key, [list(f) for f in found])
    return found


def pydantic_has_plugins() -> bool:
    return any(f.group == "pydantic" for f in installed())


def skip_pydantic_scan() -> None:
    """Spare pydantic its search for pydantic plugins when none is installed (it would find none).

    Its plugin loader imports importlib.metadata (and with it email, zipfile
    and csv: a tenth of a `followup advise`) and reads every distribution's
    metadata, for the first model built. While the listing above holds no
    pydantic plugin, the loader is a stand-in answering "no plugins"; anything
    else asked of it brings the real one. Call it before the first model is built.
    """
    if pydantic_has_plugins():
        return
    loaded = sys.modules.get(_PYDANTIC_LOADER)
    if loaded is None:
        sys.modules[_PYDANTIC_LOADER] = _NoPydanticPlugins(_PYDANTIC_LOADER)
    elif getattr(loaded, "_plugins", ()) is None and not getattr(loaded, "_loading_plugins", True):
        loaded._plugins = {}  # type: ignore[attr-defined]  # already imported: only its search is spared


_PYDANTIC_LOADER = "pydantic.plugin._loader"


class _NoPydanticPlugins(types.ModuleType):
    """pydantic's plugin loader while no pydantic plugin is installed."""

    def get_plugins(self) -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        # Not what pydantic's schema validator asks: let the real loader answer (and stay).
        if name.startswith("__"):  # what the import system looks for (__path__...): a plain module's answer
            raise AttributeError(name)
        if sys.modules.get(_PYDANTIC_LOADER) is self:
            del sys.modules[_PYDANTIC_LOADER]
        return getattr(importlib.import_module(_PYDANTIC_LOADER), name)
