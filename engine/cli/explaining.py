"""`followup advise` explanations: --why-not, --explain=all, --what-if, --needs-info (library: whynot.py & co.)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # annotations only: `followup advise` need not import comparison and planning
    from ..compare_explain import PlanChange
    from ..comparison import Comparison
    from ..engine import Engine
    from ..facts import Facts
    from ..results import Advice

__all__ = ["AdviseCommand", "explain_options_given", "print_explanations", "print_needs_info_hint", "WHAT_IF_HELP",
           "compare_explained", "compare_extras_text", "extras_json",
           "plan_changes_text", "plan_changes_html"]


class AdviseCommand(click.Command):
    """`--explain` stays a flag (so `--explain FACTS` keeps working) and `--explain=all` asks for every rule."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rewritten: list[str] = []
        for a in args:
            if a == "--":
                rewritten += args[len(rewritten):]
                break
            if a.startswith("--explain="):
                value = a.partition("=")[2]
                if value == "all":
                    a = "--explain-all"
                elif value in ("fired", "conditions"):
                    a = "--explain"
                else:
                    raise click.BadParameter(f"{value!r}: write --explain (conditions of what fired) or --explain=all "
                                             "(every rule, fired or not)", ctx=ctx, param_hint="--explain")
            rewritten.append(a)
        return super().parse_args(ctx, rewritten)


WHAT_IF_HELP = ("Evaluate again with this fact changed and show the difference: PATH=VALUE such as "
                "interviewers[0].thank_you.at=now or decision.expected_by=2026-12-04. Repeatable.")


HINT_LIMIT = 12  # evaluations spent on the hint under plain advice


def explain_options_given(why_not: Sequence[str], explain_all: bool, what_if: Sequence[str] = (),
                          needs_info: bool = False) -> bool:
    return bool(why_not) or explain_all or bool(what_if) or needs_info


def print_needs_info_hint(engine: Engine, facts: Facts, pack: str, advice: Advice) -> None:
    """The one line under plain advice naming unknowns that would change its top (nothing when none would)."""
    from ..needsinfo import needs_info, short_line

    line = short_line(needs_info(engine, facts, pack, advice.at, limit=HINT_LIMIT))
    if line:
        import textwrap

        click.echo("\n" + textwrap.fill(line, width=80, break_on_hyphens=False))


def print_explanations(engine: Engine, facts: Facts, pack: str, advice: Advice, fmt: str | None,
                       why_not: Sequence[str], explain_all: bool, what_if: Sequence[str] = (),
                       needs_info: bool = False) -> None:
    """Print the answers asked for: text for people, or one JSON object holding the advice and each answer."""
    from ..explain_render import explanation_text, needs_info_text, what_if_text, why_not_text
    from ..needsinfo import needs_info as ask_needs_info
    from ..whatif import what_if as ask_what_if
    from ..whynot import explain_rules
    from ..whynot import why_not as ask_why_not

    changed = ask_what_if(engine, facts, what_if, pack, advice.at) if what_if else None
    answers = [ask_why_not(engine, facts, q, pack, advice.at) for q in why_not]
    rules = explain_rules(engine, facts, pack, advice.at) if explain_all else None
    missing = ask_needs_info(engine, facts, pack, advice.at) if needs_info else None
    if fmt == "json":
        out: dict[str, Any] = {"schema_version": 1, "advice": advice.model_dump(mode="json")}
        if answers:
            out["why_not"] = [w.model_dump(mode="json") for w in answers]
        if rules is not None:
            out["rules"] = rules.model_dump(mode="json")["rules"]
        if changed is not None:
            out["what_if"] = changed.model_dump(mode="json")
        if missing is not None:
            out["needs_info"] = missing.model_dump(mode="json")
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    parts = [what_if_text(changed)] if changed is not None else []
    parts += [why_not_text(w) for w in answers]
    if rules is not None:
        parts.append(explanation_text(rules))
    if missing is not None:
        parts.append(needs_info_text(missing))
    click.echo("\n".join(parts), nl=False)


# --- compare and plan ------------------------------------------------------------------------


def compare_explained(engine: Engine, original: Facts, facts: Facts, comparison: Comparison, packs: Sequence[Any],
                      what_if: Sequence[str], explain: bool) -> dict[str, Any]:
    """What `followup compare` adds: why-not of silent cells and needs-info (explain), each pack's what-if."""
    from ..compare_explain import missing_cells
    from ..needsinfo import needs_info
    from ..whatif import what_if as ask_what_if

    out: dict[str, Any] = {}
    if explain:
        out["why_not"] = missing_cells(engine, comparison, facts, packs)
        out["needs_info"] = [needs_info(engine, facts, p, comparison.at) for p in packs]
    if what_if:
        out["what_if"] = [ask_what_if(engine, original, what_if, p, comparison.at) for p in packs]
    return out


def compare_extras_text(extras: dict[str, Any]) -> str:
    from ..explain_render import needs_info_text, what_if_changes_text

    parts = []
    if extras.get("what_if"):
        edits = ", ".join(e.text for e in extras["what_if"][0].edits)
        import textwrap

        head = textwrap.fill(f"What {edits} changes (the table is for the changed facts):", width=80,
                             subsequent_indent="  ", break_on_hyphens=False)
        parts.append(head + "\n" + "".join(what_if_changes_text(w) for w in extras["what_if"]))
    if extras.get("why_not"):
        import textwrap

        lines = ["Why a pack is silent:"]
        for m in extras["why_not"]:
            what = f"{'no advice against ' if m.avoid else ''}{m.kind} for {m.target}"
            lines += textwrap.wrap(f"{m.pack}, {what}: {m.answer}", width=80, initial_indent="  ",
                                   subsequent_indent="    ", break_on_hyphens=False)
        parts.append("\n".join(lines) + "\n")
    for n in extras.get("needs_info", []):
        if n.questions:
            parts.append(needs_info_text(n))
    return "\n".join(parts)


def extras_json(payload: dict[str, Any], extras: dict[str, Any]) -> str:
    out = dict(payload)
    for key, value in extras.items():
        out[key] = [v.model_dump(mode="json") for v in value]
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def plan_changes_text(what_if: Sequence[str], changes: Sequence[PlanChange]) -> str:
    """What a --what-if change does to each plan: what is done that was not, no longer, earlier or later."""
    import textwrap

    lines = textwrap.wrap(f"What {', '.join(what_if)} changes (the plan above is for the changed facts):", width=80,
                          subsequent_indent="  ", break_on_hyphens=False)
    if not changes:
        lines.append("  nothing: every plan does the same things at the same moments")
    for c in changes:
        when = {"added": f"on {c.after:%a %d %b %H:%M}" if c.after else "",
                "dropped": f"(was {c.before:%a %d %b %H:%M})" if c.before else "",
                }.get(c.change, f"{c.before:%a %d %b %H:%M} → {c.after:%a %d %b %H:%M}" if c.before and c.after else "")
        lines += textwrap.wrap(f"{c.pack}: {c.change} {c.label} {when}", width=80, initial_indent="  ",
                               subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def plan_changes_html(what_if: Sequence[str], changes: Sequence[PlanChange]) -> str:
    import html

    items = "".join(f"<li><b>{html.escape(c.pack)}</b>: {html.escape(c.change)} {html.escape(c.label)} "
                    f"<span class=muted>{html.escape(f'{c.before:%a %d %b %H:%M}' if c.before else '-')} → "
                    f"{html.escape(f'{c.after:%a %d %b %H:%M}' if c.after else '-')}</span></li>" for c in changes)
    return (f"<h2>What if {html.escape(', '.join(what_if))}</h2><p class=muted>The plan above is for the changed "
            f"facts; what the change does to each plan:</p><ul class=why>{items or '<li>nothing</li>'}</ul>\n")
