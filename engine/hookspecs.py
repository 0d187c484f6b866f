"""Hook specifications: what a followup plugin can implement.

Every hook is prefixed `followup_`. Implement them with
``@followup.hookimpl`` in a module registered under the ``followup``
entry-point group.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

hookspec = pluggy.HookspecMarker("followup")
hookimpl = pluggy.HookimplMarker("followup")

__all__ = ["hookspec", "hookimpl"]


@hookspec
def followup_packs() -> list[str | Path]:
    """Contribute policy packs.

    Called when an engine lists or looks up packs by name. Return a list of
    paths to pack files (``*.yaml``) or folders holding them; the pack's
    ``name:`` is the name it is found under.
    """
