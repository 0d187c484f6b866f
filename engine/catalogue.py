"""The vocabulary packs are written in: facts rules can test, actions they can recommend.

One catalogue, used by the pack validator (unknown names are errors with a
did-you-mean), the compiler (types decide which operators are allowed),
the docs and the JSON schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = ["FactSpec", "FACTS", "ACTIONS", "ActionSpec", "CHANNELS", "TARGETS", "PRIORITIES", "ANCHORS", "person_scoped",
           "ActionKind", "ChannelName", "TargetKind", "PriorityName", "AnchorName", "EVENTS", "SCHEDULED_EVENTS",
           "EventName", "WindowAnchorName"]

# The closed vocabularies as types, so that embedders and mypy see them; the
# tables below must name exactly these (checked at import, see _same).
ActionKind = Literal["collect_contacts", "ask_decision_date", "write_notes", "thank_you", "formal_letter",
                     "connect_linkedin", "status_check", "second_follow_up", "reply_offer", "reply_second_round",
                     "prepare_second_round", "thank_after_rejection", "move_on", "keep_searching"]
ChannelName = Literal["email", "phone", "handwritten", "letter", "linkedin", "none"]
TargetKind = Literal["each_interviewer", "each_arranger", "everyone", "hiring_manager", "decision_contact",
                     "company", "self"]
PriorityName = Literal["critical", "high", "normal", "low"]
AnchorName = Literal["interview_end", "interview_day", "decision_date", "last_follow_up", "outcome", "second_round",
                     "answer_by", "now"]
# Anchors a window (`opens`, `expires`) may count from: all but `now`.
WindowAnchorName = Literal["interview_end", "interview_day", "decision_date", "last_follow_up", "outcome",
                           "second_round", "answer_by"]
EventName = Literal["response", "follow_up", "decision_date", "second_round", "answer_by"]

FactType = Literal["bool", "int", "number", "enum"]


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    values: tuple[str, ...] = ()  # for enums
    nullable: bool = False  # absent when unknown (e.g. no decision date given)
    # Facts sure to be present when a test on this one holds: for bools when true,
    # for enums when the value is not `absent_value`, for nullables always.
    implies_present: tuple[str, ...] = ()
    absent_value: str | None = None

    @property
    def person(self) -> bool:
        return self.name.startswith("person.")


def _f(name: str, type: FactType, description: str, *values: str, nullable: bool = False,
       implies: tuple[str, ...] = (), absent_value: str | None = None) -> FactSpec:
    return FactSpec(name, type, description, tuple(values), nullable, implies, absent_value)


_FACTS = [
    # time since the interview
    _f("hours_since_interview", "number", "Hours since the interview ended (negative before it ends)."),
    _f("days_since_interview", "int", "Calendar days since the interview day, in the company's time zone (0 on the day)."),
    _f("business_days_since_interview", "int", "Business days (Mon-Fri) since the interview day (0 on the day)."),
    _f("interview.same_day", "bool", "It is still the interview day in the company's time zone."),
    _f("interview.round", "int", "1 for a first interview, 2 for a second round, ..."),
    _f("interview.format", "enum", "How the interview was held.", "onsite", "video", "phone"),
    _f("interview.went", "enum", "How the candidate feels it went.", "well", "mixed", "badly"),
    _f("candidate.still_interested", "bool", "The candidate still wants the job."),
    _f("candidate.notes_taken", "bool", "The candidate has written notes on the interview."),
    _f("candidate.other_applications", "int", "Other applications in progress."),
    _f("company.culture", "enum", "How formal the company is.", "formal", "casual"),
    _f("company.is_tech", "bool", "The company is in the technology industry."),
    # decision timeline
    _f("decision.asked", "bool", "The candidate asked (or was told) when the decision will be made."),
    _f("decision.date_known", "bool", "A decision date is known.", implies=("decision.days_past",)),
    _f("decision.days_past", "int", "Calendar days since the expected decision date (negative before it); absent when no date is known.", nullable=True),
    _f("decision.passed", "bool", "The expected decision date has passed.", implies=("decision.days_past",)),
    _f("decision.contact_known", "bool", "It is known who will give the decision."),
    _f("decision.call_invited", "bool", "Someone invited the candidate to call about the decision."),
    # follow-ups
    _f("follow_ups.count", "int", "Status follow-ups made so far (any channel)."),
    _f("follow_ups.unanswered", "int", "Follow-ups nobody has answered."),
    _f("follow_ups.calls", "int", "Follow-up phone calls made."),
    _f("follow_ups.emails", "int", "Follow-up emails sent."),
    _f("follow_ups.days_since_last", "int", "Calendar days since the last follow-up; absent when there is none.", nullable=True,
       implies=("follow_ups.business_days_since_last",)),
    _f("follow_ups.business_days_since_last", "int", "Business days since the last follow-up; absent when there is none.", nullable=True,
       implies=("follow_ups.days_since_last",)),
    _f("follow_ups.since_outcome", "int", "Follow-ups made after the latest response (all of them when there is none)."),
    _f("follow_ups.unanswered_since_outcome", "int", "Unanswered follow-ups made after the latest response."),
    # outcome
    _f("outcome", "enum", "The latest response from the company (none if nothing yet).",
       "none", "update", "offer", "second_round", "rejection", implies=("outcome.hours_since",), absent_value="none"),
    _f("outcome.replied", "bool", "The candidate has replied to the latest response."),
    _f("outcome.hours_since", "number", "Hours since the latest response; absent when there is none.", nullable=True),
    _f("outcome.channel", "enum", "How the latest response arrived; absent when there is none or it was not recorded.",
       "email", "phone", "letter", "linkedin", nullable=True),
    _f("offer.hours_left", "number", "Hours until the answer-by date of the latest response, an offer (negative once passed); "
       "absent when no such date was given.", nullable=True),
    _f("second_round.scheduled", "bool", "The time of the second round is known.", implies=("second_round.hours_until",)),
    _f("second_round.hours_until", "number", "Hours until the second round starts (negative once it has begun); "
       "absent when its time is not known.", nullable=True),
    _f("second_round.done", "bool", "The second round has taken place (its time is known and has passed)."),
    # people, counted
    _f("interviewers.count", "int", "How many people interviewed the candidate."),
    _f("interviewers.unthanked", "int", "Interviewers who have not been sent a thank-you."),
    _f("interviewers.missing_contact", "int", "Interviewers whose contact details are not known."),
    _f("interviewers.not_on_linkedin", "int", "Interviewers not yet invited to connect on LinkedIn."),
    _f("arrangers.count", "int", "People who arranged the interview."),
    _f("arrangers.unthanked", "int", "Arrangers who have not been thanked."),
    # the person a per-person rule is about
    _f("person.role", "enum", "The person's role.", "hiring_manager", "interviewer", "recruiter", "coordinator"),
    _f("person.arranged", "bool", "The person arranged the interview (listed under arrangers)."),
    _f("person.thanked", "bool", "A thank-you has been sent to the person."),
    _f("person.thank_you_channel", "enum", "How the thank-you was sent; absent if none was.", "email", "handwritten", "letter", nullable=True),
    _f("person.formal_letter_sent", "bool", "The later formal letter has been sent to the person."),
    _f("person.contact_known", "bool", "The person's full contact details are known."),
    _f("person.has_email", "bool", "The person's email address is known."),
    _f("person.linkedin", "enum", "LinkedIn connection state.", "none", "requested", "connected"),
    _f("person.followed_up", "int", "Follow-ups sent to this person."),
    _f("person.answered", "bool", "The person has answered a follow-up."),
    _f("person.decision_contact", "bool", "The person will give the decision (or is the hiring manager when nobody was named)."),
]

FACTS: dict[str, FactSpec] = {f.name: f for f in _FACTS}


def person_scoped(name: str) -> bool:
    return name.startswith("person.")


@dataclass(frozen=True)
class ActionSpec:
    kind: str
    label: str  # "send a thank-you", used in titles
    avoid_label: str  # "don't send a thank-you", for avoid actions
    channels: tuple[str, ...]
    advice_items: tuple[str, ...] = field(default=())


ACTIONS: dict[str, ActionSpec] = {a.kind: a for a in [
    ActionSpec("collect_contacts", "get the contact details of {who}", "don't chase the contact details of {who}", ("email", "phone", "linkedin", "none"), ("D1",)),
    ActionSpec("ask_decision_date", "ask {who} when the decision will be made", "don't press {who} for a decision date", ("email", "phone"), ("D2",)),
    ActionSpec("write_notes", "write down your notes on the interview", "don't skip your notes", ("none",), ("D3",)),
    ActionSpec("thank_you", "send a thank-you to {who}", "don't send another thank-you to {who}", ("email", "handwritten", "letter"), ("T1", "T2", "T3", "T4", "T5")),
    ActionSpec("formal_letter", "send a formal follow-up letter to {who}", "don't send a formal letter to {who} yet", ("email", "letter"), ("T8",)),
    ActionSpec("connect_linkedin", "invite {who} to connect on LinkedIn", "don't invite {who} on LinkedIn yet", ("linkedin",), ("N1",)),
    ActionSpec("status_check", "ask {who} about the status", "don't ask {who} about the status yet", ("email", "phone"), ("F1", "F2", "F3", "F4", "F6")),
    ActionSpec("second_follow_up", "send {who} a second, new follow-up", "don't send {who} another follow-up", ("email", "phone"), ("F2", "F5")),
    ActionSpec("reply_offer", "answer the offer from {who}", "don't leave the offer from {who} waiting", ("email", "phone"), ("O1",)),
    ActionSpec("reply_second_round", "accept the second-round invitation from {who}", "don't leave the invitation from {who} waiting", ("email", "phone"), ("O1",)),
    ActionSpec("prepare_second_round", "prepare the second round from your notes", "don't go into the second round unprepared", ("none",), ("O5",)),
    ActionSpec("thank_after_rejection", "thank {who} despite the rejection", "don't call {who} about the rejection", ("email", "phone"), ("O2",)),
    ActionSpec("move_on", "move on from this application", "don't give up on this application yet", ("none",), ("O3",)),
    ActionSpec("keep_searching", "keep your other applications going", "don't pause your search", ("none",), ("O4",)),
]}

CHANNELS: tuple[str, ...] = get_args(ChannelName)

# Who an action is for. Person targets make a rule run once per matching person.
TARGETS: dict[str, str] = {
    "each_interviewer": "every interviewer, one action each",
    "each_arranger": "every person who arranged the interview",
    "everyone": "every interviewer and arranger",
    "hiring_manager": "the hiring manager (the first interviewer when none is marked)",
    "decision_contact": "the person who will give the decision (else the hiring manager)",
    "company": "the company as a whole",
    "self": "the candidate (a task for yourself)",
}
PERSON_TARGETS = frozenset({"each_interviewer", "each_arranger", "everyone", "hiring_manager", "decision_contact"})

PRIORITIES: dict[str, int] = {"critical": 40, "high": 30, "normal": 20, "low": 10}

# What a due time counts from, and the nullable fact whose presence the anchor needs.
ANCHORS: dict[str, str | None] = {
    "interview_end": None,
    "interview_day": None,
    "decision_date": "decision.days_past",
    "last_follow_up": "follow_ups.days_since_last",
    "outcome": "outcome.hours_since",
    "second_round": "second_round.hours_until",
    "answer_by": "offer.hours_left",
    "now": None,
}


# Short names of the action kinds, for table cells, plans and the picture.
SHORT: dict[str, str] = {
    "collect_contacts": "contacts",
    "ask_decision_date": "ask decision date",
    "write_notes": "notes",
    "thank_you": "thank-you",
    "formal_letter": "formal letter",
    "connect_linkedin": "LinkedIn",
    "status_check": "status check",
    "second_follow_up": "2nd follow-up",
    "reply_offer": "answer offer",
    "reply_second_round": "accept 2nd round",
    "prepare_second_round": "prepare round 2",
    "thank_after_rejection": "thanks after no",
    "move_on": "move on",
    "keep_searching": "keep searching",
}


def _same(kind: object, table: object, name: str) -> None:
    if set(get_args(kind)) != set(table):  # type: ignore[call-overload]
        raise RuntimeError(f"catalogue: {name} and its Literal type disagree; keep them in step")


_same(ActionKind, ACTIONS, "ACTIONS")
_same(TargetKind, TARGETS, "TARGETS")
_same(PriorityName, PRIORITIES, "PRIORITIES")
_same(AnchorName, ANCHORS, "ANCHORS")
_same(WindowAnchorName, [a for a in ANCHORS if a != "now"], "window anchors")

# Events that close an action's window (`expires: {on: [...]}`): the first one
# after the action's own reference moment (its due anchor; for undated rules
# the interview end). The scheduled ones are known in advance, so an
# `expires` can close a window some time ahead of them.
EVENTS: dict[str, str] = {
    "response": "a response from the company arrives",
    "follow_up": "you make a status follow-up",
    "decision_date": "the date they said they would decide",
    "second_round": "the second round starts",
    "answer_by": "the answer-by date of an offer",
}
SCHEDULED_EVENTS = frozenset({"decision_date", "second_round", "answer_by"})
_same(EventName, EVENTS, "EVENTS")
