"""Contributes the built-in policy packs (conservative, proactive, tech-industry)."""

from __future__ import annotations

from pathlib import Path

from followup.hookspecs import hookimpl
from followup.packs import builtin_pack_paths


@hookimpl
def followup_packs() -> list[str | Path]:
    return list(builtin_pack_paths().values())
