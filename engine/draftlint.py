"""Checks every draft passes before it is written: names and titles as in the facts, no false interest.

Spelling names right and using the right titles is advice the articles agree
on (ADVICE.md T5); a draft for a candidate who no longer wants the job must
not say they do (T7: thank them, bow out politely, keep the bridge). A
template (the pack's or the built-in one) that produces such a draft is at
fault, so a failed check is a located :class:`~followup.sandbox.TemplateError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .facts import Facts, Person

__all__ = ["draft_mistakes", "INTEREST"]

# Phrases that say the candidate still wants the job.
INTEREST = re.compile(
    r"\b(?:keen|eager|excited|enthusias\w*|(?:still |very |really |remain |am )?interested in (?:the|this|joining|working)"
    r"|would (?:very much |really |so )?(?:love|like) to (?:join|work|be part|contribute)|want (?:the|this) (?:role|job|position)"
    r"|look(?:ing)? forward to (?:joining|working|hearing|the next)|next steps?|(?:right|strong|good) fit for"
    r"|hope to (?:join|hear)|glad to contribute|the right person)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _near(a: str, b: str) -> bool:
    """One letter added, dropped, changed or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _name_words(people: Iterable[str]) -> set[str]:
    return {w for name in people for w in _WORD.findall(name) if len(w) >= 2}


def draft_mistakes(text: str, person: Person, facts: Facts) -> list[str]:
    """What is wrong with a draft for `person`: misspelt names or titles, another person greeted, false interest."""
    out: list[str] = []
    names = [p.name for p in facts.people] + [facts.candidate.name]
    known = _name_words(names)
    by_fold = {_fold(w): w for w in known}
    by_case = {w.casefold(): w for w in known if w[:1].isupper()}
    long_ = [w for w in known if len(w) >= 5]
    for word in dict.fromkeys(_WORD.findall(text)):
        if word in known or not word[:1].isupper():
            continue
        right = by_fold.get(_fold(word)) or (by_case.get(word.casefold()) if not word.isupper() else None)
        if right is None and len(word) >= 4:
            right = next((w for w in long_ if w[0] == word[0] and _near(word, w)), None)
        if right is not None:
            out.append(f"writes {word!r} where the facts spell {right!r}")
    folded = _fold(text)
    for p in facts.people:
        if p.title and len(p.title.split()) > 1 and p.title not in text:
            variant = re.search(rf"\b{re.escape(_fold(p.title))}\b", folded, re.IGNORECASE)
            if variant:
                out.append(f"writes the title {variant.group(0)!r} where the facts have {p.title!r}")
    for m in re.finditer(r"\bas (?:an? |the |our )?([^,.;:\n]+)", text):
        said = m.group(1).strip()
        titles = {p.title for p in facts.people if p.title and p.title != facts.position.title}
        wrong = [t for t in titles if said.startswith(t) and t != person.title]
        if wrong and not (person.title and said.startswith(person.title)) and not any(
                p.name in text[max(0, m.start() - 60):m.start()] for p in facts.people if p.title == wrong[0]):
            out.append(f"calls {person.name} {wrong[0]!r}, but the facts give "
                       + (f"their title as {person.title!r}" if person.title else "them no title"))
    greeting = next((line for line in text.splitlines() if line.strip()), "")
    others = [p for p in facts.people if p.name != person.name]
    mine = _name_words([person.name])
    greeted = [p.name for p in others if any(re.search(rf"\b{re.escape(w)}\b", greeting) for w in _name_words([p.name]) - mine)]
    if greeted and not any(re.search(rf"\b{re.escape(w)}\b", greeting) for w in mine):
        out.append(f"greets {greeted[0]} but is for {person.name}")
    if not facts.interview.still_interested:
        claim = INTEREST.search(text)
        if claim:
            out.append(f"says {claim.group(0)!r}, but the candidate is no longer interested (still_interested: false): "
                       "thank them, withdraw politely and keep the door open instead")
    return out
