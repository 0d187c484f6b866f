"""Comparisons, plans and corpus comparisons as terminal text, Markdown and HTML (JSON is `.to_json()`)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .compare_explain import MissingCell
from .comparison import SHORT, Comparison, Row
from .corpus_compare import CorpusComparison
from .explain_render import delta_text
from .needsinfo import NeedsInfo
from .planning import Lane, Plan, PlanEvent
from .render import console_options
from .whatif import WhatIf

__all__ = [
    "comparison_text", "comparison_markdown", "comparison_html",
    "plan_text", "plan_markdown", "plan_html",
    "corpus_text", "corpus_markdown", "corpus_html",
]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; display: block; max-width: 100%; overflow-x: auto; }}
@media (max-width: 40rem) {{ body {{ margin: .6rem; }} th, td {{ padding: .2rem .3rem; font-size: .8rem; }} }}
th, td {{ border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; text-align: left; font-size: .9rem; }}
th {{ background: #f3f3f3; }}
tr.disagree td:first-child {{ border-left: 4px solid #D55E00; }}
.avoid {{ color: #a33; font-style: italic; }}
.muted {{ color: #777; }}
.why {{ margin: .2rem 0 .8rem 1rem; }}
figure {{ margin: 0; overflow-x: auto; }}
figure svg {{ max-width: none; height: auto; }}
</style></head><body>
{body}
</body></html>
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _when(dt: datetime) -> str:
    return dt.strftime("%a %d %b %H:%M")


# --- compare -------------------------------------------------------------------

def _heading(c: Comparison) -> str:
    return (f"{c.candidate} — {c.position} at {c.company}; as of {c.at.strftime('%a %d %b %Y %H:%M')} {c.timezone}; "
            f"packs: {', '.join(c.pack_names)}")


def comparison_text(c: Comparison, file: IO[str] | None = None, *, width: int | None = None,
                    color: bool | None = None) -> None:
    console = Console(file=file, **console_options(color), width=width, highlight=False,
                      soft_wrap=False)
    console.print(Text(_heading(c), style="bold"))
    table = Table(show_lines=False)
    table.add_column("≠", justify="center")
    table.add_column("Action")
    for name in c.pack_names:
        table.add_column(name)
    for r in c.rows:
        cells = [Text(cell.summary, style="italic" if cell.entries and all(e.avoid for e in cell.entries) else "")
                 for cell in r.cells]
        table.add_row(Text("≠" if r.disagree else "", style="bold red"), r.label, *cells)
    console.print(table)
    if not c.disagreements:
        console.print("The packs agree on every action.")
        return
    console.print(Text(f"{len(c.disagreements)} disagreement{'s' if len(c.disagreements) != 1 else ''}:", style="bold"))
    for r in c.disagreements:
        console.print(Text(f"≠ {r.label}  (differ in {', '.join(r.differences)})", style="bold"))
        console.print("  " + r.explanation())
        for cell in r.cells:
            for e in cell.entries:
                if not e.company_wide:
                    console.print(Text(f"    {cell.pack} [{e.rule}]: {e.rationale}", style="dim"))


def comparison_markdown(c: Comparison) -> str:
    lines = [f"# Advice compared: {c.position} at {c.company}", "", _heading(c), "",
             "| ≠ | Action | " + " | ".join(c.pack_names) + " |", "|---|---|" + "---|" * len(c.pack_names)]
    for r in c.rows:
        lines.append(f"| {'≠' if r.disagree else ''} | {r.label} | "
                     + " | ".join(cell.summary.replace("|", "/") for cell in r.cells) + " |")
    lines.append("")
    if c.disagreements:
        lines.append("## Where they disagree")
        lines.append("")
        for r in c.disagreements:
            lines.append(f"- **{r.label}** (differ in {', '.join(r.differences)}): {r.explanation()}")
            for cell in r.cells:
                for e in cell.entries:
                    if not e.company_wide:
                        lines.append(f"  - {cell.pack} `{e.rule}`: {e.rationale}")
    else:
        lines.append("The packs agree on every action.")
    return "\n".join(lines) + "\n"


def _row_html(c: Comparison, r: Row) -> str:
    tds = []
    for cell in r.cells:
        if not cell.entries:
            tds.append('<td class="muted">-</td>')
            continue
        parts = []
        for e in cell.entries:
            cls = ' class="avoid"' if e.avoid else ""
            parts.append(f"<span{cls} title=\"{_e(e.title)} — {_e(e.sources_text)}\">{_e(e.summary)}</span>")
        tds.append("<td>" + "<br>".join(parts) + "</td>")
    mark = "≠" if r.disagree else ""
    return f'<tr class="{"disagree" if r.disagree else ""}"><td>{mark}</td><td>{_e(r.label)}</td>{"".join(tds)}</tr>'


def _explanations_html(missing: Sequence[MissingCell], what_ifs: Sequence[WhatIf], needs: Sequence[NeedsInfo]) -> list[str]:
    body: list[str] = []
    if what_ifs:
        body.append(f"<h2>What if {_e(', '.join(e.text for e in what_ifs[0].edits))}</h2>")
        body.append("<p class=muted>The table above is for the changed facts. What the change does to each pack's advice:</p>")
        for w in what_ifs:
            body.append(f"<h3>{_e(w.pack.title)}</h3><ul class=why>")
            for a in w.changed:
                rank = f"#{a.after_rank}" if a.after_rank else f"was #{a.before_rank}"
                because = "; ".join(delta_text(d) for d in a.because)
                body.append(f"<li><b>{_e(a.change.replace('_', ' '))}</b>: {_e(a.title)} ({_e(rank)}, "
                            f"<code>{_e(a.rule)}</code>)" + (f" <span class=muted>because {_e(because)}</span>" if because else "")
                            + "</li>")
            if not w.changed:
                body.append("<li>no change</li>")
            body.append("</ul>")
    if missing:
        body.append("<h2>Why a pack is silent</h2><ul class=why>")
        for m in missing:
            what = SHORT.get(m.kind, m.kind) + ("" if m.target == "yourself" else f": {m.target}")
            body.append(f"<li><b>{_e(m.pack)}</b>, {_e(('no advice against ' if m.avoid else '') + what)}: {_e(m.answer)}</li>")
        body.append("</ul>")
    asked = [(n, q) for n in needs for q in n.questions]
    if asked:
        runs = sum(n.evaluations for n in needs)
        body.append(f"<h2>What is missing</h2><p class=muted>Unknown facts whose answers change the advice most, per pack "
                    f"({runs} evaluations, at most {needs[0].limit} per pack).</p>")
        for n in needs:
            if not n.questions:
                continue
            body.append(f"<h3>{_e(n.pack.title)}</h3><ol class=why>")
            for q in n.questions:
                answers = "".join(f"<li>If {_e(a.answer)}: {_e(a.summary)}</li>" for a in q.answers)
                body.append(f"<li><b>{_e(q.todo)}</b>: “{_e(q.ask)}” <span class=muted>({_e(q.fact)}, impact "
                            f"{q.impact:g})</span><ul>{answers}</ul></li>")
            body.append("</ol>")
    return body


def comparison_html(c: Comparison, *, missing: Sequence[MissingCell] = (), what_ifs: Sequence[WhatIf] = (),
                    needs: Sequence[NeedsInfo] = ()) -> str:
    """The comparison page; with the why-not of silent cells, what a --what-if change did, and what is missing."""
    head = "".join(f"<th>{_e(p.title)}<br><span class=muted>{_e(p.name)} v{_e(p.version)}</span></th>" for p in c.packs)
    rows = "\n".join(_row_html(c, r) for r in c.rows)
    body = [f"<h1>Advice compared: {_e(c.position)} at {_e(c.company)}</h1>", f"<p>{_e(_heading(c))}</p>",
            f"<table><thead><tr><th>≠</th><th>Action</th>{head}</tr></thead><tbody>{rows}</tbody></table>"]
    if c.disagreements:
        body.append("<h2>Where they disagree</h2>")
        for r in c.disagreements:
            body.append(f"<h3>{_e(r.label)} <span class=muted>(differ in {_e(', '.join(r.differences))})</span></h3>")
            body.append(f"<p>{_e(r.explanation())}</p><ul class=why>")
            for cell in r.cells:
                for e in cell.entries:
                    if not e.company_wide:
                        body.append(f"<li><b>{_e(cell.pack)}</b> <code>{_e(e.rule)}</code>: {_e(e.rationale)} "
                                    f"<span class=muted>({_e(e.sources_text)})</span></li>")
            body.append("</ul>")
    else:
        body.append("<p>The packs agree on every action.</p>")
    body += _explanations_html(missing, what_ifs, needs)
    return _PAGE.format(title=_e(f"Advice compared: {c.position}"), body="\n".join(body))


# --- plan --------------------------------------------------------------------------

def _plan_heading(p: Plan) -> str:
    answers = ", ".join(f"{r.kind.replace('_', ' ')} {_when(r.at)}" for r in p.replies) or "nobody answers"
    return (f"{p.candidate} — {p.position} at {p.company}; plan from {p.start.strftime('%a %d %b %Y %H:%M')} "
            f"{p.timezone} for {p.days} days; simulated answers: {answers}")


def event_line(e: PlanEvent) -> str:
    """`Tue 17 19:00  day 0   thank-you: Dana Lee (email)`."""
    head = f"{e.at.strftime('%a %d %H:%M')}  day {e.day:<3}"
    if e.type == "received":
        return f"{head} ← {e.label}"
    if e.type == "advice":
        span = ""
        if e.avoid and e.due is not None:
            span = f" (until {e.due.strftime('%a %d %H:%M')})"
        return f"{head}   advice: {e.label}{span}"
    channel = f" ({e.channel})" if e.channel and e.channel != "none" else ""
    late = f" [due {e.due.strftime('%a %d %H:%M')}]" if e.late and e.due is not None else ""
    return f"{head} • {e.label}{channel}{late}"


def _end_line(lane: Lane) -> str:
    mark = {"move_on": "END", "horizon": "END", "stuck": "STUCK"}[lane.end.reason]
    return f"{mark}: {lane.end.message}"


def plan_text(p: Plan, file: IO[str] | None = None, *, color: bool | None = None, width: int | None = None) -> None:
    console = Console(file=file, **console_options(color), width=width, highlight=False,
                      soft_wrap=True)
    console.print(Text(_plan_heading(p), style="bold"))
    for lane in p.lanes:
        console.print()
        console.print(Text(f"{lane.pack.title} ({lane.pack.name} v{lane.pack.version})", style="bold underline"))
        for e in lane.events:
            style = "dim" if e.type == "advice" else ("yellow" if e.type == "received" else "")
            console.print(Text("  " + event_line(e), style=style))
        console.print(Text("  " + _end_line(lane), style="bold red" if lane.end.reason == "stuck" else "bold"))


def plan_markdown(p: Plan) -> str:
    lines = [f"# Follow-up plan: {p.position} at {p.company}", "", _plan_heading(p), ""]
    for lane in p.lanes:
        lines += [f"## {lane.pack.title} (`{lane.pack.name}`)", ""]
        lines += [f"- {event_line(e)}" for e in lane.events]
        lines += [f"- **{_end_line(lane)}**", ""]
    return "\n".join(lines)


def plan_html(p: Plan, svg: str) -> str:
    """The page: the picture, then a day-by-day table with one column per pack."""
    svg_inline = svg[svg.index("<svg"):] if "<svg" in svg else svg
    days = sorted({e.at.date() for lane in p.lanes for e in lane.events if e.type != "advice"}
                  | {lane.end.at.date() for lane in p.lanes if lane.end.reason != "horizon"})
    head = "".join(f"<th>{_e(lane.pack.title)}</th>" for lane in p.lanes)
    rows = []
    for d in days:
        tds = []
        for lane in p.lanes:
            items = [e for e in lane.events if e.at.date() == d and e.type != "advice"]
            text = "<br>".join(
                (f"<b>{e.at.strftime('%H:%M')}</b> " + (f"← {_e(e.label)}" if e.type == "received" else _e(e.label))
                 + (f" <span class=muted>({_e(e.channel)})</span>" if e.channel and e.channel != "none" else ""))
                for e in items)
            if lane.end.at.date() == d and lane.end.reason != "horizon":
                text += ("<br>" if text else "") + f"<b>{_e(_end_line(lane))}</b>"
            tds.append(f"<td>{text}</td>")
        day_no = (d - p.interview_day).days
        rows.append(f"<tr><td>{_e(d.strftime('%a %d %b'))}<br><span class=muted>day {day_no}</span></td>{''.join(tds)}</tr>")
    advice = []
    for lane in p.lanes:
        items = [e for e in lane.events if e.type == "advice"]
        if items:
            advice.append(f"<li><b>{_e(lane.pack.title)}</b>: " + "; ".join(
                f'<span class="{"avoid" if e.avoid else ""}">{_e(e.label)}</span>'
                f" <span class=muted>({_e(e.at.strftime('%a %d'))}–{_e((e.last_seen or e.at).strftime('%a %d'))})</span>"
                for e in items) + "</li>")
    ends = "".join(f"<li><b>{_e(lane.pack.title)}</b>: {_e(_end_line(lane))}</li>" for lane in p.lanes)
    body = "\n".join([
        f"<h1>Follow-up plan: {_e(p.position)} at {_e(p.company)}</h1>",
        f"<p>{_e(_plan_heading(p))}</p>",
        f"<figure>{svg_inline}</figure>",
        f"<h2>Day by day</h2><table><thead><tr><th>Day</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
        f"<h2>Standing advice</h2><ul>{''.join(advice)}</ul>" if advice else "",
        f"<h2>How each plan ends</h2><ul>{ends}</ul>",
    ])
    return _PAGE.format(title=_e(f"Follow-up plan: {p.position}"), body=body)


# --- corpus --------------------------------------------------------------------------

def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _tau(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.2f}"


def _only_label(kind: str, avoid: bool) -> str:
    return ("don't: " if avoid else "") + SHORT.get(kind, kind)


def corpus_markdown(c: CorpusComparison) -> str:
    names = [p.name for p in c.packs]
    lines = [f"# Packs compared over {len(c.cases)} cases ({c.folder})", "",
             f"All packs rank the same action first in {_pct(c.top_agreement)} of cases.", "",
             "## Pairs", "", "| pair | same top action | mean Kendall tau-b | cases with tau |", "|---|---|---|---|"]
    for pr in c.pairs:
        lines.append(f"| {pr.a} / {pr.b} | {_pct(pr.top_agreement)} | {_tau(pr.tau_mean)} | {pr.tau_cases} |")
    lines += ["", "## Actions only one pack gives", ""]
    if c.only_one:
        lines += ["| pack | action | cases |", "|---|---|---|"]
        for o in c.only_one:
            lines.append(f"| {o.pack} | {_only_label(o.kind, o.avoid)} | {o.count}: {', '.join(o.cases)} |")
    else:
        lines.append("None: every action is given by at least two packs.")
    lines += ["", "## Cases", "", "| case | at | disagreeing rows | " + " | ".join(f"top: {n}" for n in names) + " |",
              "|---|---|---|" + "---|" * len(names)]
    for s in c.cases:
        lines.append(f"| {s.case} | {s.at.strftime('%Y-%m-%d %H:%M')} | {s.disagreeing_rows}/{s.rows} | "
                     + " | ".join(str(s.top[n] or "-") for n in names) + " |")
    lines += ["", "## Where they disagree most", ""]
    for name in c.most_disagreeing:
        s = c.case(name)
        lines.append(f"### {name} ({s.disagreeing_rows}/{s.rows} rows differ)")
        lines.append("")
        for r in s.comparison.disagreements:
            lines.append(f"- **{r.label}**: {r.explanation()}")
        lines.append("")
    return "\n".join(lines)


def corpus_text(c: CorpusComparison, file: IO[str] | None = None, *, color: bool | None = None,
                width: int | None = None) -> None:
    console = Console(file=file, **console_options(color), width=width, highlight=False)
    names = [p.name for p in c.packs]
    console.print(Text(f"Packs compared over {len(c.cases)} cases in {c.folder}", style="bold"))
    console.print(f"All packs rank the same action first in {_pct(c.top_agreement)} of cases.")
    t = Table(title="Pairs")
    for col in ("pair", "same top action", "mean Kendall tau-b", "cases with tau"):
        t.add_column(col)
    for pr in c.pairs:
        t.add_row(f"{pr.a} / {pr.b}", _pct(pr.top_agreement), _tau(pr.tau_mean), str(pr.tau_cases))
    console.print(t)
    t = Table(title="Actions only one pack gives")
    for col in ("pack", "action", "cases"):
        t.add_column(col)
    for o in c.only_one:
        t.add_row(o.pack, _only_label(o.kind, o.avoid), f"{o.count}: {', '.join(o.cases)}")
    console.print(t)
    t = Table(title="Cases")
    t.add_column("case")
    t.add_column("differ")
    for n in names:
        t.add_column(f"top: {n}")
    for s in c.cases:
        t.add_row(s.case, f"{s.disagreeing_rows}/{s.rows}", *[str(s.top[n] or "-") for n in names])
    console.print(t)
    console.print(Text("Where they disagree most:", style="bold"))
    for name in c.most_disagreeing:
        s = c.case(name)
        console.print(Text(f"  {name} ({s.disagreeing_rows}/{s.rows} rows differ)", style="bold"))
        for r in s.comparison.disagreements:
            console.print(f"    ≠ {r.label}: {r.explanation()}")


def corpus_html(c: CorpusComparison) -> str:
    names = [p.name for p in c.packs]
    pairs = "".join(f"<tr><td>{_e(pr.a)} / {_e(pr.b)}</td><td>{_pct(pr.top_agreement)}</td><td>{_tau(pr.tau_mean)}</td>"
                    f"<td>{pr.tau_cases}</td></tr>" for pr in c.pairs)
    only = "".join(f"<tr><td>{_e(o.pack)}</td><td>{_e(_only_label(o.kind, o.avoid))}</td>"
                   f"<td>{o.count}: {_e(', '.join(o.cases))}</td></tr>" for o in c.only_one)
    cases = "".join(f"<tr><td>{_e(s.case)}</td><td>{s.disagreeing_rows}/{s.rows}</td>"
                    + "".join(f"<td>{_e(s.top[n] or '-')}</td>" for n in names) + "</tr>" for s in c.cases)
    worst = []
    for name in c.most_disagreeing:
        s = c.case(name)
        worst.append(f"<h3>{_e(name)}</h3><ul>" + "".join(f"<li><b>{_e(r.label)}</b>: {_e(r.explanation())}</li>"
                                                         for r in s.comparison.disagreements) + "</ul>")
    body = "\n".join([
        f"<h1>Packs compared over {len(c.cases)} cases</h1>",
        f"<p>All packs rank the same action first in {_pct(c.top_agreement)} of cases.</p>",
        "<h2>Pairs</h2><table><tr><th>pair</th><th>same top action</th><th>mean Kendall tau-b</th><th>cases with tau</th></tr>"
        f"{pairs}</table>",
        f"<h2>Actions only one pack gives</h2><table><tr><th>pack</th><th>action</th><th>cases</th></tr>{only}</table>",
        "<h2>Cases</h2><table><tr><th>case</th><th>differ</th>" + "".join(f"<th>top: {_e(n)}</th>" for n in names)
        + f"</tr>{cases}</table>",
        "<h2>Where they disagree most</h2>" + "".join(worst),
    ])
    return _PAGE.format(title="Packs compared", body=body)
