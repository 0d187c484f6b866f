"""No dead ends: while they have not answered, a built-in pack always has a next dated step.

For each built-in pack and a set of follow-up histories (none, one or two follow-ups; by email or by phone;
on time or late; a decision date given and passed, or no date; after an "still deciding" update), the
evaluation time walks day by day from the interview to 60 days later, the facts cut at each moment to what
had been recorded by then (a follow-up made on day 9 is unknown on day 8), as someone running
`followup advise` every morning would see them.

While the outcome is none (or an update), the candidate still wants the job and "move on" has not been
advised, a dated step that is not a "don't" (a status check, a second follow-up, or move on) must be shown
within BOUND business days of every day: a pack that shows only "keep searching" and hold-off advice has left
the candidate stranded. Ten business days is two working weeks: the longest wait the articles plan is about a
working week before the first check (F2) and then three working days before the second or before moving on;
two working weeks of silence with nothing to do is where patience turns into being forgotten. Histories with
two unanswered follow-ups must end in move-on (O3) within that bound of the second one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import followup
from followup.businesstime import add_business_days, holiday_calendar
from followup.engine import Engine
from followup.results import Advice

ROOT = Path(__file__).resolve().parents[1]
PACKS = ("conservative", "proactive", "tech-industry")
BERLIN = ZoneInfo("Europe/Berlin")
BOUND = 10  # business days; see the module docstring
DAYS = 60
NEXT_STEPS = {"status_check", "second_follow_up", "move_on"}

# The example's interview: Tuesday 3 November 2026 in Berlin; its date: Friday 13 November.
EXAMPLE = followup.load_facts(ROOT / "examples" / "decision-passed.yaml").model_dump(
    mode="json", by_alias=True, exclude_defaults=True)
CONTACT = "Sabine Hoffmann"


@dataclass(frozen=True)
class History:
    name: str
    dated: bool  # the decision date of the example (passed on day 10) or no date at all
    follow_ups: tuple[tuple[str, str], ...] = ()  # (when, channel), Berlin local "YYYY-MM-DD HH:MM"
    update: str | None = None  # when a "still deciding" update arrived
    answered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        data = copy.deepcopy(EXAMPLE)
        if not self.dated:
            data["decision"].pop("expected_by")
        data["follow_ups"] = [{"at": _at(when), "channel": channel, "to": [CONTACT]}
                              for when, channel in self.follow_ups]
        if self.update:
            data["responses"] = [{"kind": "update", "at": _at(self.update), "from": CONTACT, "channel": "email"}]
        return data

    def unanswered_pair(self) -> datetime | None:
        """The second of two follow-ups unanswered since their last word (O3 counts those)."""
        since = _at_dt(self.update) if self.update else None
        made = [_at_dt(w) for w, _ in self.follow_ups if since is None or _at_dt(w) > since]
        return made[1] if len(made) >= 2 else None


def _at(when: str) -> str:
    return _at_dt(when).isoformat()


def _at_dt(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=BERLIN)


HISTORIES = [
    # the example's date (Friday 13 November) passed
    History("date passed, no follow-up", True),
    History("date passed, one email on time", True, (("2026-11-16 10:00", "email"),)),
    History("date passed, one call on time", True, (("2026-11-16 10:30", "phone"),)),
    History("date passed, one call late (the lead's case)", True, (("2026-11-17 10:00", "phone"),)),
    History("date passed, one email very late", True, (("2026-11-26 10:00", "email"),)),
    History("date passed, email then call", True, (("2026-11-16 10:00", "email"), ("2026-11-19 10:30", "phone"))),
    History("date passed, call then email", True, (("2026-11-16 10:30", "phone"), ("2026-11-19 10:00", "email"))),
    History("date passed, two calls", True, (("2026-11-16 10:30", "phone"), ("2026-11-19 10:30", "phone"))),
    History("date passed, two emails", True, (("2026-11-16 10:00", "email"), ("2026-11-19 10:00", "email"))),
    # no date given
    History("no date, no follow-up", False),
    History("no date, one email on time", False, (("2026-11-10 10:00", "email"),)),
    History("no date, one call on day three", False, (("2026-11-06 10:30", "phone"),)),
    History("no date, one email late", False, (("2026-11-17 10:00", "email"),)),
    History("no date, one call late", False, (("2026-11-17 10:30", "phone"),)),
    History("no date, two emails", False, (("2026-11-10 10:00", "email"), ("2026-11-13 10:00", "email"))),
    History("no date, call then email", False, (("2026-11-06 10:30", "phone"), ("2026-11-13 10:00", "email"))),
    # a "still deciding" update arrived after one email
    History("update, nothing since", False, (("2026-11-10 10:00", "email"),), update="2026-11-12 15:00"),
    History("update, one email since", False, (("2026-11-10 10:00", "email"), ("2026-11-19 10:00", "email")),
            update="2026-11-12 15:00"),
    History("update, one call since", True, (("2026-11-16 10:00", "email"), ("2026-11-18 10:30", "phone")),
            update="2026-11-17 15:00"),
    History("update, two emails since", False,
            (("2026-11-10 10:00", "email"), ("2026-11-19 10:00", "email"), ("2026-11-24 10:00", "email")),
            update="2026-11-12 15:00"),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_entrypoints=False)


def mornings(start: date) -> Iterator[datetime]:
    for n in range(DAYS + 1):
        yield datetime.combine(start + timedelta(days=n), time(11, 30), BERLIN)


def cut(data: dict[str, Any], t: datetime) -> dict[str, Any]:
    out = dict(data)
    out["follow_ups"] = [f for f in data.get("follow_ups", []) if datetime.fromisoformat(f["at"]) <= t]
    out["responses"] = [r for r in data.get("responses", []) if datetime.fromisoformat(r["at"]) <= t]
    return out


def walked(engine: Engine, history: History, pack: str) -> list[tuple[datetime, Advice]]:
    cp = engine.load_pack(pack)
    data = history.facts()
    cuts: dict[int, followup.Facts] = {}
    out = []
    for t in mornings(date(2026, 11, 3)):
        c = cut(data, t)
        key = len(c["follow_ups"]) * 10 + len(c["responses"])
        facts = cuts.get(key)
        if facts is None:
            facts = cuts[key] = followup.parse_facts(c)
        out.append((t, engine.advise(facts, cp, t)))
    return out


def next_steps(advice: Advice) -> list[str]:
    return [a.rule for a in advice.actions if a.kind in NEXT_STEPS and not a.avoid and a.due is not None]


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: h.name)
def test_there_is_always_a_next_step_until_move_on(engine: Engine, history: History, pack: str) -> None:
    cal = holiday_calendar(None, None)
    steps = walked(engine, history, pack)
    shown = [(t, next_steps(advice)) for t, advice in steps]
    moved_on = next((t for t, rules in shown if any(r.startswith("move-on") for r in rules)), None)
    end = steps[-1][0]
    seen_days = [t for t, rules in shown if rules]
    for t, _ in shown:
        if moved_on is not None and t >= moved_on:
            break
        horizon = add_business_days(t, BOUND, cal).replace(hour=23, minute=59)
        if horizon > end:
            break
        assert any(t <= s <= horizon for s in seen_days), (
            f"{pack}, {history.name}: on {t:%a %d %b} nothing to do (no status check, second follow-up or "
            f"move on) for the next {BOUND} business days; shown: "
            f"{[a.rule for a in dict(steps)[t].actions]}")
    # The walk reaches move-on: two unanswered follow-ups lead there within the bound, and a candidate who
    # never follows up is not left with nothing to do for ever.
    assert moved_on is not None, f"{pack}, {history.name}: never reaches move-on in {DAYS} days"
    second = history.unanswered_pair()
    if second is not None:
        limit = add_business_days(second, BOUND, cal).replace(hour=23, minute=59)
        assert moved_on <= limit, f"{pack}, {history.name}: move-on only on {moved_on:%a %d %b}"
        # O3's own rule, not one of the moves on after silence
        assert "move-on" in next(rules for t, rules in shown if t == moved_on), (pack, history.name)
