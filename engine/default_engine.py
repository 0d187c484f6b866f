"""The engine behind the module-level functions (followup.advise, compare, plan, ...)."""

from __future__ import annotations

import threading

from .engine import Engine

__all__ = ["default_engine"]

_default: Engine | None = None
_lock = threading.Lock()


def default_engine() -> Engine:
    """The shared engine, created on first use; make your own Engine for other plugins or isolation."""
    global _default
    with _lock:
        if _default is None:
            _default = Engine()
        return _default
