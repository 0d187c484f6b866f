"""Why a window closes is written out when it is read, and reads as it always did.

derive.expiry finds the earliest of a window's own moment and the events
that close it; the reason (a Closing) formats the time only when str() is
called, which why-not does for a rule whose window has closed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import followup
from followup.derive import Closing, derive, expiry

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


def spec(on: tuple[str, ...] = (), **moment: Any) -> SimpleNamespace:
    fields = {"from_": None, "hours": None, "days": None, "business_days": None, "time": None}
    return SimpleNamespace(**{**fields, **moment}, on=list(on), ahead=None)


def test_the_own_moment_and_the_event_that_closes_first_are_written_as_before() -> None:
    facts = followup.load_facts(ROOT / "examples" / "no-reply-twice.yaml")
    d = derive(facts, AT)
    end = d.anchors["interview_end"]
    assert end is not None
    first_follow_up = d.events["follow_up"][0]

    at, why = expiry(spec(from_="interview_end", days=60), end, d)
    assert at is not None and str(why) == f"its window closed {at:%a %d %b %H:%M}"

    # the first follow-up after the interview comes before a window of 60 days
    at, why = expiry(spec(("follow_up",), from_="interview_end", days=60), end, d)
    assert at == first_follow_up
    assert str(why) == f"you make a status follow-up ({first_follow_up:%a %d %b %H:%M})"
    assert f"closed: {why}" == f"closed: you make a status follow-up ({first_follow_up:%a %d %b %H:%M})"

    # an event counts only after the reference; none left and no moment: the window never closes
    assert expiry(spec(("follow_up",)), d.events["follow_up"][-1], d) == (None, None)


def test_a_tie_keeps_the_window_s_own_moment() -> None:
    facts = followup.load_facts(ROOT / "examples" / "no-reply-twice.yaml")
    d = derive(facts, AT)
    first_follow_up, end = d.events["follow_up"][0], d.anchors["interview_end"]
    assert end is not None
    hours = (first_follow_up - end).total_seconds() / 3600
    at, why = expiry(spec(("follow_up",), from_="interview_end", hours=hours), None, d)
    assert at == first_follow_up  # a Monday morning: not moved, so both close at the same moment
    assert str(why) == f"its window closed {at:%a %d %b %H:%M}"


def test_a_closing_compares_and_shows_as_its_text() -> None:
    at = datetime(2026, 11, 19, 15, tzinfo=UTC)
    own, event = Closing(None, at), Closing("response", at)
    assert str(own) == "its window closed Thu 19 Nov 15:00"
    assert str(event) == "a response from the company arrives (Thu 19 Nov 15:00)"
    assert repr(own) == repr("its window closed Thu 19 Nov 15:00")
    assert own == Closing(None, at) and own != event and own == "its window closed Thu 19 Nov 15:00"
    assert hash(own) == hash(Closing(None, at))
    assert own != 3
