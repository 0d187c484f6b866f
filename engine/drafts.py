"""Personalised message drafts for thank-you and follow-up actions (jinja2, sandboxed).

Templates are ``<action_kind>.txt.j2``; the first line is ``Subject: ...``,
then a blank line, then the body. They are looked up, first match wins, in:
the ``templates=`` folder given to the channel, the pack's own folder
(``<pack dir>/templates/<pack name>/`` then ``<pack dir>/templates/``),
folders from ``followup_draft_templates`` plugins, and the built-in
``followup/policies/templates/``.
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
from jinja2.sandbox import SandboxedEnvironment

from .errors import ChannelError
from .facts import Facts, Person
from .results import Action, Advice

__all__ = ["DRAFT_KINDS", "Draft", "render_drafts", "template_dirs"]

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


def template_dirs(advice: Advice, pm: pluggy.PluginManager | None = None, override: str | Path | None = None) -> list[Path]:
    dirs: list[Path] = []
    if override is not None:
        dirs.append(Path(override).expanduser())
    origin = Path(advice.pack.origin)
    if origin.suffix in (".yaml", ".yml"):
        dirs += [origin.parent / "templates" / advice.pack.name, origin.parent / "templates"]
    if pm is not None:
        for contributed in reversed(pm.hook.followup_draft_templates()):
            dirs += [Path(p) for p in contributed]
    dirs.append(Path(str(resources.files("followup.policies") / "templates")))
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d not in seen:
            seen.append(d)
    return seen


def _environment(dirs: list[Path]) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not a silent blank
        autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["first_name"] = lambda name: str(name).split()[0] if str(name).split() else str(name)
    env.filters["and_list"] = lambda items: (", ".join(list(items)[:-1]) + " and " + list(items)[-1]
                                             if len(list(items)) > 1 else "".join(items))
    env.filters["a"] = lambda noun: ("an " if str(noun)[:1].lower() in "aeiou" else "a ") + str(noun)
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


def render_drafts(advice: Advice, facts: Facts, *, pm: pluggy.PluginManager | None = None,
                  templates: str | Path | None = None) -> list[Draft]:
    """One draft per person for every draftable action (thank-you, formal letter, status check, ...)."""
    env = _environment(template_dirs(advice, pm, templates))
    tz = ZoneInfo(facts.position.timezone)
    now = advice.at.astimezone(tz)
    start = facts.interview.start.astimezone(tz)
    variants: dict[str, int] = {}
    latest = max(facts.responses, key=lambda r: r.at) if facts.responses else None
    drafts = []
    for action in advice.actions:
        if action.avoid or action.kind not in DRAFT_KINDS:
            continue
        name = f"{action.kind}.txt.j2"
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound:
            raise ChannelError(f"no draft template {name} in {', '.join(str(d) for d in template_dirs(advice, pm, templates))}: "
                               "add one (copy it from followup/policies/templates/)") from None
        except jinja2.TemplateSyntaxError as exc:
            raise ChannelError(f"{exc.filename}:{exc.lineno}: template error: {exc.message}; fix the template") from None
        for person in _recipients(action, facts):
            variant = variants.get(action.kind, 0)
            variants[action.kind] = variant + 1
            others = [p.name for p in facts.interviewers if p.name != person.name]
            context: dict[str, Any] = {
                "candidate": facts.candidate,
                "position": facts.position,
                "interview": facts.interview,
                "person": person,
                "first_name": person.name.split()[0],
                "formal": facts.position.culture == "formal",
                "variant": variant,
                "others": others,
                "day": _day_phrase(start, now),
                "interview_date": f"{start:%A} {start.day} {start:%B}",
                "decision": facts.decision,
                "decision_date": (f"{facts.decision.expected_by.astimezone(tz):%A} {facts.decision.expected_by.astimezone(tz).day} "
                                  f"{facts.decision.expected_by.astimezone(tz):%B}") if facts.decision.expected_by else None,
                "follow_ups": facts.follow_ups,
                "response": latest,
                "action": action,
            }
            try:
                text = template.render(context)
            except jinja2.TemplateError as exc:
                raise ChannelError(f"{template.filename}: cannot render the {action.kind} draft for {person.name}: "
                                   f"{exc}; fix the template") from None
            head, _, body = text.lstrip().partition("\n\n")
            if not head.startswith("Subject:"):
                raise ChannelError(f"{template.filename}: the first line must be `Subject: ...` followed by a blank line")
            drafts.append(Draft(action, person, head.removeprefix("Subject:").strip(), _tidy(body), str(template.filename)))
    return drafts


def _tidy(body: str) -> str:
    """Collapse the blank lines left by template conditionals."""
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
