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

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pluggy

from .errors import ChannelError, Problem
from .facts import Facts, Person
from .results import Action, Advice
from .sandbox import BoundedEnvironment, TemplateError, plain_data

__all__ = ["DRAFT_KINDS", "Draft", "render_drafts", "render_draft", "draft_data", "environment", "template_dirs",
           "pack_template_dirs", "BUILTIN_TEMPLATES"]

DRAFT_KINDS = ("thank_you", "formal_letter", "status_check", "second_follow_up", "thank_after_rejection")


@dataclass(frozen=True)
class Draft:
    action: Action
    person: Person
    subject: str
    body: str
    template: str

    @property
    def filename(self) -> str:
        return f"{self.action.rank:02d}-{self.action.kind}-{slug(self.person.name)}.txt"

    def text(self) -> str:
        to = self.person.name + (f" <{self.person.email}>" if self.person.email else "")
        return f"To: {to}\nSubject: {self.subject}\n\n{self.body.rstrip()}\n"


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "person"


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
    variants: dict[str, int] = {}
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
            variant = variants.get(action.kind, 0)
            variants[action.kind] = variant + 1
            drafts.append(render_draft(env, template, action, person, facts, now, variant))
    return drafts


def render_draft(env: BoundedEnvironment, template: jinja2.Template, action: Action, person: Person, facts: Facts,
                 now: datetime, variant: int) -> Draft:
    data = draft_data(action, person, facts, now, variant)
    text = env.render(template, data, what=f"the {action.kind} draft for {person.name}")
    head, _, body = text.lstrip().partition("\n\n")
    if not head.startswith("Subject:"):
        raise TemplateError(Problem("the first line must be `Subject: ...` followed by a blank line",
                                    file=str(template.filename), line=1,
                                    hint="start the template with a Subject: line", code="template"))
    return Draft(action, person, _one_line(head.removeprefix("Subject:")), _tidy(body), str(template.filename))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(body: str) -> str:
    """Collapse the blank lines left by template conditionals."""
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
