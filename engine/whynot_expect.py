"""The `why_not` expectation of pack tests: a rule does NOT fire, and for which reason.

    expect:
      - why_not: one-call-after-email                       # it does not fire (for anyone)
      - why_not: {rule: one-call-after-email, because: [decision.passed, follow_ups.count]}
      - why_not: {rule: thank-arrangers, status: never}
      - why_not: {rule: collect-contacts, target: Dana Lee, status: needs_change}

`because` names facts (or tests as written, e.g. `follow_ups.count = 1`) that
must be among the failing tests of the rule's nearest miss (of `target`'s,
when given). `status` is one of STATUSES: `not_fired` (the default) accepts
any reason.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .results import Advice
from .verdicts import RuleVerdict, TargetVerdict

__all__ = ["WhyNotExpect", "check_why_not", "STATUSES"]

Status = Literal["not_fired", "lost", "not_open", "expired", "later", "needs_change", "too_late", "never"]
STATUSES: tuple[str, ...] = ("not_fired", "lost", "not_open", "expired", "later", "needs_change", "too_late", "never")


class WhyNotExpect(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rule: str = Field(description="Id of the rule that must not fire.")
    target: str | None = Field(default=None, description="A person's name: only for them (default: for anyone).")
    status: Status = Field(default="not_fired", description="Why: not_fired (any reason), lost (in ranking), not_open / "
                                                             "expired (its window), later (time alone would do), "
                                                             "needs_change, too_late, never.")
    because: list[str] = Field(default_factory=list, description="Facts (or tests as written) among the failing tests of "
                                                                 "its nearest miss.")

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, value: Any) -> Any:
        return {"rule": value} if isinstance(value, str) else value

    def text(self) -> str:
        who = f" for {self.target}" if self.target else ""
        return f"{self.rule}{who}"


def _misses(t: TargetVerdict) -> str:
    return "".join(f"\n      ✗ {m.needs}: {m.note}" for m in t.misses) or " none"


def check_why_not(exp: WhyNotExpect, verdicts: list[RuleVerdict], advice: Advice) -> str | None:
    """None if the rule did not fire for the reason given; else what happened instead."""
    verdict = next(v for v in verdicts if v.rule == exp.rule)
    targets = [t for t in verdict.targets if exp.target is None or t.target.casefold() == exp.target.casefold()]
    fired = [t for t in targets if t.status == "fired"]
    if fired:
        got = "; ".join(f"#{t.rank} for {t.target}" for t in fired)
        return f"expected {exp.text()} not to fire, but it did: {got}"
    if not targets:  # nobody it is for (e.g. no arrangers): it cannot fire, which is what `never` means
        if exp.status in ("not_fired", "never") and not exp.because:
            return None
        return f"expected {exp.text()} not to fire because of {exp.status}, but it has nobody to fire for ({verdict.note})"
    near = targets[0]
    if exp.status != "not_fired" and near.status != exp.status:
        return (f"expected {exp.text()} not to fire ({exp.status}), but it is {near.status} for {near.target}:"
                + (f" {near.why_lost}" if near.why_lost else _misses(near)))
    missing = [b for b in exp.because if not any(b in (m.fact, m.test, m.needs) for m in near.misses)]
    if missing:
        return (f"expected {exp.text()} not to fire because of {', '.join(missing)}\n"
                f"  - expected among the failing tests: {', '.join(exp.because)}\n"
                f"  + got (nearest miss, {near.target}):{_misses(near)}")
    return None
