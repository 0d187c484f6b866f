"""Why-not, what-if and needs-info answers as text for people: plain lines, readable at 80 columns."""

from __future__ import annotations

import textwrap
from datetime import datetime

from .catalogue import SHORT
from .needsinfo import NeedsInfo
from .verdicts import Miss, RuleVerdict, TargetVerdict
from .whatif import ActionChange, FactDelta, WhatIf
from .whynot import Explanation, WhyNot

__all__ = ["why_not_text", "explanation_text", "what_if_text", "what_if_changes_text", "needs_info_text", "delta_text", "rule_lines", "WIDTH"]

WIDTH = 80

_MARK = {"fired": "✓", "lost": "↓", "not_open": "…", "expired": "⌛", "later": "…", "needs_change": "✗", "too_late": "⌛", "never": "∅", "no_target": "∅"}
_STATUS = {"fired": "fired", "lost": "lost in ranking", "not_open": "window not open yet", "expired": "window closed",
           "later": "not yet", "needs_change": "not fired",
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
    if t.status in ("not_open", "expired"):
        return _wrap(f"{t.target}: {_STATUS[t.status]}: {t.why_lost}", indent)
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
        ("window not open", x.count("not_open")), ("window closed", x.count("expired")),
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
        elif near is not None and r.status in ("lost", "not_open", "expired"):
            lines += _wrap(f"{near.why_lost}", "    ")
    lines.append("")
    lines.append("✓ fired  ↓ lost in ranking  … not yet  ✗ not fired  ⌛ too late / window closed  ∅ never")
    return "\n".join(lines) + "\n"


# --- what if ---------------------------------------------------------------------------

_SIGN = {"added": "+", "removed": "−", "moved_up": "↑", "moved_down": "↓", "due_changed": "⏱", "unchanged": " "}
_WORD = {"added": "added", "removed": "removed", "moved_up": "moved up", "moved_down": "moved down",
         "due_changed": "due time changed", "unchanged": "unchanged"}


def _value(v: object) -> str:
    if v is None:
        return "absent"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_VERB = {"phone": "phone", "email": "email", "letter": "write", "handwritten": "write", "linkedin": "connect"}


def _cell(rank: int | None, a: ActionChange, due: datetime | None, width: int) -> str:

    what = SHORT.get(a.kind, a.kind)
    if a.avoid:
        what = f"don't {_VERB.get(a.channel, a.channel)} ({what})"
    if a.target != "yourself" and not (a.avoid and a.target == "the company"):
        what += f": {a.target}"
    when = f" {'until ' if a.avoid else ''}{due:%d %H:%M}" if due is not None else ""
    return _fit(f"{rank:>2} {what}{when}", width)


def delta_text(d: FactDelta) -> str:
    who = f" ({d.target})" if d.target else ""
    return f"{d.fact}{who}: {_value(d.before)} → {_value(d.after)}"


def what_if_text(w: WhatIf, *, width: int = WIDTH) -> str:
    edits = ", ".join(e.text for e in w.edits)
    lines = _wrap(f"What if {edits}? Pack {w.pack.title} ({w.pack.name} v{w.pack.version}), as of "
                  f"{w.at:%a %d %b %Y %H:%M} {w.at.tzinfo}", "", width)
    for n in w.notes:
        lines += _wrap(f"Note: {n}", "", width)
    if w.facts_changed:
        lines += _wrap("Facts rules read that changed: " + "; ".join(delta_text(d) for d in w.facts_changed), "", width)
    else:
        lines += _wrap("No fact a rule can test changed.", "", width)
    col = (width - 5) // 2
    lines += ["", f"  {'Before':<{col}} │ After", f"  {'─' * col}─┼─{'─' * col}"]
    for a in w.actions:
        left = _cell(a.before_rank, a, a.before_due, col) if a.before_rank else ""
        right = _cell(a.after_rank, a, a.after_due, col) if a.after_rank else "   (removed)"
        sign = "⏱" if a.change == "unchanged" and a.due_changed else _SIGN[a.change]
        lines.append(f"{sign} {left:<{col}} │ {right}")
    lines.append("")
    changed = w.changed
    if not changed:
        lines.append("The advice is the same.")
    else:
        lines.append("Changes:")
        for a in changed:
            rank = f"#{a.after_rank}" if a.after_rank else f"was #{a.before_rank}"
            head = f"{_SIGN[a.change]} {_WORD[a.change]}: {a.title} ({rank}, rule {a.rule})"
            if a.change in ("moved_up", "moved_down"):
                head = f"{_SIGN[a.change]} {_WORD[a.change]} from #{a.before_rank} to #{a.after_rank}: {a.title} (rule {a.rule})"
            lines += _wrap(head, "  ", width, first="  ")
            if a.due_changed:
                before = f"{a.before_due:%a %d %b %H:%M}" if a.before_due else "none"
                after = f"{a.after_due:%a %d %b %H:%M}" if a.after_due else "none"
                lines += _wrap(f"due {before} → {after}", "      ", width)
            if a.because:
                lines += _wrap("because " + "; ".join(delta_text(d) for d in a.because), "      ", width)
    counts = {k: len(w.of(k)) for k in ("added", "removed", "moved_up", "moved_down", "due_changed")}
    same = sum(1 for a in w.actions if a.change == "unchanged" and not a.due_changed)
    lines.append("")
    lines.append(", ".join(f"{n} {_WORD[k]}" for k, n in counts.items()) + f"; {same} unchanged")
    return "\n".join(lines) + "\n"


# --- needs info -------------------------------------------------------------------------


def needs_info_text(n: NeedsInfo, *, width: int = WIDTH) -> str:
    lines = _wrap(f"What is missing? Pack {n.pack.title} ({n.pack.name} v{n.pack.version}), as of "
                  f"{n.at:%a %d %b %Y %H:%M} {n.at.tzinfo}", "", width)
    k = len(n.questions)
    if k:
        lines += _wrap(f"{k} unknown fact{'s' * (k != 1)} would change the advice; the one changing its top most "
                       f"first:", "", width)
    else:
        lines += _wrap("No unknown fact would change this advice now.", "", width)
    for i, q in enumerate(n.questions, start=1):
        lines.append("")
        lines += _wrap(f"{i}. {q.todo}: “{q.ask}” ({q.fact}; impact {q.impact:g})", "   ", width, first="")
        for a in q.answers:
            lines += _wrap(f"If {a.answer}: {a.summary}", "     ", width, first="   - ")
    if n.no_difference:
        lines.append("")
        lines += _wrap("Also unknown, but no answer changes the advice now: " + "; ".join(n.no_difference) + ".", "", width)
    if n.not_checked:
        lines += _wrap("Not checked (evaluation budget spent): " + "; ".join(n.not_checked) + ".", "", width)
    lines.append("")
    lines.append(f"{n.evaluations} evaluation{'s' * (n.evaluations != 1)} run (at most {n.limit}).")
    return "\n".join(lines) + "\n"


def what_if_changes_text(w: WhatIf, *, width: int = WIDTH) -> str:
    """Only the changes of a what-if, under the pack's name (for compare, one block per pack)."""
    lines = [f"{w.pack.title} ({w.pack.name}):"]
    if not w.changed:
        lines.append("  no change")
    for a in w.changed:
        rank = f"#{a.after_rank}" if a.after_rank else f"was #{a.before_rank}"
        lines += _wrap(f"{_SIGN[a.change]} {_WORD[a.change]}: {a.title} ({rank}, rule {a.rule})", "  ", width, first="  ")
        if a.because:
            lines += _wrap("because " + "; ".join(delta_text(d) for d in a.because), "      ", width)
    return "\n".join(lines) + "\n"
