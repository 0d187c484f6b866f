"""The simulation behind `followup plan`: someone following one pack, day by day.

How time is stepped (for each pack, from `start` to `start + days`):

* The clock stops at the next of: the due time of any action the pack
  currently recommends (for a call, the suggested call slot inside the pack's
  call windows), the next whole hour counted from the end of the interview
  (so `hours_since_interview >= 24`-style conditions are met exactly), the
  next midnight (day-counting facts change there), the start of the person's
  day, and a simulated answer's arrival. Conditions can only change at these
  moments or at due times, so no recommendation is missed and none is seen
  late by more than the hour grid.
* The person is awake from 08:00 to 22:00 company time (`day_hours`). At
  night nothing is done; something falling due at night is done at 08:00.
* At each stop the pack is evaluated; every action whose due time (or call
  slot) has come is done *together* at that moment, as someone working down
  the list would (so three "second follow-up" emails due at 10:00 are sent
  as one round). The facts are updated and the pack evaluated again at the
  same moment, until nothing more is due.
* Standing advice (keep searching, preparing the second round, and every
  "don't ...") is listed once, when first given; it is not "done".
* A `move_on` ends that pack's plan. Otherwise the plan runs to the horizon.

What doing an action records: thank_you -> the person's `thank_you`;
status_check / second_follow_up -> one unanswered FollowUp to everyone
contacted at that moment on that channel; connect_linkedin -> `linkedin:
requested`; collect_contacts -> `contact_known`; ask_decision_date ->
`decision.asked`; write_notes -> `interview.notes_taken`; formal_letter ->
`formal_letter`; reply_* and thank_after_rejection -> the latest response's
`replied`. By default nobody answers; `replies` injects answers (offer,
rejection, second round, update) from the decision contact.

An action still due right after it was done means the pack's condition does
not look at what the action changes (or its due time does not move): the
simulation stops that pack's plan with `end.reason == "stuck"` naming the rule,
instead of looping.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .comparison import SHORT
from .compiler import CompiledPack
from .engine import Engine
from .errors import FactsError
from .facts import Facts, parse_facts
from .plan_results import (
    STANDING_KINDS,
    EventType,
    Lane,
    PlanEnd,
    PlanEvent,
    SimulatedReply,
)
from .results import Action, PackRef

__all__ = ["Simulation", "reply_contact"]

_MAX_ROUNDS_AT_ONE_MOMENT = 25

@dataclass
class _Stuck(Exception):
    message: str


class Simulation:
    def __init__(self, engine: Engine, cp: CompiledPack, facts: Facts, start: datetime, until: datetime,
                 replies: Sequence[SimulatedReply], day_hours: tuple[time, time]) -> None:
        self.engine, self.cp, self.facts = engine, cp, facts
        self.start, self.until = start, until
        self.replies = list(replies)
        self.day_hours = day_hours
        self.tz = ZoneInfo(facts.position.timezone)
        self.iv_day = facts.interview.start.astimezone(self.tz).date()
        self.iv_end = facts.interview.end.astimezone(self.tz)
        self.events: list[PlanEvent] = []
        self.standing_seen: dict[tuple[str | None, str, str | None], datetime] = {}

    # time ----------------------------------------------------------------

    def awake(self, t: datetime) -> bool:
        return self.day_hours[0] <= t.time().replace(tzinfo=None) <= self.day_hours[1]

    def day(self, t: datetime) -> int:
        return (t.astimezone(self.tz).date() - self.iv_day).days

    def next_stop(self, t: datetime, pending: list[datetime]) -> datetime:
        utc_end = self.iv_end.astimezone(UTC)
        if t < self.iv_end:
            tick = utc_end
        else:  # whole hours since the interview ended, in elapsed time (DST-proof)
            tick = utc_end + timedelta(hours=int((t - self.iv_end).total_seconds() // 3600) + 1)
        tomorrow = t.date() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, time(0, 0), self.tz)
        wake = datetime.combine(t.date(), self.day_hours[0], self.tz)
        if wake <= t:
            wake = datetime.combine(tomorrow, self.day_hours[0], self.tz)
        stops = [tick.astimezone(self.tz), midnight, wake, *[p for p in pending if p > t],
                 *[r.at for r in self.replies if r.at > t]]
        return min(stops)

    # the loop --------------------------------------------------------------

    def run(self) -> Lane:
        t = self.start
        end: PlanEnd | None = None
        try:
            while t <= self.until and end is None:
                self.receive(t)
                pending: list[datetime] = []
                if self.awake(t):
                    end, pending = self.act(t)
                if end is None:
                    t = self.next_stop(t, pending)
        except _Stuck as stuck:
            end = PlanEnd(reason="stuck", at=t, day=self.day(t), message=stuck.message)
        if end is None:
            done = [e for e in self.events if e.type == "done"]
            last = f"last action {done[-1].at.strftime('%a %d %b')}" if done else "nothing was due"
            end = PlanEnd(reason="horizon", at=self.until, day=self.day(self.until),
                          message=f"end of the simulated days (day {self.day(self.until)}) without a move-on; {last}")
        events = [e.model_copy(update={"last_seen": self.standing_seen[(e.rule, e.kind, e.target)]})
                  if e.type == "advice" else e for e in self.events]
        return Lane(pack=self.pack_ref(), events=events, end=end, final_facts=self.facts)

    def pack_ref(self) -> PackRef:
        return self.cp.ref

    def act(self, t: datetime) -> tuple[PlanEnd | None, list[datetime]]:
        """Evaluate at `t` until nothing more is due; the pending due times, or the end."""
        just_done: set[tuple[str, ...]] = set()
        for _ in range(_MAX_ROUNDS_AT_ONE_MOMENT):
            advice = self.engine.advise(self.facts, self.cp, t)
            for a in advice.actions:
                if a.avoid or a.kind in STANDING_KINDS:
                    self.note_standing(a, t)
            doable = [a for a in advice.actions if not a.avoid and a.kind not in STANDING_KINDS]
            due = [a for a in doable if _when(a, t) <= t]
            if not due:
                return None, [_when(a, t) for a in doable]
            again = [a for a in due if _identity(a) in just_done]
            if again:
                a = again[0]
                raise _Stuck(f"rule {a.rule!r} still recommends {a.kind} for {_target(a)} right after it was done "
                             f"at {t.strftime('%a %d %b %H:%M')}: its condition does not change when the action is "
                             f"recorded (or its due time does not move), so following the pack would repeat it")
            self.perform(due, t)
            if any(a.kind == "move_on" for a in due):
                return PlanEnd(reason="move_on", at=t, day=self.day(t),
                               message=f"the pack says move on, on day {self.day(t)}"), []
            just_done = {_identity(a) for a in due}
        raise _Stuck(f"more than {_MAX_ROUNDS_AT_ONE_MOMENT} rounds of actions at {t.strftime('%a %d %b %H:%M')}")

    def note_standing(self, a: Action, t: datetime) -> None:
        key = (a.rule, a.kind, _target(a))
        seen = key in self.standing_seen
        self.standing_seen[key] = t
        if not seen:
            self.events.append(self.event(a, t, "advice"))

    def event(self, a: Action, t: datetime, type_: EventType) -> PlanEvent:
        return PlanEvent(at=t, day=self.day(t), type=type_, kind=a.kind, avoid=a.avoid, label=_label(a),
                         title=a.title, target=_target(a), channel=a.channel, rule=a.rule, due=a.due,
                         rationale=a.rationale, sources=list(a.sources))

    def receive(self, t: datetime) -> None:
        while self.replies and self.replies[0].at <= t:
            r = self.replies.pop(0)
            data = _data(self.facts)
            resp: dict[str, Any] = {"kind": r.kind, "at": r.at.isoformat()}
            if r.from_:
                resp["from"] = r.from_
            data["responses"].append(resp)
            self.facts = _parse(data, f"recording the {r.kind} at {r.at.isoformat()}")
            who = f" from {r.from_}" if r.from_ else ""
            self.events.append(PlanEvent(at=r.at, day=self.day(r.at), type="received", kind=r.kind,
                                         label=f"{r.kind.replace('_', ' ')} arrives{who}",
                                         title=f"Simulated answer: {r.kind.replace('_', ' ')}{who}",
                                         target=r.from_))

    # recording what was done ----------------------------------------------------

    def perform(self, actions: list[Action], t: datetime) -> None:
        data = _data(self.facts)
        rounds: dict[str, list[str]] = {}  # follow-up channel -> names, one FollowUp per channel
        for a in actions:
            self.events.append(self.event(a, t, "done"))
            _record(data, a, t, self.facts, rounds)
        for channel, names in rounds.items():
            data["follow_ups"].append({"at": t.isoformat(), "channel": channel, "to": names, "answered": False})
        self.facts = _parse(data, f"recording what was done at {t.isoformat()} under {self.cp.file.pack.name}")


def _record(data: dict[str, Any], a: Action, t: datetime, facts: Facts, rounds: dict[str, list[str]]) -> None:
    stamp = t.isoformat()
    kind = a.kind
    if kind in ("write_notes",):
        data["interview"]["notes_taken"] = True
    elif kind == "ask_decision_date":
        data["decision"]["asked"] = True
    elif kind in ("thank_you", "formal_letter", "connect_linkedin", "collect_contacts"):
        person = _person(data, a)
        if kind == "thank_you":
            person["thank_you"] = {"at": stamp, "channel": a.channel if a.channel in ("email", "handwritten", "letter") else "email"}
        elif kind == "formal_letter":
            person["formal_letter"] = {"at": stamp, "channel": a.channel if a.channel in ("email", "letter") else "letter"}
        elif kind == "connect_linkedin":
            if person.get("linkedin", "none") == "none":
                person["linkedin"] = "requested"
        else:
            person["contact_known"] = True
    elif kind in ("status_check", "second_follow_up"):
        name = a.target.name or reply_contact(facts)
        channel = a.channel if a.channel in ("email", "phone", "letter", "linkedin") else "email"
        names = rounds.setdefault(channel, [])
        if name and name.casefold() not in (n.casefold() for n in names):
            names.append(name)
    elif kind in ("reply_offer", "reply_second_round", "thank_after_rejection"):
        if not data["responses"]:
            raise _Stuck(f"rule {a.rule!r} recommends {kind} but there is no response to reply to")
        latest = max(data["responses"], key=lambda r: r["at"])
        latest["replied"] = {"at": stamp, "channel": a.channel if a.channel in ("email", "phone", "letter", "linkedin") else "email"}
    elif kind == "move_on":
        pass
    else:  # a new action kind the simulation does not know how to record
        raise _Stuck(f"rule {a.rule!r}: the simulation does not know what doing {kind!r} changes in the facts")


def _person(data: dict[str, Any], a: Action) -> dict[str, Any]:
    name = a.target.name
    if name is None:
        raise _Stuck(f"rule {a.rule!r} recommends {a.kind} for {_target(a)}, which is not a person: nothing to record it on")
    for group in ("interviewers", "arrangers"):
        p: dict[str, Any]
        for p in data.get(group, []):
            if p["name"].casefold() == name.casefold():
                return p
    raise _Stuck(f"rule {a.rule!r} names {name!r}, who is not in the facts")


def _data(facts: Facts) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(facts.model_dump_json(by_alias=True, exclude_none=True))
    data.setdefault("follow_ups", [])
    data.setdefault("responses", [])
    data.setdefault("decision", {})
    return data


def _parse(data: dict[str, Any], doing: str) -> Facts:
    try:
        return parse_facts(data)
    except FactsError as exc:  # the simulation produced facts that contradict each other: a bug to show, not hide
        raise _Stuck(f"{doing} gave invalid facts: {exc}") from None


def reply_contact(facts: Facts) -> str | None:
    """Who a simulated answer comes from: the decision contact, else the hiring manager, else the first interviewer."""
    if facts.decision.informs:
        return facts.decision.informs
    hm = next((p for p in facts.interviewers if p.role == "hiring_manager"), None)
    return (hm or facts.interviewers[0]).name


def _when(a: Action, t: datetime) -> datetime:
    """When the person does `a`: at the call slot for calls, else at the due time; now if it has none."""
    moment = a.suggested_at if a.suggested_at is not None else a.due
    return moment if moment is not None else t


def _identity(a: Action) -> tuple[str, ...]:
    return (a.rule, a.kind, _target(a), a.channel)


def _target(a: Action) -> str:
    if a.target.name:
        return a.target.name
    return "yourself" if a.target.kind == "self" else "the company"


_AVOID_VERB = {"phone": "call", "email": "email", "letter": "send a letter", "handwritten": "send a card",
               "linkedin": "connect on LinkedIn"}


def _label(a: Action) -> str:
    """`thank-you: Dana Lee`, `call: Dana Lee`, `don't call (status check)`, `notes`."""
    who = _target(a)
    short = SHORT.get(a.kind, a.kind)
    if a.avoid:
        verb = _AVOID_VERB.get(a.channel)
        text = f"don't: {short}" if verb is None else f"don't {verb}" + ("" if a.channel == "linkedin" else f" ({short})")
        return f"{text}: {who}" if a.target.name else text
    if a.kind == "status_check":
        short = "call" if a.channel == "phone" else f"status {a.channel}"
    return short if who == "yourself" else f"{short}: {who}"
