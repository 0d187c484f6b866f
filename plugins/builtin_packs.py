"""Contributes the built-in policy packs (conservative, proactive, tech-industry).

Registered like any third-party plugin; pack discovery (followup.discovery)
ranks the packs of built-in plugins last, so a pack of the same name in
FOLLOWUP_PACKS_PATH or from an installed plugin shadows a built-in one.
"""

from __future__ import annotations

from pathlib import Path

from followup.hookspecs import hookimpl
from followup.packs import builtin_pack_paths


@hookimpl
def followup_packs() -> list[str | Path]:
    return list(builtin_pack_paths().values())
