"""Why not: the rules that would give an action, and what kept each from it.

`why_not(engine, facts, "call")` answers "why is the tool silent about
calling?": the rules that could propose it (a rule id, an action kind such
as `status_check`, or a channel such as `call`/`email`), whether one did,
and for each that did not, per target, the failing tests with the values
seen, nearest miss first (see verdicts.py). `explain_rules` lists every rule
of the pack with its outcome (`followup advise --explain=all`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from .catalogue import ACTIONS, CHANNELS, SHORT
from .compiler import CompiledPack
from .conditions import _suggest
from .derive import derive
from .enrich import enricher
from .errors import Problem, QuestionError
from .facts import Facts
from .inputs import FactsInput, coerce_facts, resolve_at
from .results import Action, Advice, PackRef, Result
from .verdicts import RuleVerdict, miss_key, rule_verdicts

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["WhyNot", "Explanation", "QuestionError", "why_not", "explain_rules", "evaluate_with_verdicts",
           "CHANNEL_WORDS"]

PackSpec = str | os.PathLike[str] | CompiledPack
Matched = Literal["rule", "action", "channel"]

# Words for a channel a person asks about ("why not call?").
CHANNEL_WORDS: dict[str, str] = {
    "call": "phone", "calls": "phone", "phone": "phone", "ring": "phone",
    "email": "email", "emails": "email", "mail": "email",
    "letter": "letter", "letters": "letter",
    "card": "handwritten", "handwritten": "handwritten", "note": "handwritten",
    "linkedin": "linkedin",
}


class WhyNot(Result):
    """The answer to "why does the pack not propose X?" for one evaluation."""

    schema_version: Literal[1] = 1
    query: str = Field(description="What was asked about, as given.")
    matched: Matched = Field(description="How the query was read: a rule id, an action kind or a channel.")
    meaning: str = Field(description="The query in words, e.g. `a call (channel phone)`.")
    pack: PackRef
    at: datetime
    proposed: list[Action] = Field(description="Actions of the advice the query matches: non-empty means it IS proposed.")
    advised_against: list[Action] = Field(description="\"Don't ...\" advice the pack gives about the same thing.")
    rules: list[RuleVerdict] = Field(description="The rules that could propose it, nearest miss first.")
    answer: str = Field(description="The answer in one or two sentences.")

    @property
    def nearest(self) -> RuleVerdict | None:
        """The rule closest to proposing it among those that did not."""
        return next((r for r in self.rules if r.status not in ("fired",)), None)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


class Explanation(Result):
    """Every rule of the pack with its outcome for one evaluation (`--explain=all`)."""

    schema_version: Literal[1] = 1
    pack: PackRef
    at: datetime
    rules: list[RuleVerdict] = Field(description="In the pack's order.")

    def count(self, status: str) -> int:
        return sum(1 for r in self.rules if r.status == status)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


@dataclass(frozen=True)
class Evaluated:
    """One evaluation and every rule's verdict on it."""

    pack: CompiledPack
    facts: Facts
    advice: Advice
    verdicts: list[RuleVerdict]


def evaluate_with_verdicts(engine: Engine, facts: FactsInput, pack: PackSpec = "conservative",
                           at: datetime | str | None = None) -> Evaluated:
    """Advise, and judge every rule against the same derived values (plugins' enrichments included)."""

    f = coerce_facts(facts)
    when = resolve_at(at, f)
    cp = engine.load_pack(pack)
    advice = engine.advise(f, cp, when)
    derived = derive(f, when)
    enrich = enricher(engine.pm)
    if enrich is not None:
        derived = enrich(f, derived)
    return Evaluated(cp, f, advice, rule_verdicts(cp, derived, advice))


def explain_rules(engine: Engine, facts: FactsInput, pack: PackSpec = "conservative",
                  at: datetime | str | None = None) -> Explanation:
    """Every rule of `pack` for `facts` at `at`: fired, lost in ranking, or not fired and why."""
    ev = evaluate_with_verdicts(engine, facts, pack, at)
    return Explanation(pack=ev.advice.pack, at=ev.advice.at, rules=ev.verdicts)


def _read_query(query: str, cp: CompiledPack) -> tuple[Matched, str, str]:
    """(how it matched, the normalised key, the query in words)."""
    text = query.strip()
    ids = [cr.rule.id for cr in cp.rules]
    if text in ids:
        return "rule", text, f"rule {text}"
    word = text.casefold().replace("-", "_").replace(" ", "_")

    by_short = {v.replace("-", "_").replace(" ", "_"): k for k, v in SHORT.items()}
    kind = word if word in ACTIONS else by_short.get(word)
    if kind is not None:
        return "action", kind, f"the action {kind}"
    channel = CHANNEL_WORDS.get(word) or (word if word in CHANNELS and word != "none" else None)
    if channel is not None:
        what = "a call" if channel == "phone" else f"the channel {channel}"
        return "channel", channel, f"{what} (channel {channel})"
    options = ids + list(ACTIONS) + sorted(CHANNEL_WORDS)
    hint = _suggest(text, options)
    raise QuestionError(Problem(
        f"--why-not {query!r} is not a rule of the pack `{cp.name}`, an action kind or a channel",
        path=("why_not",), code="why_not",
        hint=(hint + " " if hint else "") + f"give a rule id (`followup advise FACTS --explain=all` lists them), an action "
             f"kind ({', '.join(ACTIONS)}) or a channel (call, email, letter, card, linkedin)"))


def why_not(engine: Engine, facts: FactsInput, query: str, pack: PackSpec = "conservative",
            at: datetime | str | None = None, *, avoid: bool = False) -> WhyNot:
    """Why `pack` does (not) propose `query` (a rule id, an action kind or a channel) for `facts` at `at`.

    With `avoid`, the question is about "don't ..." advice of that kind or channel instead.
    """
    cp = engine.load_pack(pack)
    matched, key, meaning = _read_query(query, cp)
    ev = evaluate_with_verdicts(engine, facts, cp, at)
    advice = ev.advice

    def about(kind: str, channel: str, rule: str) -> bool:
        return {"rule": rule, "action": kind, "channel": channel}[matched] == key

    verdicts = [v for v in ev.verdicts if about(v.action, v.channel, v.rule) and (matched == "rule" or v.avoid == avoid)]
    proposed = [a for a in advice.actions if about(a.kind, a.channel, a.rule) and (matched == "rule" or a.avoid == avoid)]
    against = [a for a in advice.actions if a.avoid and not avoid and matched != "rule" and about(a.kind, a.channel, a.rule)]
    if avoid and matched != "rule":
        meaning = f"advice against {meaning}"
    verdicts.sort(key=lambda v: miss_key(v.targets[0].status, v.targets[0].to_change, v.targets[0].distance)
                  if v.targets else (9, 0, 0.0))
    return WhyNot(query=query, matched=matched, meaning=meaning, pack=advice.pack, at=advice.at, proposed=proposed,
                  advised_against=against, rules=verdicts, answer=_answer(meaning, proposed, against, verdicts))


def _answer(meaning: str, proposed: list[Action], against: list[Action], verdicts: list[RuleVerdict]) -> str:
    if proposed:
        first = proposed[0]
        more = f" (and {len(proposed) - 1} more)" if len(proposed) > 1 else ""
        return f"It is proposed: #{first.rank} {first.title} (rule {first.rule}){more}."
    if not verdicts:
        text = f"No rule of this pack gives {meaning}."
    else:
        n = len(verdicts)
        text = f"Nothing proposes {meaning}: {n} rule{'s' * (n != 1)} could"
        near = verdicts[0]
        t = near.nearest
        if t is not None and t.status in ("later", "needs_change", "too_late", "lost", "not_open", "expired"):
            if t.status == "lost":
                text += f"; {near.rule} fired for {t.target} but lost in ranking"
            elif t.status in ("not_open", "expired"):
                text += f"; {near.rule} for {t.target}: {t.why_lost}"
            else:
                text += (f"; nearest miss: {near.rule} for {t.target}, {t.to_change} condition"
                         f"{'s' * (t.to_change != 1)} to change")
        elif all(v.status in ("never", "no_target") for v in verdicts):
            text += ", but none can fire for these facts"
        text += "."
    if against:
        text += f" The pack advises against it: #{against[0].rank} {against[0].title} (rule {against[0].rule})."
    return text
