"""Personalised message drafts for thank-you and follow-up actions (jinja2, bounded sandbox).

Templates are ``<action_kind>.txt.j2``; the first line is ``Subject: ...``,
then a blank line, then the body. They are looked up, first match wins, in:
the ``templates=`` folder given to the channel, the pack's own folder
(``<pack dir>/templates/<pack name>/`` then ``<pack dir>/templates/``),
folders from ``followup_draft_templates`` plugins, and the built-in
``followup/policies/templates/``.

Templates are input from strangers: they get plain data built here (dicts,
lists, strings, numbers; see :func:`draft_data`) and run in
:class:`followup.sandbox.BoundedEnvironment`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pluggy

from .draftlint import draft_mistakes
from .errors import ChannelError, Problem
from .facts import Facts, Person
from .results import Action, Advice
from .sandbox import BoundedEnvironment, TemplateError, plain_data

__all__ = ["DRAFT_KINDS", "VARIANTS", "Draft", "render_drafts", "render_draft", "draft_data", "environment",
           "template_dirs", "pack_template_dirs", "BUILTIN_TEMPLATES", "header_value", "slug", "variants"]

DRAFT_KINDS = ("thank_you", "formal_letter", "status_check", "second_follow_up", "thank_after_rejection")


# How many different letters the built-in templates guarantee: `variant` runs 0..VARIANTS-1 and
# people in one set of facts get different numbers (up to this many people).
VARIANTS = 12
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Draft:
    """One message to one person, shaped for its medium (email, card, letter or call)."""

    action: Action
    person: Person
    subject: str
    body: str
    template: str
    medium: str = "email"
    head: tuple[str, ...] = ()  # the lines above the body: To:/Subject:, a letter's addresses and date, a call's notes
    filename: str = ""

    def text(self) -> str:
        top = "\n".join(self.head)
        return (top + "\n\n" if top else "") + self.body.rstrip() + "\n"


def header_value(text: str) -> str:
    """One line of header text: a CR/LF (or any control character) in a name never starts a new header line."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _head(medium: str, subject: str, person: Person, facts: Facts, action: Action, now: datetime) -> tuple[str, ...]:
    h = header_value
    if medium == "email":
        to = h(person.name) + (f" <{h(person.email)}>" if person.email else "")
        return (f"To: {to}", f"Subject: {h(subject)}")
    if medium == "letter":
        sender = [h(facts.candidate.name), "[your address]"] + ([h(facts.candidate.email)] if facts.candidate.email else [])
        address = [h(person.name)] + ([h(person.title)] if person.title else []) + [h(facts.position.company), "[their address]"]
        return (*sender, "", f"{now.day} {now:%B %Y}", "", *address, "", f"Re: {h(subject)}")
    if medium == "phone":
        when = action.suggested_at or action.due
        tz = ZoneInfo(facts.position.timezone)
        at = f"{_long_date(when.astimezone(tz))}, {when.astimezone(tz):%H:%M}" if when else "when they are likely to be free"
        who = h(person.name) + (f" ({h(person.title)})" if person.title else "")
        return (f"Call: {who} on {h(person.phone) if person.phone else '[their number]'}",
                f"When: {at} (not first thing, over lunch or at the end of the day)", f"About: {h(subject)}")
    return ()  # a handwritten card: just the message


def slug(name: str) -> str:
    """A file-name-safe form of a name, stable across runs, short enough for any file system.

    Names that lose letters on the way to ASCII (other scripts) or are cut to
    length get a short hash of the whole name, so two people never share a slug.
    """
    folded = unicodedata.normalize("NFKD", name)
    ascii_name = folded.encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    lossy = sum(c.isalnum() for c in folded if not unicodedata.combining(c)) != sum(c.isalnum() for c in ascii_name)
    if not base or lossy or len(base) > 40:
        digest = hashlib.sha256(name.casefold().encode()).hexdigest()[:8]
        base = f"{base[:40].rstrip('-')}-{digest}".lstrip("-")
    return base


def variants(facts: Facts) -> dict[str, int]:
    """A number 0..VARIANTS-1 per person, from a stable hash of who they are: the same person gets the same
    letter on every run, and people in one set of facts get different numbers (up to VARIANTS of them)."""
    def key(p: Person) -> int:
        basis = f"{facts.candidate.name}|{facts.position.company}|{p.name}".casefold()
        return int.from_bytes(hashlib.sha256(basis.encode()).digest()[:8], "big")

    taken: dict[int, str] = {}
    out: dict[str, int] = {}
    for p in sorted(facts.people, key=key):
        slot = key(p) % VARIANTS
        if len(taken) < VARIANTS:
            while slot in taken:
                slot = (slot + 1) % VARIANTS
        taken[slot] = p.name
        out[p.name.casefold()] = slot
    return out


BUILTIN_TEMPLATES = Path(str(resources.files("followup.policies") / "templates"))


def pack_template_dirs(origin: str | Path, name: str) -> list[Path]:
    """The folders a pack file's own templates live in: ``templates/<pack name>/`` then ``templates/`` beside it."""
    path = Path(origin)
    if path.suffix not in (".yaml", ".yml"):
        return []
    return [path.parent / "templates" / name, path.parent / "templates"]


def template_dirs(advice: Advice, pm: pluggy.PluginManager | None = None, override: str | Path | None = None) -> list[Path]:
    dirs: list[Path] = []
    if override is not None:
        dirs.append(Path(override).expanduser())
    if advice.pack.path is not None:
        dirs += pack_template_dirs(advice.pack.path, advice.pack.name)
    if pm is not None:
        for contributed in reversed(pm.hook.followup_draft_templates()):
            dirs += [Path(p) for p in contributed]
    dirs.append(BUILTIN_TEMPLATES)
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d not in seen:
            seen.append(d)
    return seen


def _first_name(name: Any) -> str:
    words = str(name).split()
    return words[0] if words else str(name)


def _and_list(items: Any) -> str:
    names = [str(i) for i in items]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _article(noun: Any) -> str:
    return ("an " if str(noun)[:1].lower() in "aeiou" else "a ") + str(noun)


def environment(dirs: list[Path]) -> BoundedEnvironment:
    env = BoundedEnvironment(dirs)
    env.filters.update(first_name=_first_name, and_list=_and_list, a=_article)
    return env


def _day_phrase(day: datetime, now: datetime) -> str:
    delta = (now.date() - day.date()).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "yesterday"
    if 1 < delta < 7:
        return f"on {day:%A}"
    return f"on {day:%A} {day.day} {day:%B}"


def _recipients(action: Action, facts: Facts) -> list[Person]:
    if action.target.name:
        p = facts.person(action.target.name)
        return [p] if p is not None else []
    # An action for the company goes to whoever gives the decision, else the hiring manager.
    who = facts.person(facts.decision.informs) if facts.decision.informs else None
    hm = next((p for p in facts.interviewers if p.role == "hiring_manager"), facts.interviewers[0])
    return [who or hm]


def _long_date(day: datetime) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def draft_data(action: Action, person: Person, facts: Facts, now: datetime, variant: int) -> dict[str, Any]:
    """What a template sees: plain data only (no objects, nothing with methods of its own)."""
    tz = ZoneInfo(facts.position.timezone)
    start = facts.interview.start.astimezone(tz)
    latest = max(facts.responses, key=lambda r: r.at) if facts.responses else None
    expected = facts.decision.expected_by.astimezone(tz) if facts.decision.expected_by else None
    data: dict[str, Any] = {
        "candidate": facts.candidate.model_dump(mode="json"),
        "position": facts.position.model_dump(mode="json"),
        "interview": {**facts.interview.model_dump(mode="json"), "date": _long_date(start)},
        "person": {**person.model_dump(mode="json", include={"name", "title", "email", "phone", "role"}),
                   "first_name": _first_name(person.name),
                   "arranged": any(p.name == person.name for p in facts.arrangers)},
        "first_name": _first_name(person.name),
        "formal": facts.position.culture == "formal",
        "interested": facts.interview.still_interested,
        "medium": action.channel,
        "variant": variant,
        "others": [p.name for p in facts.interviewers if p.name != person.name],
        "day": _day_phrase(start, now),
        "today": _long_date(now),
        "interview_date": _long_date(start),
        "decision": facts.decision.model_dump(mode="json", exclude={"expected_by"}) | {
            "expected_by": expected.isoformat() if expected else None},
        "decision_date": _long_date(expected) if expected else None,
        "follow_ups": [{**fu.model_dump(mode="json"), "date": _long_date(fu.at.astimezone(tz))} for fu in facts.follow_ups],
        "response": None if latest is None else {**latest.model_dump(mode="json", by_alias=True),
                                                  "date": _long_date(latest.at.astimezone(tz))},
        "action": action.model_dump(mode="json", include={"rank", "rule", "pack", "kind", "title", "channel", "due"}),
    }
    return plain_data(data)  # type: ignore[no-any-return]


def render_drafts(advice: Advice, facts: Facts, *, pm: pluggy.PluginManager | None = None,
                  templates: str | Path | None = None) -> list[Draft]:
    """One draft per person for every draftable action (thank-you, formal letter, status check, ...).

    Raises :class:`followup.sandbox.TemplateError` (located at the template's file
    and line) when a template does not compile, breaks a limit or fails to render.
    """
    dirs = template_dirs(advice, pm, templates)
    env = environment(dirs)
    now = advice.at.astimezone(ZoneInfo(facts.position.timezone))
    numbers = variants(facts)
    slugs: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    drafts = []
    for action in advice.actions:
        if action.avoid or action.kind not in DRAFT_KINDS:
            continue
        name = f"{action.kind}.txt.j2"
        try:
            template = env.template(name)
        except jinja2.TemplateNotFound:
            raise ChannelError(f"no draft template {name} in {', '.join(str(d) for d in dirs)}: "
                               "add one (copy it from followup/policies/templates/)") from None
        for person in _recipients(action, facts):
            if (action.kind, person.name) in seen:  # a company action landing on someone already drafted for
                continue
            seen.add((action.kind, person.name))
            draft = render_draft(env, template, action, person, facts, now, numbers.get(person.name.casefold(), 0))
            drafts.append(replace(draft, filename=f"{action.kind}-{_unique_slug(person.name, slugs)}.txt"))
    return drafts


def _unique_slug(name: str, slugs: dict[str, str]) -> str:
    s = slug(name)
    if slugs.get(s, name) != name:  # two people whose names fold to one slug: tell them apart by hash
        s = f"{s[:40]}-{hashlib.sha256(name.casefold().encode()).hexdigest()[:8]}"
    slugs.setdefault(s, name)
    return s


def render_draft(env: BoundedEnvironment, template: jinja2.Template, action: Action, person: Person, facts: Facts,
                 now: datetime, variant: int) -> Draft:
    """One draft, rendered, shaped for its medium and checked against the facts (names, titles, interest)."""
    data = draft_data(action, person, facts, now, variant)
    text = env.render(template, data, what=f"the {action.kind} draft for {person.name}")
    head, _, body = text.lstrip().partition("\n\n")
    if not head.startswith("Subject:"):
        raise TemplateError(Problem("the first line must be `Subject: ...` followed by a blank line",
                                    file=str(template.filename), line=1,
                                    hint="start the template with a Subject: line", code="template"))
    subject, body = header_value(head.removeprefix("Subject:")), _tidy(body)
    mistakes = draft_mistakes(subject + "\n" + body, person, facts)
    if mistakes:
        raise TemplateError(Problem(f"the {action.kind} draft for {person.name} {'; and '.join(mistakes)}",
                                    file=str(template.filename), code="draft-facts",
                                    hint="take names and titles from `person`, `candidate` and `others` as given, "
                                         "and check `interested` before saying the candidate wants the job"))
    medium = action.channel if action.channel in ("email", "letter", "handwritten", "phone") else "email"
    return Draft(action, person, subject, body, str(template.filename), medium,
                 _head(medium, subject, person, facts, action, now), f"{action.kind}-{slug(person.name)}.txt")


def _tidy(body: str) -> str:
    """Collapse the blank lines left by template conditionals."""
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
