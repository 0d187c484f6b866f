"""The Engine: a plugin manager, compiled packs, and the advise() entry point."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from .bundled import files as bundled_files
from .compiler import CompiledPack, compile_pack
from .discovery import ENV_VAR, PackLocation, discover, env_entries, find
from .enrich import enricher
from .evaltime import EvalTime, evaluation_time, load_with_time
from .evaluation import evaluate
from .facts import YEARS, Facts
from .inheritance import ResolvedPack, load_resolved
from .inputs import FactsInput, coerce_facts, resolve_at
from .packcache import load_cached
from .packs import is_pack_path
from .pluginmanager import make_plugin_manager
from .results import Advice

if TYPE_CHECKING:  # delivery and its channels are imported when first used: advice alone needs neither
    from .channels import Channel, ChannelTarget
    from .delivery import DeliveryResult
    from .needsinfo import NeedsInfo
    from .whatif import WhatIf
    from .whynot import Explanation, WhyNot

__all__ = ["Engine", "FactsInput", "PackInput", "coerce_facts", "resolve_at"]

# os.environ.get costs ~1.5 µs per call when the variable is unset (a KeyError raised and
# caught inside); the dict behind os.environ, which it keeps current, answers in a tenth of
# that. load_pack reads the search path on every call, so it reads that dict.
try:
    _ENV_DATA: Mapping[Any, Any] = os.environ._data  # type: ignore[attr-defined]
    _ENV_KEY: Any = os.environ.encodekey(ENV_VAR)
except AttributeError:  # an os.environ without them: the public mapping
    _ENV_DATA, _ENV_KEY = os.environ, ENV_VAR

# A pack by name, by file path, or already compiled (Engine.load_pack).
PackInput = str | os.PathLike[str] | CompiledPack
DEFAULT_PACK = "conservative"


class Engine:
    """Evaluates facts against packs. Holds its own plugin manager and compiled-pack cache.

    Thread-safe: several threads may call :meth:`advise` on one engine, and
    several engines can live side by side.
    """

    def __init__(self, *, load_entrypoints: bool = True, plugins: Iterable[Any] = ()) -> None:
        self.pm = make_plugin_manager(load_entrypoints=load_entrypoints, extra=plugins)
        # keyed by pack file and search path (which decides what `extends: NAME` means)
        self._compiled: dict[tuple[str, str], tuple[tuple[tuple[Path, int], ...], CompiledPack]] = {}
        # what a name (or path) given to advise() last selected, and the files and folders
        # whose modification times decide whether it still does (see load_pack)
        self._selected: dict[tuple[str, Any, str], tuple[Stamps, CompiledPack]] = {}
        self._lock = threading.Lock()
        self._channels: dict[str, tuple[type[Channel], str]] | None = None

    # --- packs ---------------------------------------------------------------

    def pack_locations(self) -> list[PackLocation]:
        """Every pack that can be found by name, best-ranked first, shadowed ones included.

        Order: FOLLOWUP_PACKS_PATH folders, packs of installed plugins, built-ins.
        """
        return discover(self.pm)

    def pack_paths(self) -> dict[str, Path]:
        """The pack each name selects (see :meth:`pack_locations` for the order)."""
        found: dict[str, Path] = {}
        for loc in self.pack_locations():
            found.setdefault(loc.name, loc.path)
        return found

    def find_pack(self, pack: str | os.PathLike[str], *, skip: Path | None = None) -> Path:
        """The file of a pack given by name or path; `skip` leaves one file out (for a pack extending one it shadows)."""
        return find(pack, self.pack_locations(), skip=skip)

    def resolve_pack(self, pack: str | os.PathLike[str]) -> ResolvedPack:
        """The pack with its `extends` chain applied (not compiled, not cached)."""
        return load_resolved(self.find_pack(pack), lambda name, requester: self.find_pack(name, skip=requester))

    def load_pack(self, pack: str | os.PathLike[str] | CompiledPack) -> CompiledPack:
        """A compiled pack, by name or path (compiled once, recompiled when any file of its chain changes)."""
        if isinstance(pack, CompiledPack):
            return pack
        # Finding a pack by name asks every plugin and lists folders: far more than an
        # evaluation costs. The answer only changes when FOLLOWUP_PACKS_PATH changes, a
        # file is added to or removed from one of its folders, or a file of the pack's
        # chain is edited; those are a few stats. A built-in pack's file is not among
        # them: it is part of the installed package and, like its code, read once per process.
        text = pack if pack.__class__ is str else os.fspath(pack)
        # a relative path means another file after a chdir; a name or an absolute path does not
        key = (text, _ENV_DATA.get(_ENV_KEY), os.getcwd() if is_pack_path(text) and not os.path.isabs(text) else "")
        hit = self._selected.get(key)
        if hit is not None and _fresh(hit[0]):
            return hit[1]
        env = os.environ.get(ENV_VAR, "")
        chain, compiled = self._load_uncached(pack)
        shipped = _builtin_folder()
        watched = tuple((str(p), mtime) for p, mtime in chain if p.parent != shipped) + _stat_all(env_entries(env))
        with self._lock:
            _put(self._selected, key, (watched, compiled))
        return compiled

    def _load_uncached(self, pack: str | os.PathLike[str]) -> tuple[tuple[tuple[Path, int], ...], CompiledPack]:
        found = self.find_pack(pack)
        key = (str(found.resolve()), os.environ.get(ENV_VAR, ""))
        with self._lock:
            cached = self._compiled.get(key)
        if cached is not None and _stamps(cached[0]) == cached[0]:
            return cached
        # read from the cache folder when its files are unchanged (see packcache.py)
        resolved = load_cached(found, lambda name, requester: self.find_pack(name, skip=requester))
        stamps = tuple((p.resolve(), p.stat().st_mtime_ns) for p in resolved.paths)
        compiled = compile_pack(resolved.file, resolved.layers, resolved.packs)
        with self._lock:
            _put(self._compiled, key, (stamps, compiled))
        return stamps, compiled

    # --- evaluation ----------------------------------------------------------

    def advise(
        self,
        facts: FactsInput,
        pack: PackInput = DEFAULT_PACK,
        at: datetime | str | EvalTime | None = None,
        *,
        explain: bool = False,
    ) -> Advice:
        """Ranked next actions for `facts` under `pack` at `at`.

        Without `at`, a facts file's own `# at:` line decides, else now
        (`advice.at_source` says which). A time before the interview ended is
        a :class:`FactsError`.
        """
        if (at.__class__ is datetime and facts.__class__ is Facts and at.utcoffset() is not None
                and _YEAR_MIN < at.year < _YEAR_MAX and at >= facts.interview.end):
            # The hot path (plans, batches, services): a time given, well inside the calendar and
            # after the interview, needs nothing of evaluation_time(); derive() reads it in the
            # company's time zone, as evaluation_time() would have.
            return evaluate(self.load_pack(pack), facts, at, explain=explain,
                            enrich=enricher(self.pm))
        if isinstance(at, EvalTime):
            f, when = coerce_facts(facts), at
        elif at is None and _is_path(facts):
            loaded = load_with_time(facts)  # type: ignore[arg-type]
            f, when = loaded.facts, evaluation_time(None, loaded.facts, loaded.file_time)
        else:
            f = coerce_facts(facts)
            when = evaluation_time(at, f)
        advice = evaluate(self.load_pack(pack), f, when.at, explain=explain, enrich=enricher(self.pm))
        if when.source != "given" or when.notices:
            advice = advice.model_copy(update={"at_source": when.source, "notices": [*when.notices, *advice.notices]})
        return advice

    # --- explanations (see whynot.py) ----------------------------------------------

    def why_not(self, facts: FactsInput, query: str, pack: PackInput = DEFAULT_PACK,
                at: datetime | str | None = None) -> WhyNot:
        """Why `pack` does not propose `query` (a rule id, an action kind, or a channel such as "call"), nearest miss first."""
        from .whynot import why_not

        return why_not(self, facts, query, pack, at)

    def explain_rules(self, facts: FactsInput, pack: PackInput = DEFAULT_PACK,
                      at: datetime | str | None = None) -> Explanation:
        """Every rule of `pack` for `facts` at `at`: fired, lost in ranking, or not fired and why."""
        from .whynot import explain_rules

        return explain_rules(self, facts, pack, at)

    def what_if(self, facts: FactsInput, changes: Sequence[str], pack: PackInput = DEFAULT_PACK,
                at: datetime | str | None = None) -> WhatIf:
        """The advice before and after `changes` (``["interviewers[0].thank_you.at=now", ...]``) and the difference."""
        from .whatif import what_if

        return what_if(self, facts, changes, pack, at)

    def needs_info(self, facts: FactsInput, pack: PackInput = DEFAULT_PACK, at: datetime | str | None = None, *,
                   limit: int = 30) -> NeedsInfo:
        """The unknown facts whose answers would most change the advice, each with its question (at most `limit` evaluations)."""
        from .needsinfo import needs_info

        return needs_info(self, facts, pack, at, limit=limit)

    # --- delivery (see delivery.py) --------------------------------------------

    def channels(self) -> dict[str, tuple[type[Channel], str]]:
        """Output channels by name, with the plugin registering each (computed once per engine)."""
        with self._lock:
            if self._channels is None:
                from .channels import channel_registry

                self._channels = channel_registry(self.pm)
            return self._channels

    def deliver(self, advice: Advice, to: Iterable[str | ChannelTarget], *, facts: FactsInput | None = None,
                explain: bool = False, resend: bool = False, outbox: str | os.PathLike[str] | None = None,
                stdout: IO[str] | None = None) -> list[DeliveryResult]:
        """Send `advice` to each channel in `to` (e.g. ``["ics:out.ics", "webhook:https://..."]``).

        Returns one result per channel; a failed channel does not stop the
        others and its advice is kept in the outbox (``followup outbox retry``).
        """
        f = coerce_facts(facts) if facts is not None else None
        from .delivery import deliver

        return deliver(self.channels(), advice, to, facts=f, explain=explain, resend=resend, outbox=outbox,
                       stdout=stdout, pm=self.pm)


# Strictly inside the years facts may have, so no time zone can carry the time out of them.
_YEAR_MIN, _YEAR_MAX = YEARS

Stamps = tuple[tuple[str, int], ...]
_CACHE_SIZE = 128  # packs an engine keeps compiled; a service fed endless pack files stays bounded

K = TypeVar("K")
V = TypeVar("V")


def _put(cache: dict[K, V], key: K, value: V) -> None:
    """Insert, dropping the oldest entries beyond _CACHE_SIZE (caller holds the lock)."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > _CACHE_SIZE:
        del cache[next(iter(cache))]


@functools.cache
def _builtin_folder() -> Path:
    """Where the built-in packs are (a resolved path, as the chains' files are)."""
    return Path(str(bundled_files("followup.policies"))).resolve()


def _stat_all(paths: Iterable[str]) -> Stamps:
    out = []
    for p in paths:
        try:
            out.append((p, os.stat(p).st_mtime_ns))
        except OSError:
            out.append((p, -1))
    return tuple(out)


def _fresh(stamps: Stamps) -> bool:
    for p, mtime in stamps:
        try:
            if os.stat(p).st_mtime_ns != mtime:
                return False
        except OSError:
            if mtime != -1:
                return False
    return True


def _stamps(stamps: tuple[tuple[Path, int], ...]) -> tuple[tuple[Path, int], ...]:
    """Current modification times of the files in `stamps` (-1 for a file gone)."""
    out = []
    for p, _ in stamps:
        try:
            out.append((p, p.stat().st_mtime_ns))
        except OSError:
            out.append((p, -1))
    return tuple(out)


def _is_path(facts: FactsInput) -> bool:
    if isinstance(facts, (Facts, Mapping, bytes)):
        return False
    return not str(facts).lstrip().startswith("{")

