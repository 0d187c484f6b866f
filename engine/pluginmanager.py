"""The plugin manager: one per engine, built-ins registered like third-party plugins."""

from __future__ import annotations

import importlib
import os
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .errors import PluginError

__all__ = ["BUILTIN_PLUGINS", "make_plugin_manager", "plugin_names_allowed"]

ENTRY_POINT_GROUP = "followup"

# Built-in plugins, registered through the same path as third-party ones.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "followup.plugins.builtin_packs",
)


def plugin_names_allowed() -> set[str] | None:
    """FOLLOWUP_LOAD_PLUGINS=a,b limits third-party plugins to these names (empty: none)."""
    raw = os.environ.get("FOLLOWUP_LOAD_PLUGINS")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


def make_plugin_manager(*, load_entrypoints: bool = True, extra: Iterable[Any] = ()) -> pluggy.PluginManager:
    """A fresh plugin manager with the built-in plugins, entry-point plugins and `extra` registered."""
    pm = pluggy.PluginManager("followup")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if load_entrypoints:
        allowed = plugin_names_allowed()
        if allowed is None:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        else:
            for name in sorted(allowed):
                pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=name)
    for plugin in extra:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}: rename the function to one of the followup_* hooks (see docs/plugins.md)") from None
    return pm
