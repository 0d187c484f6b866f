"""The plugin manager: one per engine, built-ins registered like third-party plugins."""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import pluggy

from . import hookspecs
from .entrypoints import Found, installed
from .errors import PluginError

__all__ = ["BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "FollowupPluginManager", "PluginInfo", "make_plugin_manager",
           "plugin_names_allowed"]

ENTRY_POINT_GROUP = "followup"

# Built-in plugins, registered through the same path as third-party ones.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "followup.plugins.builtin_packs",
    "followup.plugins.text_channels",
    "followup.plugins.calendar_channel",
    "followup.plugins.email_channel",
    "followup.plugins.webhook_channel",
    "followup.plugins.drafts_channel",
)

_HOOKS = frozenset(n for n in dir(hookspecs) if n.startswith("followup_"))


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered plugin came from."""

    name: str
    distribution: str
    version: str
    builtin: bool


class FollowupPluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers which distribution each plugin came from."""

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.origins: dict[str, PluginInfo] = {}


def plugin_names_allowed() -> set[str] | None:
    """FOLLOWUP_LOAD_PLUGINS=a,b limits third-party plugins to these entry-point or distribution names (empty: none)."""
    raw = os.environ.get("FOLLOWUP_LOAD_PLUGINS")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


def _check_names(plugin: Any, name: str) -> None:
    """A `followup_*` attribute that matches no hook, or a hook left undecorated, would silently do nothing."""
    for attr, value in inspect.getmembers(plugin):
        if not attr.startswith("followup_") or not callable(value):
            continue
        if attr not in _HOOKS:
            close = difflib.get_close_matches(attr, sorted(_HOOKS), n=1)
            fix = f"rename it to {close[0]}" if close else f"rename it to one of {', '.join(sorted(_HOOKS))}"
            raise PluginError(f"plugin {name!r} defines {attr}(), which is not a followup hook: {fix} "
                              "(hooks are listed in docs/plugins.md)")
        if not hasattr(value, "followup_impl"):
            raise PluginError(f"plugin {name!r} defines {attr}() without @hookimpl, so followup would never call it: "
                              "decorate it with @followup.hookimpl")


def _register(pm: FollowupPluginManager, plugin: Any, name: str, info: PluginInfo) -> None:
    _check_names(plugin, name)
    try:
        pm.register(plugin, name=name)
    except ValueError as exc:  # the same name twice
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}; uninstall the duplicate") from None
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r}: {exc}; match the hook's signature in docs/plugins.md") from None
    pm.origins[name] = info


def _entry_points(allowed: set[str] | None) -> list[Found]:
    found: dict[str, Found] = {}
    for ep in installed():
        if ep.group != ENTRY_POINT_GROUP or ep.name in found:  # a distribution can be on sys.path twice
            continue
        if allowed is not None and ep.name not in allowed and ep.distribution not in allowed:
            continue
        found[ep.name] = ep
    if allowed:
        provided = {n for ep in found.values() for n in (ep.name, ep.distribution)}
        missing = sorted(allowed - provided)
        if missing:
            raise PluginError(f"FOLLOWUP_LOAD_PLUGINS names {', '.join(missing)}, which no installed plugin provides: "
                              "install it, or remove the name (see `followup plugins` for what is installed)")
    return [found[k] for k in sorted(found)]


def make_plugin_manager(*, load_entrypoints: bool = True, extra: Iterable[Any] = ()) -> FollowupPluginManager:
    """A fresh plugin manager with the built-in plugins, entry-point plugins and `extra` registered."""
    from .version import __version__

    pm = FollowupPluginManager()
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        _register(pm, importlib.import_module(name), name, PluginInfo(name, "followup", __version__, True))
    if load_entrypoints:
        for ep in _entry_points(plugin_names_allowed()):
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}; "
                                  f"reinstall or uninstall {ep.distribution}, or leave it out with "
                                  "FOLLOWUP_LOAD_PLUGINS") from None
            _register(pm, plugin, ep.name, PluginInfo(ep.name, ep.distribution, ep.version, False))
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        _register(pm, plugin, name, PluginInfo(name, "", "", False))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}: rename the function to one of the followup_* hooks (see docs/plugins.md)") from None
    return pm


def describe_plugins(pm: FollowupPluginManager) -> list[dict[str, Any]]:
    """Every registered plugin: name, distribution, version, hooks, and the channels and packs it registers."""

    rows = []
    for name, plugin in pm.list_name_plugin():
        info = pm.origins.get(name, PluginInfo(name, "", "", False))
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        channels: list[dict[str, Any]] = []
        packs: list[str] = []
        for impl in pm.hook.followup_register_channels.get_hookimpls():
            if impl.plugin is plugin:
                impl.function(register=lambda cls, found=channels: found.append(cls.describe()))
        for impl in pm.hook.followup_packs.get_hookimpls():
            if impl.plugin is plugin:
                contributed = cast("list[str | os.PathLike[str]] | None", impl.function())
                packs += [str(p) for p in contributed or []]
        rows.append({"name": name, "distribution": info.distribution, "version": info.version, "builtin": info.builtin,
                     "hooks": hooks, "channels": channels, "packs": packs})
    return rows
