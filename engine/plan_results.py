"""What a plan is: per pack, a lane of events (done, advice given, answers received) and how it ended."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import ConfigDict, Field

from .facts import Facts
from .results import PackRef, Result, SourceRef

__all__ = ["Plan", "Lane", "PlanEvent", "PlanEnd", "SimulatedReply", "STANDING_KINDS", "DEFAULT_DAY_HOURS",
           "REPLY_TIME", "EventType", "EndReason", "ReplyKind"]

STANDING_KINDS = frozenset({"keep_searching", "prepare_second_round"})
DEFAULT_DAY_HOURS = (time(8, 0), time(22, 0))
REPLY_TIME = time(10, 0)

EventType = Literal["done", "advice", "received"]
EndReason = Literal["move_on", "horizon", "stuck"]
ReplyKind = Literal["offer", "rejection", "second_round", "update"]


class SimulatedReply(Result):
    """An answer from the company injected into the simulation."""

    kind: ReplyKind
    at: datetime
    from_: str | None = Field(default=None, alias="from", serialization_alias="from")

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class PlanEvent(Result):
    at: datetime = Field(description="When it happens in the simulation (company time zone).")
    day: int = Field(description="Calendar days since the interview day (0 on the day).")
    type: EventType = Field(description="done: the person does it; advice: standing advice, first given; received: an answer arrives.")
    kind: str = Field(description="Action kind, or the answer's kind for `received`.")
    avoid: bool = False
    label: str = Field(description="Short text, e.g. `thank-you to Dana Lee (email)`.")
    title: str
    target: str | None = Field(default=None, description="Person's name, `the company` or `yourself`.")
    channel: str | None = None
    rule: str | None = None
    due: datetime | None = Field(default=None, description="The pack's due time (for avoid advice: until when).")
    last_seen: datetime | None = Field(default=None, description="For standing advice: the last moment the pack still gave it.")
    rationale: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)

    @property
    def late(self) -> bool:
        return self.type == "done" and self.due is not None and self.at > self.due


class PlanEnd(Result):
    reason: EndReason
    at: datetime
    day: int
    message: str


class Lane(Result):
    """One pack's simulated plan."""

    pack: PackRef
    events: list[PlanEvent]
    end: PlanEnd
    final_facts: Facts = Field(description="The facts as the simulation left them.")

    @property
    def done(self) -> list[PlanEvent]:
        return [e for e in self.events if e.type == "done"]

    def find(self, kind: str, target: str | None = None, *, type: EventType = "done") -> list[PlanEvent]:
        return [e for e in self.events if e.kind == kind and e.type == type
                and (target is None or (e.target or "").casefold() == target.casefold())]


class Plan(Result):
    schema_version: Literal[1] = 1
    candidate: str
    position: str
    company: str
    timezone: str
    interview_day: date
    start: datetime
    until: datetime
    days: int
    day_hours: tuple[time, time]
    replies: list[SimulatedReply]
    lanes: list[Lane]

    @property
    def stuck(self) -> list[Lane]:
        return [lane for lane in self.lanes if lane.end.reason == "stuck"]

    def lane(self, pack: str) -> Lane:
        for lane in self.lanes:
            if lane.pack.name == pack:
                return lane
        raise KeyError(pack)

    def to_json(self, **kw: Any) -> str:
        return self.model_dump_json(indent=2, by_alias=True, **kw)
