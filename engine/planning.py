"""Plan the days ahead: simulate someone following a pack, on the same engine.

The simulation does no date arithmetic of its own. It asks the pack what to
do at a moment, lets the simulated person do what is due, records that into
the facts, and asks again. Every due time comes from the pack via the engine.

The results are in :mod:`followup.plan_results`, the simulation itself, and
how it steps time, in :mod:`followup.simulation`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .comparison import PackSpec, check_unique
from .default_engine import default_engine
from .engine import Engine, FactsInput, coerce_facts, resolve_at
from .errors import FactsError, Problem
from .facts import Facts
from .plan_results import (
    DEFAULT_DAY_HOURS,
    REPLY_TIME,
    STANDING_KINDS,
    Lane,
    Plan,
    PlanEnd,
    PlanEvent,
    SimulatedReply,
)
from .simulation import Simulation, reply_contact

__all__ = [
    "Plan",
    "Lane",
    "PlanEvent",
    "PlanEnd",
    "SimulatedReply",
    "plan",
    "parse_replies",
    "STANDING_KINDS",
    "DEFAULT_DAY_HOURS",
]

# --- replies ------------------------------------------------------------------

_REPLY = re.compile(r"^(?P<kind>[a-z_]+)@(?P<when>.+)$")


def parse_replies(text: str | None, facts: Facts) -> list[SimulatedReply]:
    """`offer@5`, `rejection@2026-11-30`, `second_round@2026-11-24T15:00,offer@20`, or `none`.

    A number is a day counted from the interview day (answer at 10:00 that
    day); a date means 10:00 that day; a time without offset is company time.
    """
    if text is None or text.strip() in ("", "none"):
        return []
    tz = ZoneInfo(facts.position.timezone)
    iv_day = facts.interview.start.astimezone(tz).date()
    out = []
    for part in (p.strip() for p in text.split(",")):
        m = _REPLY.match(part)
        kinds = ("offer", "rejection", "second_round", "update")
        if not m or m.group("kind") not in kinds:
            raise FactsError(Problem(f"--replies {part!r} is not KIND@DAY", path=("replies",), code="replies",
                                     hint=f"write e.g. offer@5 or rejection@2026-11-30; KIND is one of {', '.join(kinds)}"))
        when = m.group("when").strip()
        if when.isdigit():
            at = datetime.combine(iv_day + timedelta(days=int(when)), REPLY_TIME, tz)
        else:
            try:
                parsed = datetime.fromisoformat(when)
            except ValueError:
                raise FactsError(Problem(f"--replies {part!r}: {when!r} is neither a day number nor a date",
                                         path=("replies",), code="replies",
                                         hint="write a day after the interview (e.g. 5) or an ISO date such as 2026-11-30")) from None
            if len(when) == 10:
                parsed = datetime.combine(parsed.date(), REPLY_TIME)
            at = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
            at = at.astimezone(tz)
        if at < facts.interview.start:
            raise FactsError(Problem(f"--replies {part!r} arrives before the interview", path=("replies",),
                                     code="replies", hint="give a day on or after the interview day (0)"))
        out.append(SimulatedReply.model_validate({"kind": m.group("kind"), "at": at, "from": reply_contact(facts)}))
    return sorted(out, key=lambda r: r.at)


def plan(
    facts: FactsInput,
    packs: Sequence[PackSpec] | None = None,
    start: datetime | str | None = None,
    days: int = 21,
    replies: Sequence[SimulatedReply] | str | None = None,
    *,
    engine: Engine | None = None,
    day_hours: tuple[time, time] = DEFAULT_DAY_HOURS,
) -> Plan:
    """Simulate following each of `packs` (default: every known pack) for `days` days from `start` (default: now)."""
    if days < 1:
        raise FactsError(Problem(f"--days {days}: plan at least one day", path=("days",), code="days",
                                 hint="give --days 1 or more (21 covers most follow-up advice)"))
    engine = engine or default_engine()
    f = coerce_facts(facts)
    begin = resolve_at(start, f)
    sims = parse_replies(replies, f) if isinstance(replies, str) or replies is None else sorted(replies, key=lambda r: r.at)
    chosen = list(packs) if packs else list(engine.pack_paths().values())
    until = begin + timedelta(days=days)
    compiled = [engine.load_pack(p) for p in chosen]
    check_unique([cp.file.pack.name for cp in compiled])
    lanes = [Simulation(engine, cp, f, begin, until, sims, day_hours).run() for cp in compiled]
    tz = ZoneInfo(f.position.timezone)
    return Plan(
        candidate=f.candidate.name, position=f.position.title, company=f.position.company, timezone=f.position.timezone,
        interview_day=f.interview.start.astimezone(tz).date(), start=begin, until=until, days=days,
        day_hours=day_hours, replies=sims, lanes=lanes,
    )
