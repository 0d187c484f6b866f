"""Hook specifications: what a followup plugin can implement.

Every hook is prefixed `followup_`. Implement them with
``@followup.hookimpl`` in a module registered under the ``followup``
entry-point group (see docs/plugins.md). A function named ``followup_*``
that matches none of these is reported as an error when the engine starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .channels import Channel
    from .facts import Facts

hookspec = pluggy.HookspecMarker("followup")
hookimpl = pluggy.HookimplMarker("followup")

__all__ = ["hookspec", "hookimpl"]

# A derived value a rule can test (the same types derive.py produces).
Value = bool | int | float | str | None


@hookspec
def followup_packs() -> list[str | Path]:  # type: ignore[empty-body]
    """Contribute policy packs.

    Called when an engine lists or looks up packs by name. Return a list of
    paths to pack files (``*.yaml``) or folders holding them; a pack is
    found under its file name without ``.yaml`` (``followup validate`` warns
    when the pack's ``name:`` differs).
    """


@hookspec
def followup_register_channels(register: Callable[[type[Channel]], None]) -> None:
    """Register output channels (what ``--to NAME`` selects).

    Called once per engine, the first time its channels are needed. Call
    ``register(ChannelClass)`` for each :class:`followup.channels.Channel`
    subclass the plugin provides; its ``name`` is what ``--to`` uses. Two
    plugins registering one name is an error. Returns nothing.
    """


@hookspec
def followup_enrich_facts(facts: Facts, at: datetime, values: Mapping[str, Value]) -> Mapping[str, Value] | None:
    """Add or correct derived values before the rules see them.

    Called once per evaluation, after followup has derived its own values
    (``values``: name -> value, read-only) from ``facts`` at ``at``, and only
    when some plugin implements it (so it costs nothing otherwise). Return a
    mapping of catalogue fact names (e.g. ``business_days_since_interview``
    computed with public holidays) to new values of the catalogued type, or
    None. Unknown names or wrong types raise :class:`followup.PluginError`.
    """


@hookspec
def followup_draft_templates() -> list[str | Path]:  # type: ignore[empty-body]
    """Contribute folders of draft templates for the ``drafts`` channel.

    Called when the drafts channel renders. Return folders holding
    ``<action_kind>.txt.j2`` templates (jinja2, sandboxed). They take
    precedence over the built-in templates but not over a pack's own
    ``templates/`` folder or the channel's ``templates=`` option.
    """
