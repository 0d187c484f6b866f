"""Checking a pack's draft templates before anyone uses them (`followup validate`).

Each template in the pack's own ``templates/`` folders is compiled, then
rendered against sample interviews (casual and formal, interested and not,
with and without a decision date, every medium its action can take, a panel
of eight plus two arrangers), so a template that breaks a limit, refers to
unknown data or fails for some person is found at validation, located at its
file and line, instead of at the first `advise --to drafts`.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from .catalogue import ACTIONS
from .drafts import BUILTIN_TEMPLATES, DRAFT_KINDS, environment, pack_template_dirs, render_draft, variants
from .errors import Problem
from .facts import Facts, parse_facts
from .results import Action
from .sandbox import TemplateError

__all__ = ["template_problems", "sample_facts"]

_VALIDATION_SECONDS = 10.0  # for all samples of one template; each render has its own limits too


def sample_facts(*, formal: bool = False, interested: bool = True) -> Facts:
    """An interview with a panel of eight and two arrangers, names and titles as varied as real ones."""
    people = [("Dana Lee", "Engineering Manager", "hiring_manager"), ("Priya Natarajan", "Staff Engineer", "interviewer"),
              ("Tomás Ó Briain", "Product Lead", "interviewer"), ("Ngozi Okafor-Adeyemi", None, "interviewer"),
              ("Wei Zhang", "Data Scientist", "interviewer"), ("Jürgen Müller", "Head of Platform", "interviewer"),
              ("María José García", "Designer", "interviewer"), ("Li", None, "interviewer")]
    data: dict[str, Any] = {
        "candidate": {"name": "Sam Rivera", "email": "sam@example.org"},
        "position": {"title": "Senior Backend Engineer", "company": "Northwind Analytics",
                     "industry": "finance" if formal else "technology", "culture": "formal" if formal else "casual",
                     "timezone": "Europe/London"},
        "interview": {"start": "2026-11-17T13:00:00+00:00", "end": "2026-11-17T15:00:00+00:00", "format": "onsite",
                      "went": "mixed" if formal else "well", "still_interested": interested},
        "interviewers": [{"name": n, "role": r, **({"title": t} if t else {}),
                          **({"email": f"p{i}@example.com"} if i % 3 else {})} for i, (n, t, r) in enumerate(people)],
        "arrangers": [{"name": "Alex Chen", "title": "Technical Recruiter", "role": "recruiter", "email": "alex@example.com"},
                      {"name": "Sofía Pérez", "role": "coordinator"}],
    }
    if formal:
        data["decision"] = {"asked": True, "expected_by": "2026-11-24T17:00:00+00:00", "informs": "Dana Lee"}
        data["follow_ups"] = [{"at": "2026-11-25T10:00:00+00:00", "channel": "email", "to": ["Dana Lee"]}]
        data["responses"] = [{"kind": "rejection", "at": "2026-11-27T10:00:00+00:00", "from": "Dana Lee"}]
    return parse_facts(data)


def _action(kind: str, medium: str, person: Any, at: datetime) -> Action:
    return Action.model_validate({
        "rank": 1, "rule": f"sample-{kind}", "pack": "sample", "kind": kind, "avoid": False,
        "title": kind.replace("_", " "), "channel": medium, "priority": "normal", "score": 0, "urgency": "today",
        "due": at, "rationale": "sample", "sources": [],
        "target": {"kind": "each_interviewer", "name": person.name, "title": person.title, "email": person.email,
                   "role": person.role}})


def template_problems(origin: str | Path, name: str) -> list[Problem]:
    """Every problem in the draft templates of the pack file at `origin` (named `name`), located."""
    own = [d for d in pack_template_dirs(origin, name) if d.is_dir()]
    if not own:
        return []
    env = environment([*own, BUILTIN_TEMPLATES])
    problems: list[Problem] = []
    referenced: set[str] = set()
    files: dict[str, Path] = {}
    for folder in own:
        for path in sorted(folder.glob("*.j2")):
            files.setdefault(path.name, path)
    for fname in files:
        try:
            source = env.loader.get_source(env, fname)[0] if env.loader else ""
            referenced |= {r for r in jinja2.meta.find_referenced_templates(env.parse(source)) if r}
        except TemplateError as exc:
            problems += exc.problems
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(f"template syntax: {exc.message}", file=str(files[fname]), line=exc.lineno,
                                    hint="fix the template (jinja2 syntax)", code="template"))
    bad = {p.file for p in problems}
    for fname, path in files.items():
        kind = fname.removesuffix(".txt.j2")
        if kind not in DRAFT_KINDS:
            if fname not in referenced and str(path) not in bad:
                problems.append(Problem(f"{fname} is not a draft kind's template and no template includes it",
                                        file=str(path), severity="warning", code="template-unused",
                                        hint=f"name it <kind>.txt.j2 for one of: {', '.join(DRAFT_KINDS)}"))
            continue
        if str(path) in bad:
            continue
        found = _render_samples(env, fname, kind)
        if found is not None:
            problems.append(found)
    return problems


def _render_samples(env: Any, fname: str, kind: str) -> Problem | None:
    deadline = time.monotonic() + _VALIDATION_SECONDS
    letters: dict[str, str] = {}  # what each interviewer of the first sample gets, names blanked
    try:
        template = env.template(fname)
        for formal, interested in ((False, True), (True, False)):
            facts = sample_facts(formal=formal, interested=interested)
            now = facts.interview.end
            numbers = variants(facts)
            for medium in ACTIONS[kind].channels:
                for person in facts.people:
                    draft = render_draft(env, template, _action(kind, medium, person, now), person, facts, now,
                                         numbers[person.name.casefold()])
                    if not formal and medium == ACTIONS[kind].channels[0] and person in facts.interviewers:
                        letters[person.name] = _blanked(draft.body, facts)
                    if time.monotonic() > deadline:
                        return Problem(f"rendering {fname} for the sample interviews takes over {_VALIDATION_SECONDS:g} s",
                                       file=str(template.filename), severity="warning", code="template-slow",
                                       hint="simplify the template; a draft renders in milliseconds")
    except TemplateError as exc:
        return exc.problems[0]
    if kind in _ONE_EACH:
        seen: dict[str, str] = {}
        for name, letter in letters.items():
            if letter in seen:
                return Problem(f"{fname} gives {seen[letter]} and {name} the same letter apart from their names "
                               "(a panel of eight was tried)", file=str(template.filename), severity="warning",
                               code="template-same-letter",
                               hint="each person should get a different letter (ADVICE.md T1): vary the wording "
                                    "with `variant`, a number 0-11 that differs for each person")
            seen[letter] = name
    return None


# Kinds where each person should get their own letter (T1, F5, T8).
_ONE_EACH = ("thank_you", "second_follow_up", "formal_letter")


def _blanked(text: str, facts: Facts) -> str:
    for p in facts.people:
        for part in sorted({p.name, *p.name.split(), p.title or ""}, key=len, reverse=True):
            if part:
                text = text.replace(part, "X")
    return text
