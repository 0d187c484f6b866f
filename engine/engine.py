"""The Engine: a plugin manager, compiled packs, and the advise() entry point."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from .compiler import CompiledPack, compile_pack
from .errors import FactsError, Problem
from .evaluation import evaluate
from .facts import Facts, load_facts, parse_facts
from .packs import find_pack, load_pack_file
from .pluginmanager import make_plugin_manager
from .results import Advice

__all__ = ["Engine", "FactsInput", "resolve_at"]

FactsInput = Facts | Mapping[str, Any] | str | bytes | os.PathLike[str]
DEFAULT_PACK = "conservative"


class Engine:
    """Evaluates facts against packs. Holds its own plugin manager and compiled-pack cache.

    Thread-safe: several threads may call :meth:`advise` on one engine, and
    several engines can live side by side.
    """

    def __init__(self, *, load_entrypoints: bool = True, plugins: Iterable[Any] = ()) -> None:
        self.pm = make_plugin_manager(load_entrypoints=load_entrypoints, extra=plugins)
        self._compiled: dict[tuple[str, int], CompiledPack] = {}
        self._lock = threading.Lock()

    # --- packs ---------------------------------------------------------------

    def pack_paths(self) -> dict[str, Path]:
        """Packs known by name: plugin-contributed packs, built-ins included (file stem = name)."""
        found: dict[str, Path] = {}
        # pluggy calls the most recently registered plugin first; earlier ones must win
        for contributed in reversed(self.pm.hook.followup_packs()):
            for entry in contributed:
                path = Path(entry)
                files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
                for f in files:
                    found.setdefault(f.stem, f)
        return found

    def load_pack(self, pack: str | os.PathLike[str] | CompiledPack) -> CompiledPack:
        """A compiled pack, by name or path (compiled once, recompiled if the file changes)."""
        if isinstance(pack, CompiledPack):
            return pack
        path = find_pack(pack, self.pack_paths()).resolve()
        key = (str(path), path.stat().st_mtime_ns)
        with self._lock:
            cached = self._compiled.get(key)
        if cached is not None:
            return cached
        compiled = compile_pack(load_pack_file(path, origin=str(path)))
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    # --- evaluation ----------------------------------------------------------

    def advise(
        self,
        facts: FactsInput,
        pack: str | os.PathLike[str] | CompiledPack = DEFAULT_PACK,
        at: datetime | str | None = None,
        *,
        explain: bool = False,
    ) -> Advice:
        """Ranked next actions for `facts` under `pack` at `at` (default: now)."""
        f = coerce_facts(facts)
        return evaluate(self.load_pack(pack), f, resolve_at(at, f), explain=explain)


def coerce_facts(facts: FactsInput) -> Facts:
    if isinstance(facts, Facts):
        return facts
    if isinstance(facts, Mapping):
        return parse_facts(dict(facts))
    if isinstance(facts, (str, bytes)) and str(facts).lstrip().startswith("{"):
        return parse_facts(facts)
    return load_facts(facts)  # type: ignore[arg-type]


def resolve_at(at: datetime | str | None, facts: Facts) -> datetime:
    """The evaluation time: now if None; a time without offset is read in the company's time zone."""
    tz = ZoneInfo(facts.position.timezone)
    if at is None:
        return datetime.now(timezone.utc).astimezone(tz)
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.strip())
        except ValueError:
            raise FactsError(Problem(f"--at {at!r} is not a time", path=("at",),
                                     hint="write ISO 8601, e.g. 2026-11-18T09:00 or 2026-11-18T09:00+01:00",
                                     code="at")) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(tz)
