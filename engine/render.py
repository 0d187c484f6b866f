"""Advice as text: a rich table for terminals, Markdown, JSON."""

from __future__ import annotations

import os
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from .results import Action, Advice

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["console_options", "output_width", "as_of", "set_aside_text", "render_text", "render_list", "list_lines", "print_list", "render_markdown", "render_json", "format_due", "sources_text", "origin_text"]


def console_options(color: bool | None) -> dict[str, Any]:
    """Console settings for `color`: True always, False never (no escape codes at all, not even bold),
    None: rich decides from the terminal, and NO_COLOR (set and not empty) means never."""
    if color is None and os.environ.get("NO_COLOR", ""):
        color = False
    if color is None:
        return {}
    if color:
        return {"force_terminal": True, "no_color": False}
    return {"color_system": None, "no_color": True}


def output_width(console: Console | None = None) -> int:
    """Columns to lay text out for: a terminal's width up to 100; elsewhere $COLUMNS, else 80."""
    if console is not None and console.is_terminal:
        return min(console.width, 100)
    try:
        return max(40, int(os.environ.get("COLUMNS", "80")))
    except ValueError:
        return 80


def format_due(dt: datetime | None, at: datetime | None = None) -> str:
    if dt is None:
        return "no deadline"
    text = dt.strftime("%a %d %b %H:%M")
    return text


def sources_text(action: Action) -> str:
    if not action.sources:
        return "(the pack's own reasoning)"
    return "; ".join(f"{s.article}" + (f" {','.join(s.items)}" if s.items else "") for s in action.sources)


def as_of(advice: Advice) -> str:
    """`As of <time> <zone> (<where the time came from>)`: the evaluation time is never implicit."""
    source = {"now": "now", "given": "as asked", "file": "from the file's `# at:` line"}[advice.at_source]
    return f"As of {advice.at.strftime('%a %d %b %Y %H:%M')} {advice.timezone} ({source})"


def set_aside_text(advice: Advice) -> str | None:
    """One line counting what the user set aside, so nothing is hidden silently (overdue ones said)."""
    if not advice.set_aside:
        return None
    counts: dict[str, int] = {}
    for s in advice.set_aside:
        counts[s.state] = counts.get(s.state, 0) + 1
    overdue = sum(1 for s in advice.set_aside if s.urgency == "overdue" and s.state != "done")
    parts = [f"{n} {state}" for state, n in counts.items()]
    listed = {f"{a.rule}|{a.target.name or a.target.kind}" for a in advice.actions}
    shown = all(s.key in listed for s in advice.set_aside)
    text = "Set aside: " + ", ".join(parts) + (f" ({overdue} of them overdue)" if overdue else "")
    return text + ("" if shown else "; --all lists them")


def origin_text(a: Action, advice: Advice) -> str:
    """Which rule gave the action, and for an extending pack which pack and file it came from."""
    text = f"rule {a.rule}"
    own = a.pack == advice.pack.name and (a.layer is None or a.layer == advice.pack.origin)
    if not own:
        text += f" from pack {a.pack}"
        if a.layer:
            text += f" (last set in {a.layer.removeprefix('built-in:')})"
    return text


def _when(a: Action) -> str:
    due = format_due(a.due)
    if a.due_local is not None:  # the candidate lives in another zone: both, the company's first
        due += f" (yours {format_due(a.due_local)})"
    if a.avoid and a.due is not None:
        return f"until {due}"
    if a.suggested_at is not None and a.suggested_at != a.due:
        call = format_due(a.suggested_at)
        if a.suggested_local is not None:
            call += f", yours {format_due(a.suggested_local)}"
        return f"{due} (call {call})"
    return due


def status_text(a: Action) -> str:
    """Channel, due time and urgency on one line; no channel for what the candidate does alone (notes)."""
    parts: list[str] = [] if a.channel == "none" else [a.channel]
    parts += [f"{'' if a.avoid or a.due is None else 'due '}{_when(a)}", a.urgency]
    return " · ".join(parts)


def said_before(actions: list[Action]) -> dict[int, int]:
    """rank -> the earlier rank that gave the same reasons: a panel of five gets the rule's
    rationale once, not five times over (the rank, title and due time still say who and when)."""
    first: dict[tuple[str, str, str, str], int] = {}
    out: dict[int, int] = {}
    for a in actions:
        key = (a.pack, a.rule, a.rationale, sources_text(a))
        if key in first:
            out[a.rank] = first[key]
        else:
            first[key] = a.rank
    return out


def _time_lines(a: Action) -> list[str]:
    """Why the due time is what it is, and when the window closes (for --explain)."""
    out = []
    if a.due_note:
        out.append(a.due_note)
    if a.expires is not None:
        out.append(f"no longer shown from {format_due(a.expires)}")
    return out


def _because_lines(a: Action) -> list[str]:
    out = []
    for b in a.because or []:
        mark = "✓" if b.held != b.negated else "✗"
        neg = "not " if b.negated else ""
        value = "absent" if b.value is None else (str(b.value).lower() if isinstance(b.value, bool) else b.value)
        out.append(f"{mark} {neg}{b.test}  (was {value})")
    return out


def render_text(advice: Advice, file: IO[str] | None = None, *, explain: bool = False, color: bool | None = None,
                width: int | None = None) -> None:
    """A table of the ranked actions; colour only on a terminal unless `color` says otherwise."""
    # rich is imported here only: the plain, Markdown and JSON renderings do without it
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, width=width, highlight=False, soft_wrap=False, **console_options(color))
    head = Text.assemble(
        (f"{advice.candidate}", "bold"), f" — {advice.position} at {advice.company}\n",
        f"Pack: {advice.pack.title} ({advice.pack.name} v{advice.pack.version})   ",
        as_of(advice),
    )
    console.print(head)
    if not advice.actions:
        console.print("Nothing to do right now under this pack.")
        return
    table = Table(show_lines=True, expand=False)
    table.add_column("#", justify="right")
    table.add_column("Action")
    table.add_column("Channel")
    table.add_column("Due")
    table.add_column("Why")
    style = {"overdue": "bold red", "today": "yellow", "upcoming": ""}
    for a in advice.actions:
        title = Text(("✗ " if a.avoid else "") + a.title, style="bold" if not a.avoid else "italic")
        why = Text(a.rationale + "\n")
        why.append("Sources: " + sources_text(a) + "\n" + origin_text(a, advice).capitalize(), style="dim")
        if explain:
            why.append("\nBecause:\n  " + "\n  ".join(_because_lines(a)) if a.because else "\nBecause: (no condition)", style="cyan")
            for t in _time_lines(a):
                why.append("\nTime: " + t, style="cyan")
        table.add_row(str(a.rank), title, a.channel, Text(_when(a) + f"\n{a.urgency}", style=style[a.urgency]), why)
    console.print(table)
    if explain:
        for n in advice.notes:
            console.print("Note: " + n)


def list_lines(advice: Advice, *, explain: bool = False, width: int = 80) -> list[tuple[str, str]]:
    """(line, rich style) pairs: one numbered block per action, every line wrapped to `width` at spaces
    (never inside a word or an identifier), continuation lines indented under their label."""
    import textwrap

    out: list[tuple[str, str]] = []

    def add(text: str, style: str = "", first: str = "", rest: str = "      ") -> None:
        for line in textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                                  break_long_words=False, break_on_hyphens=False) or [first.rstrip()]:
            out.append((line, style))

    add(f"{advice.candidate} — {advice.position} at {advice.company}", "bold", rest="  ")
    add(f"Pack: {advice.pack.title} ({advice.pack.name} v{advice.pack.version})", rest="  ")
    add(as_of(advice), rest="  ")
    for n in advice.notices:
        add(n, "yellow", first="! ", rest="  ")
    aside = set_aside_text(advice)
    if aside:
        add(aside, "magenta", rest="  ")
    out.append(("", ""))
    if not advice.actions:
        add("Nothing to do right now under this pack.")
    style = {"overdue": "bold red", "today": "yellow", "upcoming": ""}
    first_said = said_before(advice.actions)
    for a in advice.actions:
        add(f"{a.rank:>2}. {a.title}", "italic" if a.avoid else "bold", rest="    ")
        add(status_text(a), style[a.urgency], first="    ")
        if a.rank in first_said:
            add(f"as for {first_said[a.rank]} above", "dim", first="    Why: ")
        else:
            add(a.rationale, first="    Why: ")
            add(sources_text(a), "dim", first="    Sources: ")
            add(origin_text(a, advice), "dim", first="    From: ")
        if explain:
            if a.because:
                out.append(("    Because:", "cyan"))
                for b in _because_lines(a):
                    add(b, "cyan", first="      ", rest="          ")
            else:
                out.append(("    Because: (no condition)", "cyan"))
            for t in _time_lines(a):
                add(t, "cyan", first="    Time: ")
        out.append(("", ""))
    if explain:
        for n in advice.notes:
            add(n, first="Note: ", rest="  ")
    while out and not out[-1][0]:
        out.pop()
    return out


def render_list(advice: Advice, *, explain: bool = False, width: int = 80) -> str:
    """Plain text, one numbered block per action: readable in a pipe, a log or a narrow terminal."""
    return "\n".join(line for line, _ in list_lines(advice, explain=explain, width=width)) + "\n"


def print_list(advice: Advice, file: IO[str] | None = None, *, explain: bool = False, color: bool | None = None,
               width: int | None = None) -> None:
    """The list layout on a terminal: wrapped to its width (at most 100 columns), in colour where allowed."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=file, highlight=False, soft_wrap=True, **console_options(color))
    w = width or output_width(console)
    for line, style in list_lines(advice, explain=explain, width=w):
        console.print(Text(line, style=style))


def render_markdown(advice: Advice, *, explain: bool = False) -> str:
    lines = [
        f"# Next steps: {advice.position} at {advice.company}",
        "",
        f"*{advice.candidate}* · pack **{advice.pack.title}** (`{advice.pack.name}` v{advice.pack.version}) · "
        + as_of(advice)[0].lower() + as_of(advice)[1:],
        "",
        *[f"> **Note:** {n}\n" for n in advice.notices],
    ]
    aside = set_aside_text(advice)
    if aside:
        lines += [f"*{aside}*", ""]
    if not advice.actions:
        lines.append("Nothing to do right now under this pack.")
    first_said = said_before(advice.actions)
    for a in advice.actions:
        # an avoid action's title already says "Don't ..." / "Hold off ...": no second label
        channel = "" if a.channel == "none" else f"{a.channel}, "
        lines.append(f"{a.rank}. **{a.title}** — {channel}{'' if a.avoid or a.due is None else 'due '}{_when(a)} ({a.urgency})")
        if a.rank in first_said:
            lines.append(f"   - Why: as for {first_said[a.rank]} above")
        else:
            lines.append(f"   - Why: {a.rationale}")
            lines.append(f"   - Sources: {sources_text(a)}")
            lines.append(f"   - From: {origin_text(a, advice)}")
        if explain and a.because:
            lines.append("   - Because: " + "; ".join(_because_lines(a)))
        if explain and _time_lines(a):
            lines.append("   - Time: " + "; ".join(_time_lines(a)))
    if explain and advice.notes:
        lines += [""] + [f"*Note: {n}*" for n in advice.notes]
    return "\n".join(lines) + "\n"


def render_json(advice: Advice) -> str:
    return advice.model_dump_json(indent=2, exclude_none=False) + "\n"
