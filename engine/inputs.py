"""What callers hand the engine, made into typed facts and an evaluation time.

Below the engine and everything that evaluates (comparison, planning, the
explanations), so that each of them can take the same inputs without
importing the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .errors import FactsError, Problem
from .facts import YEARS, Facts, load_facts, parse_facts

__all__ = ["FactsInput", "coerce_facts", "resolve_at"]

# Facts, a dict of them, JSON text or bytes, or a path to a YAML/JSON file.
FactsInput = Facts | Mapping[str, Any] | str | bytes | os.PathLike[str]


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
        return datetime.now(UTC).astimezone(tz)
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.strip())
        except ValueError:
            raise FactsError(Problem(f"--at {at!r} is not a time", path=("at",),
                                     hint="write ISO 8601, e.g. 2026-11-18T09:00 or 2026-11-18T09:00+01:00",
                                     code="at")) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    try:
        at = at.astimezone(tz)
    except OverflowError:  # within a day of year 1 or 9999
        at = at.replace(year=1)
    if not YEARS[0] <= at.year <= YEARS[1]:
        raise FactsError(Problem(f"--at is in the year {at.year}, outside {YEARS[0]} to {YEARS[1]}", path=("at",),
                                 hint="check the year of the evaluation time", code="at"))
    return at
