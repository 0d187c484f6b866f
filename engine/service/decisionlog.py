"""The opt-in decision log: one JSON line per answered request, personal fields masked.

What is kept is what an auditor needs to replay a decision (pack,
revision, evaluation time, the facts' shape and dates, what was advised)
without the people in it: names, email addresses, phone numbers and any
other free text become `masked:` tokens. A token is a keyed hash (the key is random per process),
so the same person reads as the same token within a run while a list of
likely names cannot be hashed to find them. Problem messages are left out
(they may quote a value); their codes and paths are kept.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import threading
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["DecisionLog", "mask_facts"]


class DecisionLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._key = os.urandom(16)
        self._lock = threading.Lock()
        # O_APPEND: several server worker processes may share the file; one write per line keeps lines whole
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def mask(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        digest = hmac.new(self._key, value.casefold().encode(), hashlib.sha256).hexdigest()[:12]
        return f"masked:{digest}"

    def write(self, record: dict[str, Any]) -> None:
        line = orjson.dumps({"timestamp": datetime.now(UTC).isoformat(), **record}, default=str) + b"\n"
        with self._lock:
            os.write(self._fd, line)

    def close(self) -> None:
        os.close(self._fd)


def mask_facts(facts: Any, mask: Any) -> Any:
    """A copy of `facts` where every text that could say who someone is becomes ``mask(text)``.

    Kept as they are: numbers, true/false, times (ISO 8601), the time zone, and
    words of the facts vocabulary (industry, format, role, channel, ...), taken
    from the facts schema so new fields are covered. Everything else (names,
    email addresses, phone numbers, job titles, companies, unknown fields) is masked.
    """
    if isinstance(facts, dict):
        return {k: (v if k == "timezone" and isinstance(v, str) else mask_facts(v, mask)) for k, v in facts.items()}
    if isinstance(facts, list):
        return [mask_facts(v, mask) for v in facts]
    if isinstance(facts, str) and facts not in _vocabulary() and not _is_time(facts):
        return mask(facts)
    return facts


def _is_time(text: str) -> bool:
    if len(text) < 10 or not text[:4].isdigit():
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@functools.cache
def _vocabulary() -> frozenset[str]:
    from ..schema import facts_schema

    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum" and isinstance(value, list):
                    words.update(v for v in value if isinstance(v, str))
                elif key == "const" and isinstance(value, str):
                    words.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(facts_schema())
    return frozenset(words)
