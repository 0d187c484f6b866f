"""Interview facts: what happened, as the candidate records it.

Strict pydantic models (`extra="forbid"`): a misspelt field is an error, not
ignored data. Every time is timezone-aware. Contradictions between facts
(a thank-you before the interview, an answer before the follow-up it
answers) are reported with the path of the offending field.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import FactsError, Problem
from .limits import LIMITS, check_data
from .when import localize_naive_times
from .yamlio import Document, load_document, plain, problems_from_validation, read_text, unreadable

__all__ = [
    "Facts",
    "Candidate",
    "Position",
    "Interview",
    "Person",
    "Sent",
    "DecisionTimeline",
    "FollowUp",
    "Response",
    "Reply",
    "OtherApplication",
    "parse_facts",
    "load_facts",
    "facts_from_text",
]

Culture = Literal["formal", "casual"]
Industry = Literal[
    "technology", "finance", "healthcare", "education", "government", "retail",
    "manufacturing", "consulting", "media", "legal", "nonprofit", "hospitality", "other",
]
InterviewFormat = Literal["onsite", "video", "phone"]
HowItWent = Literal["well", "mixed", "badly"]
Role = Literal["hiring_manager", "interviewer", "recruiter", "coordinator"]
LinkedIn = Literal["none", "requested", "connected"]
NoteChannel = Literal["email", "handwritten", "letter"]
ContactChannel = Literal["email", "phone", "letter", "linkedin"]
ResponseKind = Literal["update", "offer", "second_round", "rejection"]


class _Model(BaseModel):
    # Whitespace around a value (a trailing newline from a block scalar) is stripped: harmless, so cleaned.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)


# Years a fact's time may fall in: wide enough for any interview, narrow enough that every due time
# computed from it (years of offsets, any UTC offset) stays inside what Python's datetime can hold.
YEARS = (1900, 2199)

_CONTROL_NAMES = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL character",
                  "\x0b": "a vertical tab", "\x0c": "a form feed", "\u2028": "a line separator",
                  "\u2029": "a paragraph separator", "\x85": "a next-line character"}


# Exactly the characters of Unicode categories Cc, Zl and Zp, searched in C: a loop over every
# character in Python cost a quarter of validating a batch line (tests/test_facts.py checks the set).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _single_line(value: str) -> str:
    """Names, titles, companies and addresses end up in email headers, calendar lines and file names:
    a control character there would break the channel (or add a header), so it is refused."""
    found = _CONTROL.search(value)
    if found is not None:
        ch = found.group()
        what = _CONTROL_NAMES.get(ch, f"the control character U+{ord(ch):04X}")
        raise PydanticCustomError(
            "single_line", "contains {what}: this must be one line of plain text",
            {"what": what, "hint": "remove the character (write the value on one line, without control characters)"})
    return value


# Long enough for any real name or title (and the 300-character ones the drafts channel is tested with).
Line = Annotated[str, Field(max_length=500), AfterValidator(_single_line)]

_EMAIL = re.compile(r"^[^@\s<>(),;:\\\"\[\]]+@[^@\s<>(),;:\\\"\[\]]+\.[^@\s<>(),;:\\\"\[\]]+$")


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise PydanticCustomError(
            "email", "`{value}` is not an email address",
            {"value": value[:80].encode("unicode_escape").decode("ascii"),
             "hint": "write one address such as name@example.org, without spaces, brackets or a display name"})
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_single_line), AfterValidator(_email)]


def _in_range(value: datetime) -> datetime:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise PydanticCustomError("time_range", "the year {year} is outside {first} to {last}",
                                  {"year": value.year, "first": YEARS[0], "last": YEARS[1],
                                   "hint": "check the year of this date"})
    return value


Time = Annotated[AwareDatetime, AfterValidator(_in_range)]


def _zone(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # `America` is a folder of zones: IsADirectoryError
        raise PydanticCustomError(
            "timezone", "unknown time zone `{zone}`",
            {"zone": value.encode("unicode_escape").decode("ascii"),
             "hint": "use an IANA name such as Europe/London or America/New_York"},
        ) from None
    return value


class Candidate(_Model):
    name: Line = Field(min_length=1, description="Your name, as it should appear in drafts.")
    email: Email | None = Field(default=None, description="Your email address.")
    timezone: str | None = Field(default=None, max_length=64, description="Your own IANA time zone, when it differs from the company's: "
                                 "due times and call slots are then shown in both (calls stay in the company's hours).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return _zone(value)


class Position(_Model):
    title: Line = Field(min_length=1, description="Job title applied for.")
    company: Line = Field(min_length=1, description="Company name.")
    industry: Industry = Field(description="Industry; `technology` selects tech-specific advice.")
    culture: Culture = Field(description="How formal the company is: `formal` or `casual`.")
    timezone: str = Field(max_length=64, description="The company's IANA time zone, e.g. Europe/London; due times are given in it.")
    country: str | None = Field(default=None, max_length=8, description="The company's country (ISO 3166 code such as GB, US, DE): "
                                "business days then skip its public holidays. Left out, only weekends are skipped.")
    subdivision: str | None = Field(default=None, max_length=16, description="Where holidays differ inside the country: the region's "
                                    "code, e.g. ENG or SCT for GB, NY for US.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone = _zone(value)
        assert zone is not None
        return zone

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from .businesstime import known_country

        if not known_country(value.upper()):
            raise PydanticCustomError("country", f"unknown country {value!r}: use an ISO 3166 code such as GB, US, DE or FR")
        return value.upper()

    @model_validator(mode="after")
    def _known_subdivision(self) -> Position:
        if self.subdivision is None:
            return self
        if self.country is None:
            raise PydanticCustomError("subdivision", "a subdivision needs `country` too (e.g. country: GB, subdivision: ENG)", {})
        from .businesstime import subdivisions_of

        subs = subdivisions_of(self.country)
        if self.subdivision.upper() not in subs:
            raise PydanticCustomError("subdivision", f"unknown subdivision {self.subdivision!r} of {self.country}: "
                                      f"use one of {', '.join(subs) or '(none: leave it out)'}")
        return self


class Interview(_Model):
    start: Time = Field(description="When the interview started (with UTC offset).")
    end: Time = Field(description="When it ended (with UTC offset).")
    format: InterviewFormat = Field(description="onsite, video or phone.")
    round: int = Field(default=1, ge=1, le=100, description="1 for a first interview, 2 for a second round, ...")
    went: HowItWent = Field(description="How you feel it went: well, mixed or badly.")
    still_interested: bool = Field(default=True, description="Do you still want the job?")
    notes_taken: bool = Field(default=False, description="Have you written down what was discussed?")


class Sent(_Model):
    """A note that was sent (a thank-you, a formal letter)."""

    at: Time = Field(description="When it was sent.")
    channel: NoteChannel = Field(description="email, handwritten or letter.")


class Person(_Model):
    name: Line = Field(min_length=1, description="Full name, spelt as they spell it.")
    title: Line | None = Field(default=None, description="Job title, as on their card.")
    email: Email | None = Field(default=None, description="Email address.")
    phone: Line | None = Field(default=None, description="Phone number.")
    role: Role = Field(default="interviewer", description="hiring_manager, interviewer, recruiter or coordinator.")
    contact_known: bool = Field(default=False, description="Do you have their card / full contact details?")
    linkedin: LinkedIn = Field(default="none", description="LinkedIn: none, requested or connected.")
    thank_you: Sent | None = Field(default=None, description="The thank-you sent to them, if any.")
    formal_letter: Sent | None = Field(default=None, description="The later, more formal letter, if any.")


class DecisionTimeline(_Model):
    asked: bool = Field(default=False, description="Did you ask when they will decide?")
    expected_by: Time | None = Field(default=None, description="When they said they would decide.")
    informs: Line | None = Field(default=None, description="Name of the person who will tell you.")
    channel: Literal["email", "phone", "letter"] | None = Field(default=None, description="How they will tell you.")
    call_invited: bool = Field(default=False, description="Someone told you to call them about the decision.")


class FollowUp(_Model):
    at: Time = Field(description="When you followed up.")
    channel: ContactChannel = Field(description="email, phone, letter or linkedin.")
    to: list[Line] = Field(min_length=1, description="Names of the people contacted.")
    answered: bool = Field(default=False, description="Did they answer?")
    answered_at: Time | None = Field(default=None, description="When they answered.")


class Reply(_Model):
    at: Time = Field(description="When you replied.")
    channel: ContactChannel = Field(description="How you replied.")


class Response(_Model):
    kind: ResponseKind = Field(description="update, offer, second_round or rejection.")
    at: Time = Field(description="When it arrived.")
    from_: Line | None = Field(default=None, alias="from", description="Who it came from (a name).")
    channel: ContactChannel | None = Field(default=None, description="How it arrived: email, phone, letter or linkedin.")
    replied: Reply | None = Field(default=None, description="Your reply to it, if any.")
    second_round_at: Time | None = Field(default=None, description="For a second round: when it starts.")
    panel: list[Line] = Field(default_factory=list, description="For a second round: who will interview you (names).")
    answer_by: Time | None = Field(default=None, description="For an offer: the date by which they need your answer.")


class OtherApplication(_Model):
    company: Line = Field(min_length=1)
    stage: Literal["applied", "interviewing", "offer"] = "applied"


class Facts(_Model):
    """Everything known about one interview, as of some moment."""

    candidate: Candidate
    position: Position
    interview: Interview
    interviewers: list[Person] = Field(min_length=1, description="Everyone who interviewed you.")
    arrangers: list[Person] = Field(default_factory=list, description="People who arranged the interview (recruiter, coordinator).")
    decision: DecisionTimeline = Field(default_factory=DecisionTimeline)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list)
    other_applications: list[OtherApplication] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Facts:
        problems = contradictions(self)
        if problems:
            path, message, hint = problems[0]
            # One error per raise is all pydantic allows here; parse_facts reports them all.
            raise PydanticCustomError("contradiction", message, {"path": path, "hint": hint, "all": problems})
        return self

    @property
    def people(self) -> list[Person]:
        return [*self.interviewers, *self.arrangers]

    def person(self, name: str) -> Person | None:
        key = name.casefold()
        for p in self.people:
            if p.name.casefold() == key:
                return p
        return None


def contradictions(f: Facts) -> list[tuple[tuple[str | int, ...], str, str]]:
    """Facts that cannot all be true: (path, message, fix)."""
    out: list[tuple[tuple[str | int, ...], str, str]] = []
    start, end = f.interview.start, f.interview.end
    if end < start:
        out.append((("interview", "end"), "the interview ends before it starts", "check the date and UTC offset of `end`"))
    names: dict[str, tuple[str | int, ...]] = {}
    for group in ("interviewers", "arrangers"):
        for i, p in enumerate(getattr(f, group)):
            key = p.name.casefold()
            if key in names:
                out.append(((group, i, "name"), f"{p.name!r} is listed twice", "give each person once, with one role"))
            names[key] = (group, i)
            for field in ("thank_you", "formal_letter"):
                sent = getattr(p, field)
                if sent is not None and sent.at < start:
                    out.append(((group, i, field, "at"), f"{field.replace('_', '-')} to {p.name} is dated before the interview started",
                                "a note is sent after the interview: check the date and UTC offset"))
            if p.thank_you is not None and p.formal_letter is not None and p.formal_letter.at < p.thank_you.at:
                out.append(((group, i, "formal_letter", "at"), f"the formal letter to {p.name} is dated before the thank-you",
                            "the formal letter follows the thank-you: check both dates"))
    d = f.decision
    if d.expected_by is not None and d.expected_by < start:
        out.append((("decision", "expected_by"), "the decision is expected before the interview started", "check the date"))
    if d.informs is not None and d.informs.casefold() not in names:
        out.append((("decision", "informs"), f"{d.informs!r} is not one of the interviewers or arrangers",
                    f"use one of: {', '.join(p.name for p in f.people)}, or add them"))
    if (d.expected_by is not None or d.informs is not None) and not d.asked:
        out.append((("decision", "asked"), "a decision date or contact is recorded but `asked` is false",
                    "set `asked: true` (you know the timeline, so it was asked or told)"))
    for i, fu in enumerate(f.follow_ups):
        if fu.at < end:
            out.append((("follow_ups", i, "at"), "a follow-up is dated before the interview ended", "check the date and UTC offset"))
        for j, who in enumerate(fu.to):
            if who.casefold() not in names:
                out.append((("follow_ups", i, "to", j), f"{who!r} is not one of the interviewers or arrangers",
                            f"use one of: {', '.join(p.name for p in f.people)}"))
        if fu.answered_at is not None:
            if not fu.answered:
                out.append((("follow_ups", i, "answered"), "`answered_at` is set but `answered` is false", "set `answered: true`"))
            if fu.answered_at < fu.at:
                out.append((("follow_ups", i, "answered_at"), "the answer is dated before the follow-up it answers",
                            "check both dates and their UTC offsets"))
    for i, r in enumerate(f.responses):
        if r.at < start:
            out.append((("responses", i, "at"), "a response is dated before the interview started", "check the date"))
        if r.from_ is not None and r.from_.casefold() not in names:
            out.append((("responses", i, "from"), f"{r.from_!r} is not one of the interviewers or arrangers",
                        f"use one of: {', '.join(p.name for p in f.people)}"))
        if r.replied is not None and r.replied.at < r.at:
            out.append((("responses", i, "replied", "at"), "your reply is dated before the response it answers", "check both dates"))
        if r.second_round_at is not None and r.kind != "second_round":
            out.append((("responses", i, "second_round_at"), "`second_round_at` is only for a response of kind second_round",
                        "remove it or set `kind: second_round`"))
        if r.panel and r.kind != "second_round":
            out.append((("responses", i, "panel"), "`panel` is only for a response of kind second_round",
                        "remove it or set `kind: second_round`"))
        if r.second_round_at is not None and r.second_round_at < r.at:
            out.append((("responses", i, "second_round_at"), "the second round is dated before the invitation arrived",
                        "check the date and UTC offset"))
        if r.answer_by is not None and r.kind != "offer":
            out.append((("responses", i, "answer_by"), "`answer_by` is only for a response of kind offer",
                        "remove it or set `kind: offer`"))
        if r.answer_by is not None and r.answer_by < r.at:
            out.append((("responses", i, "answer_by"), "the answer-by date is before the offer arrived",
                        "check the date and UTC offset"))
    return out


def parse_facts(data: Any, *, file: str | None = None, doc: Document | None = None) -> Facts:
    """Validate facts given as a dict (or JSON text); raise :class:`FactsError` listing every problem."""
    text: str | None = None
    if isinstance(data, (str, bytes)):
        if len(data) > LIMITS.file_bytes:
            raise FactsError(Problem(f"the facts are more than {LIMITS.file_bytes:,} bytes", file=file, code="too_large",
                                     hint="a facts document is a few KB: check that this is the right input"), source=file)
    else:
        text = _plainly_bounded(data)
        if text is None:
            bounded = check_data(data)
            if bounded is not None:
                raise FactsError(bounded if doc is None else doc.problem(bounded.path, bounded.message, bounded.hint,
                                                                         code=bounded.code), source=file)
    refused: ValidationError | None = None
    if text is not None:
        # Times written with their offset, as machines write them, need no walk: text that validates
        # has no time without one (it would be refused as naive), so the walk below would change nothing.
        try:
            return Facts.model_validate_json(text)
        except ValidationError as exc:
            refused = exc
    try:
        if not isinstance(data, (str, bytes)):
            # A time written without an offset is read in the company's zone (see when.py).
            localized = localize_naive_times(data, Facts)
            if refused is not None and localized == data:
                raise refused
            data = localized
            # Python objects are validated in JSON mode, so ISO strings are accepted as times,
            # exactly as from a file, while strictness still refuses "3" for 3.
            data = _dumps(data)
        return Facts.model_validate_json(data)
    except TypeError as exc:
        raise FactsError(Problem(message=str(exc), file=file, hint="give plain values: text, numbers, true/false, "
                                 "lists, mappings, and times as ISO 8601 text or timezone-aware datetimes",
                                 code="type"), source=file) from None
    except ValidationError as exc:
        problems = [p for p in problems_from_validation(exc, doc, model=Facts) if p.code != "contradiction"]
        for path, message, hint in _contradictions_of(exc):
            problems.append(doc.problem(path, message, hint, code="contradiction") if doc is not None
                            else Problem(message=message, path=tuple(path), hint=hint, code="contradiction"))
        raise FactsError(problems, source=file) from None


def _dumps(data: Any) -> str:
    return _ENCODER.encode(data)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _plainly_bounded(data: Any) -> str | None:
    """The JSON text of `data` when that alone shows it within every bound check_data checks, else None.

    Every value takes at least a character of the text and every list or mapping an opening
    bracket, so a short text with few brackets cannot break a bound: the walk over the data is
    then not needed. Anything unusual (a value JSON cannot carry, a cycle, a lone surrogate)
    gets None, and the checks and errors of the full path.
    """
    try:
        text = _dumps(data)
    except (TypeError, ValueError, RecursionError):
        return None
    if (len(text) > min(LIMITS.string_chars, LIMITS.items, LIMITS.nodes)
            or text.count("[") + text.count("{") >= LIMITS.depth
            or (not text.isascii() and _SURROGATE.search(text) is not None)):
        return None
    return text


def _contradictions_of(exc: ValidationError) -> list[tuple[Any, str, str]]:
    # The model validator can raise only one error; it carries every contradiction found.
    for err in exc.errors():
        if err["type"] == "contradiction":
            return [(tuple(p), m, h) for p, m, h in (err.get("ctx") or {}).get("all", [])]
    return []


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # a naive one is then reported as lacking its offset
    raise TypeError(f"cannot represent {type(value).__name__} {value!r} in facts")


# What json.dumps(data, default=_json_default, ensure_ascii=False) builds on every call, made once.
_ENCODER = json.JSONEncoder(default=_json_default, ensure_ascii=False)


def load_facts(source: str | os.PathLike[str]) -> Facts:
    """Read facts from a YAML or JSON file (`-` for stdin); errors carry file:line:col."""
    try:
        text, name = read_text(source)
    except OSError as exc:
        raise FactsError(unreadable(exc, source, "facts"), source=str(source)) from None
    return facts_from_text(text, name)


def facts_from_text(text: str, name: str | None = None) -> Facts:
    """Facts from the text of a YAML or JSON file; errors carry `name`:line:col."""
    doc, problem = load_document(text, name)
    if problem is not None:
        raise FactsError(problem, source=name)
    assert doc is not None
    if not isinstance(doc.data, dict):
        raise FactsError(doc.problem((), "facts must be a mapping with candidate, position, interview, interviewers, ...",
                                     "start from one of the files in examples/"), source=name)
    return parse_facts(plain(doc.data), file=name, doc=doc)
