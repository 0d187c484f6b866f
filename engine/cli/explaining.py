"""`followup advise` explanations: --why-not, --explain=all, --what-if, --needs-info (library: whynot.py & co.)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from ..engine import Engine
from ..facts import Facts
from ..results import Advice

__all__ = ["AdviseCommand", "explain_options_given", "print_explanations", "print_needs_info_hint", "WHAT_IF_HELP"]


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
