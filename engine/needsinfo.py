"""What is missing: the unknown facts whose answer would most change the top of the advice.

Each unknown the facts leave open (no decision date, nobody named to give
the decision, no hiring manager marked, an email address or contact details
not known, no country for the public holidays) is a question to ask, with a few plausible answers. Every answer
is evaluated (the facts changed as `--what-if` would change them, at the
same moment, under the same pack) and compared with the advice as it is; a
question matters as much as its answer that changes the top of the ranking
most. The number of evaluations is bounded (`limit`), and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from .compiler import CompiledPack
from .facts import Facts
from .inputs import FactsInput, coerce_facts, resolve_at
from .results import Advice, PackRef, Result
from .whatif import DATE_ONLY_TIME, ActionChange, advice_diff, apply_changes

if TYPE_CHECKING:
    from .engine import Engine
    from .whynot import PackSpec

__all__ = ["NeedsInfo", "Question", "Answer", "needs_info", "short_line", "unknowns", "impact", "DEFAULT_LIMIT", "MATTERS"]

DEFAULT_LIMIT = 30  # evaluations, the advice as it is included


class Answer(Result):
    """One possible answer to a question, and what it would do to the advice."""

    answer: str = Field(description="The answer in words, e.g. `they name a date a week away (Tue 24 Nov)`.")
    edits: list[str] = Field(description="The answer as --what-if changes.")
    impact: float = Field(description="How much the ranking changes, weighted to its top: 10/rank per action added, removed "
                                      "or moved, 5/rank per due time changed, 10 more if the first action changes.")
    first_before: str | None
    first_after: str | None
    changes: list[ActionChange] = Field(description="Every action the answer adds, removes, moves or re-times.")
    summary: str = Field(description="What changes, in one sentence.")


class Question(Result):
    """An unknown fact, the question that settles it, and what each answer would change."""

    id: str = Field(description="A stable id, e.g. `decision-date` or `email:Tomás Ó Briain`.")
    fact: str = Field(description="The facts field that is unknown, e.g. `decision.expected_by`.")
    todo: str = Field(description="What to do, e.g. `Ask when they will decide`.")
    ask: str = Field(description="The question to ask, e.g. `Did they say when they will decide?`.")
    impact: float = Field(description="The largest impact of its answers.")
    answers: list[Answer]


class NeedsInfo(Result):
    """The questions whose answers would most change the top of the advice, most first."""

    schema_version: Literal[1] = 1
    pack: PackRef
    at: datetime
    questions: list[Question] = Field(description="Those whose answers change the top of the ranking, most first.")
    no_difference: list[str] = Field(description="Unknowns checked whose answers would not change the top now (their `todo`).")
    not_checked: list[str] = Field(description="Unknowns left unchecked because the evaluation budget ran out.")
    evaluations: int = Field(description="Evaluations run, the advice as it is included.")
    limit: int

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


@dataclass(frozen=True)
class _Unknown:
    id: str
    fact: str
    todo: str
    ask: str
    answers: list[tuple[str, list[str]]]


def _slug(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", plain.casefold()).strip(".") or "someone"


def _day(at: datetime, days: int) -> datetime:
    return datetime.combine(at.date() + timedelta(days=days), DATE_ONLY_TIME, at.tzinfo)


def unknowns(facts: Facts, at: datetime) -> list[_Unknown]:
    """The open questions of `facts`, case-wide first, each with its plausible answers (as --what-if changes)."""
    out: list[_Unknown] = []
    d = facts.decision
    if d.expected_by is None:
        soon = _day(at, 7)
        answers = [(f"they name a date a week away ({soon:%a %d %b})", [f"decision.expected_by={soon.isoformat()}"])]
        past = _day(at, -1)
        if past > facts.interview.end:
            answers.append((f"the date they named has passed ({past:%a %d %b})", [f"decision.expected_by={past.isoformat()}"]))
        if not d.asked:
            answers.append(("they give no date", []))
        asked = [] if d.asked else ["decision.asked=true"]
        out.append(_Unknown("decision-date", "decision.expected_by",
                            "Ask when they will decide" if not d.asked else "Find out when they will decide",
                            "Did they say when they will decide?",
                            [(label, asked + edits) for label, edits in answers]))
    # Not yet asked, "ask when they will decide" covers who will tell, too.
    if d.asked and d.informs is None and len(facts.people) > 1:
        hm = next((p for p in facts.interviewers if p.role == "hiring_manager"), facts.interviewers[0])
        others = [p for p in facts.people if p is not hm][:3]
        out.append(_Unknown("decision-contact", "decision.informs", "Ask who will tell you the decision",
                            "Who will let you know their decision?",
                            [(f"{p.name} will", [f"decision.informs={_quote(p.name)}"]) for p in others]))
    if len(facts.interviewers) > 1 and not any(p.role == "hiring_manager" for p in facts.interviewers):
        out.append(_Unknown("hiring-manager", "interviewers[].role", "Find out who the hiring manager is",
                            "Which of your interviewers is the hiring manager?",
                            [(f"{p.name} is", [f"interviewers[{i}].role=hiring_manager"])
                             for i, p in enumerate(facts.interviewers) if i][:3]))
    country = country_of_zone(facts.position.timezone) if facts.position.country is None else None
    if country is not None:
        out.append(_Unknown("country", "position.country", "Record the company's country",
                            "Which country is the company in (whose public holidays does it keep)?",
                            [(f"it is in {country} (from its time zone)", [f"position.country={country}"])]))
    for group in ("interviewers", "arrangers"):
        for i, p in enumerate(getattr(facts, group)):
            address = f"{_slug(p.name)}@address.invalid"
            if p.email is None:
                answers = [("you get the address", [f"{group}[{i}].email={address}"])]
                if not p.contact_known:
                    answers.append(("you get their card (address and title)",
                                    [f"{group}[{i}].email={address}", f"{group}[{i}].contact_known=true"]))
                out.append(_Unknown(f"email:{p.name}", f"{group}[{i}].email", f"Get {p.name}'s email address",
                                    f"What is {p.name}'s email address?", answers))
            elif not p.contact_known:
                out.append(_Unknown(f"contact:{p.name}", f"{group}[{i}].contact_known",
                                    f"Get {p.name}'s full contact details",
                                    f"Do you have {p.name}'s card, with their exact name and title?",
                                    [("you have them", [f"{group}[{i}].contact_known=true"])]))
    return out


def country_of_zone(zone: str) -> str | None:
    """The country of an IANA time zone (tzdata's zone.tab), if the holiday tables know it."""
    from .bundled import files

    try:
        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        try:
            with open("/usr/share/zoneinfo/zone.tab", encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            return None
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#") and parts[2] == zone:
            from .businesstime import known_country

            return parts[0] if known_country(parts[0]) else None
    return None


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _key(a: object) -> tuple[str, str]:
    from .results import Action

    assert isinstance(a, Action)
    return a.rule, a.target.name or a.target.kind


def impact(before: Advice, after: Advice) -> float:
    """How much the ranking changes, weighted towards its top.

    Each action added, removed or moved counts 10/r (r: its best rank in either
    advice), a due time changed 5/r, and a different first action 10 more: a
    change at #1 weighs ten times one at #10.
    """
    score = 10.0 if [_key(x) for x in before.actions[:1]] != [_key(x) for x in after.actions[:1]] else 0.0
    for c in advice_diff(before, after):
        ranks = [r for r in (c.before_rank, c.after_rank) if r]
        r = min(ranks)
        if c.change in ("added", "removed", "moved_up", "moved_down"):
            score += 10.0 / r
        if c.due_changed:
            score += 5.0 / r
    return round(score, 2)


def _first(advice: Advice) -> str | None:
    return f"{advice.actions[0].title} (rule {advice.actions[0].rule})" if advice.actions else None


def _what(c: ActionChange, due: datetime | None) -> str:
    when = f", due {due:%a %d %b %H:%M}" if due is not None and not c.avoid else ""
    return f"{c.title}{when} (rule {c.rule})"


def _summary(before: Advice, after: Advice, changes: list[ActionChange]) -> str:
    parts = []
    added = [c for c in changes if c.change == "added"]
    removed = [c for c in changes if c.change == "removed"]
    moved = [c for c in changes if c.change in ("moved_up", "moved_down")]
    timed = [c for c in changes if c.due_changed and c.change not in ("added", "removed")]
    if _first(before) != _first(after) and not any(c.after_rank == 1 for c in added):
        parts.append(f"#1 becomes {after.actions[0].title} (rule {after.actions[0].rule})" if after.actions
                     else "nothing is left to do")
    if added:
        parts.append("adds " + "; ".join(f"#{c.after_rank} {_what(c, c.after_due)}" for c in added))
    if removed:
        parts.append("drops " + "; ".join(f"#{c.before_rank} {_what(c, c.before_due)}" for c in removed))
    if moved:
        parts.append("moves " + "; ".join(f"{c.title} #{c.before_rank}→#{c.after_rank}" for c in moved))
    if timed:
        parts.append("re-times " + "; ".join(
            f"{c.title} to {c.after_due:%a %d %b %H:%M}" if c.after_due else f"{c.title} (no due time)" for c in timed))
    return ("; ".join(parts) if parts else "no change") + "."


def needs_info(engine: Engine, facts: FactsInput, pack: PackSpec = "conservative", at: datetime | str | None = None,
               *, limit: int = DEFAULT_LIMIT) -> NeedsInfo:
    """Unknown facts of `facts` whose answers would change the top of `pack`'s advice at `at`, most first."""

    limit = max(1, limit)
    f = coerce_facts(facts)
    when = resolve_at(at, f)
    cp: CompiledPack = engine.load_pack(pack)
    base = engine.advise(f, cp, when)
    runs = 1
    asked: list[Question] = []
    quiet: list[str] = []
    skipped: list[str] = []
    evaluate: Callable[[Facts], Advice] = lambda changed: engine.advise(changed, cp, when)  # noqa: E731
    for u in unknowns(f, when):
        if runs + len(u.answers) > limit:
            skipped.append(u.todo)
            continue
        answers = []
        for label, edits in u.answers:
            after = evaluate(apply_changes(f, edits, when)[0]) if edits else base
            runs += 1 if edits else 0
            changes = [c for c in advice_diff(base, after) if c.change != "unchanged" or c.due_changed]  # again in impact()
            answers.append(Answer(answer=label, edits=list(edits), impact=impact(base, after), first_before=_first(base),
                                  first_after=_first(after), changes=changes, summary=_summary(base, after, changes)))
        best = max((a.impact for a in answers), default=0.0)
        if best > 0:
            asked.append(Question(id=u.id, fact=u.fact, todo=u.todo, ask=u.ask, impact=best, answers=answers))
        else:
            quiet.append(u.todo)
    asked.sort(key=lambda q: -q.impact)  # stable: case-wide questions first among equals
    return NeedsInfo(pack=base.pack, at=base.at, questions=asked, no_difference=quiet, not_checked=skipped,
                     evaluations=runs, limit=limit)


MATTERS = 10.0 / 3  # an answer adds, drops or moves something in the top three


def short_line(info: NeedsInfo) -> str | None:
    """One line for the end of the advice, or None when no unknown would change its top three."""
    worth = [q for q in info.questions if q.impact >= MATTERS]
    if not worth:
        return None
    todos = "; ".join(q.todo for q in worth[:3])
    more = f" (+{len(worth) - 3} more)" if len(worth) > 3 else ""
    return f"Worth finding out, it would change the top of this list: {todos}{more} (see --needs-info)."
