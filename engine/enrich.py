"""Plugin-derived values: the `followup_enrich_facts` hook, applied only when some plugin implements it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType

import pluggy

from .catalogue import FACTS
from .derive import Derived
from .errors import PluginError
from .facts import Facts

__all__ = ["enricher"]

_TYPES: dict[str, tuple[type, ...]] = {"bool": (bool,), "int": (int,), "number": (int, float), "enum": (str,)}


def _check(plugin: str, name: str, value: object) -> None:
    spec = FACTS.get(name)
    if spec is None or spec.person:
        raise PluginError(f"plugin {plugin!r} returned a value for {name!r}, which is not a case fact in the catalogue: "
                          "return only names listed by the pack schema (e.g. business_days_since_interview)")
    if value is None:
        if not spec.nullable:
            raise PluginError(f"plugin {plugin!r} returned None for {name!r}, which is never absent: return a {spec.type}")
        return
    ok = isinstance(value, _TYPES[spec.type]) and not (spec.type != "bool" and isinstance(value, bool))
    if ok and spec.type == "enum" and value not in spec.values:
        ok = False
    if not ok:
        want = f"one of {', '.join(spec.values)}" if spec.type == "enum" else f"a {spec.type}"
        raise PluginError(f"plugin {plugin!r} returned {value!r} for {name!r}: return {want}")


def enricher(pm: pluggy.PluginManager) -> Callable[[Facts, Derived], Derived] | None:
    """A function applying every `followup_enrich_facts` implementation, or None when there are none.

    Returning None lets evaluation skip the hook entirely: no plugin, no cost.
    """
    impls = pm.hook.followup_enrich_facts.get_hookimpls()
    if not impls:
        return None

    def apply(facts: Facts, derived: Derived) -> Derived:
        case = dict(derived.case)
        # pluggy calls the last registered first; apply in registration order so later plugins refine earlier ones
        for impl in impls:
            extra = impl.function(facts=facts, at=derived.at, values=MappingProxyType(case))
            if extra is None:
                continue
            if not isinstance(extra, Mapping):
                raise PluginError(f"plugin {impl.plugin_name!r}: followup_enrich_facts must return a mapping or None, "
                                  f"not {type(extra).__name__}")
            for name, value in extra.items():
                _check(impl.plugin_name, name, value)
                case[name] = value
        return dataclasses.replace(derived, case=case)

    return apply
