"""Why-not, what-if and needs-info answers as text for people: plain lines, readable at 80 columns."""

from __future__ import annotations

import textwrap

from .verdicts import Miss, RuleVerdict, TargetVerdict
from .whynot import Explanation, WhyNot

__all__ = ["why_not_text", "explanation_text", "WIDTH"]

WIDTH = 80

_MARK = {"fired": "✓", "lost": "↓", "later": "…", "needs_change": "✗", "too_late": "⌛", "never": "∅", "no_target": "∅"}
_STATUS = {"fired": "fired", "lost": "lost in ranking", "later": "not yet", "needs_change": "not fired",
           "too_late": "too late", "never": "never", "no_target": "never"}


def _wrap(text: str, indent: str, width: int = WIDTH, first: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent + "  ", break_on_hyphens=False) or [indent]


def _miss_lines(m: Miss, indent: str) -> list[str]:
    head = m.needs if not m.negated else f"{m.needs} (written: not {m.test})"
    return _wrap(f"✗ {head}: {m.note}", indent)


def _target_lines(t: TargetVerdict, indent: str) -> list[str]:
    if t.status == "fired":
        return [f"{indent}{t.target}: fired, ranked #{t.rank}"]
    if t.status == "lost":
        won = f" to #{t.won_by.rank} {t.won_by.title} (rule {t.won_by.rule})" if t.won_by else ""
        return _wrap(f"{t.target}: fired but lost in ranking{won}: {t.why_lost}", indent)
    n = t.to_change
    lines = [f"{indent}{t.target}: {_STATUS[t.status]}, {n} condition{'s' * (n != 1)} to change"]
    for m in t.misses:
        lines += _miss_lines(m, indent + "  ")
    return lines


def rule_lines(r: RuleVerdict, *, targets: int | None = None, indent: str = "   ") -> list[str]:
    """A rule's verdict: one line, then each target (the first `targets` of them)."""
    lines = _wrap(f"{r.title} (rule {r.rule}, {r.priority} priority)", indent)
    lines += _wrap(r.note, indent)
    if r.status in ("no_target",):
        return lines
    shown = r.targets if targets is None else r.targets[:targets]
    for t in shown:
        lines += _target_lines(t, indent + "  ")
    hidden = len(r.targets) - len(shown)
    if hidden:
        lines.append(f"{indent}  (and {hidden} more target{'s' * (hidden != 1)})")
    return lines


def why_not_text(w: WhyNot) -> str:
    head = f"Why not {w.meaning}? Pack {w.pack.title} ({w.pack.name} v{w.pack.version}), as of {w.at:%a %d %b %Y %H:%M} {w.at.tzinfo}"
    lines = _wrap(head, "", first="")
    lines += _wrap(w.answer, "")
    if w.advised_against:
        for a in w.advised_against[1:]:
            lines += _wrap(f"Also advised against: #{a.rank} {a.title} (rule {a.rule}).", "")
    lines.append("")
    if w.rules:
        lines.append("Rules that could propose it, nearest miss first:" if not w.proposed else "Rules that could propose it:")
    for i, r in enumerate(w.rules, start=1):
        lines += _wrap(f"{i}. {_MARK[r.status]} {r.rule}", "", first="")
        lines += rule_lines(r)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def explanation_text(x: Explanation) -> str:
    counts = ", ".join(f"{n} {label}" for label, n in (
        ("fired", x.count("fired")), ("lost in ranking", x.count("lost")),
        ("not yet", x.count("later")), ("not fired", x.count("needs_change")),
        ("too late", x.count("too_late")), ("never", x.count("never") + x.count("no_target"))) if n)
    lines = _wrap(f"Every rule of {x.pack.title} ({x.pack.name} v{x.pack.version}), as of "
                  f"{x.at:%a %d %b %Y %H:%M} {x.at.tzinfo}: {counts}", "", first="")
    lines.append("")
    for r in x.rules:
        lines += _wrap(f"{_MARK[r.status]} {r.rule}: {r.note}", "  ", first="")
        near = r.nearest
        if near is not None and r.status in ("later", "needs_change", "too_late", "never"):
            for m in near.misses:
                lines += _miss_lines(m, "    ")
        elif near is not None and r.status == "lost":
            lines += _wrap(f"{near.why_lost}", "    ")
    lines.append("")
    lines.append("✓ fired  ↓ lost in ranking  … not yet (time alone)  ✗ not fired  ⌛ too late  ∅ never")
    return "\n".join(lines) + "\n"
