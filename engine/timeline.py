"""The picture of a plan: each pack's timeline, one lane above another, over the same days.

Drawn with matplotlib's Agg backend (no display needed) as SVG or PNG.
Days run left to right with their dates, weekends shaded; each lane is one
pack; each thing done is a marker whose colour and shape say what kind of
action it is, labelled with what and for whom. Things done together (three
thank-yous at 19:00) are one marker. Labels are packed into as many rows as a
lane needs so none overlap. "Don't ..." advice is a hatched bar for as long as
the pack gives it; the end of the plan (move on, end of the simulated days, or
a stuck simulation) closes the lane.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from .planning import Plan, PlanEvent

if TYPE_CHECKING:
    from matplotlib.artist import Artist

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["render_figure", "render_svg", "render_png", "CATEGORIES", "category_of"]

Format = Literal["svg", "png"]


@dataclass(frozen=True)
class Category:
    name: str
    colour: str
    marker: str


# Colour-blind-safe palette (Okabe-Ito) plus distinct shapes, so print in grey still reads.
CATEGORIES: dict[str, Category] = {
    "prepare": Category("notes, contacts, asking the date", "#7f7f7f", "o"),
    "thanks": Category("thank-yous and letters", "#0072B2", "s"),
    "linkedin": Category("LinkedIn", "#56B4E9", "h"),
    "call": Category("calls", "#D55E00", "^"),
    "email": Category("status and follow-up emails", "#CC79A7", "D"),
    "answer": Category("answering the company", "#009E73", "P"),
    "received": Category("simulated answer arrives", "#E69F00", "*"),
    "move_on": Category("move on", "#000000", "X"),
}


def category_of(e: PlanEvent) -> str:
    if e.type == "received":
        return "received"
    if e.kind in ("write_notes", "collect_contacts", "ask_decision_date", "prepare_second_round"):
        return "prepare"
    if e.kind in ("thank_you", "formal_letter"):
        return "thanks"
    if e.kind == "connect_linkedin":
        return "linkedin"
    if e.kind in ("status_check", "second_follow_up"):
        return "call" if e.channel == "phone" else "email"
    if e.kind in ("reply_offer", "reply_second_round", "thank_after_rejection"):
        return "call" if e.channel == "phone" else "answer"
    if e.kind == "move_on":
        return "move_on"
    return "prepare"


@dataclass
class _Mark:
    x: float
    category: str
    label: str
    row: int = 0


def _group(events: list[PlanEvent], x_of: Callable[[datetime], float]) -> list[_Mark]:
    """One mark per (moment, label stem): `thank-you ×4` instead of four piled-up markers."""
    groups: dict[tuple[datetime, str, str], list[PlanEvent]] = {}
    for e in events:
        if e.type not in ("done", "received"):
            continue
        stem = e.label.split(":")[0]
        groups.setdefault((e.at, stem, category_of(e)), []).append(e)
    marks = []
    for (at, stem, cat), evs in groups.items():
        names = [e.target for e in evs if e.target and e.target not in ("yourself", "the company")]
        if len(evs) == 1 and names and ":" in evs[0].label:
            label = f"{stem} {_first(names[0])}"
        elif len(names) > 1:
            label = f"{stem} ×{len(names)}"
        else:
            label = evs[0].label
        if evs[0].kind == "move_on":
            label = f"move on (day {evs[0].day})"
        marks.append(_Mark(x_of(at), cat, f"{at.strftime('%H:%M')} {label}"))
    return sorted(marks, key=lambda m: (m.x, m.label))


def _first(name: str) -> str:
    parts = name.split()
    if parts and parts[0].rstrip(".").lower() in ("dr", "mr", "mrs", "ms", "prof") and len(parts) > 1:
        return " ".join(parts[:2])
    return parts[0] if parts else name


def _pack_rows(marks: list[_Mark], width_of: Callable[[str], float], gap: float) -> int:
    """Greedy: each label goes in the first row where it starts after the previous label there ends."""
    ends: list[float] = []
    for m in marks:
        start = m.x - 0.08
        end = m.x + width_of(m.label) + gap
        for row, last in enumerate(ends):
            if start >= last:
                m.row = row
                ends[row] = end
                break
        else:
            m.row = len(ends)
            ends.append(end)
    return max(len(ends), 1)


def render_figure(plan: Plan) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    tz = ZoneInfo(plan.timezone)
    day0 = datetime.combine(plan.start.astimezone(tz).date(), datetime.min.time(), tz)
    n_days = (plan.until.astimezone(tz).date() - day0.date()).days + 1

    def x_of(t: datetime) -> float:
        local = t.astimezone(tz)
        return (local.date() - day0.date()).days + (local.hour * 60 + local.minute) / 1440

    inch_per_day = 0.62 if n_days <= 25 else max(0.25, 15.5 / n_days)
    fig_w = max(11.0, 2.3 + n_days * inch_per_day)
    plot_w_in = fig_w - 2.3
    font = 8.0
    # label width in days: ~0.55 em per character at `font` points
    day_per_char = (font * 0.56 / 72) / (plot_w_in / n_days)

    def width_of(text: str) -> float:
        return len(text) * day_per_char + 0.12

    lanes = []
    for lane in plan.lanes:
        marks = _group(lane.events, x_of)
        rows = _pack_rows(marks, width_of, gap=0.1)
        spans = [e for e in lane.events if e.type == "advice" and e.kind != "keep_searching"]
        lanes.append((lane, marks, rows, spans))

    row_h = 0.30  # inches
    lane_heights = [rows * row_h + 0.35 + 0.22 * min(len(spans), 4) for _, _, rows, spans in lanes]
    fig_h = sum(lane_heights) + 1.9
    fig = Figure(figsize=(fig_w, fig_h), dpi=110)
    FigureCanvasAgg(fig)  # no pyplot, no global state: safe in threads and servers
    ax = fig.add_axes((1.9 / fig_w, 1.25 / fig_h, plot_w_in / fig_w, (fig_h - 1.9) / fig_h))
    total = sum(lane_heights)
    ax.set_xlim(0, n_days)
    ax.set_ylim(total, 0)

    # weekends and day grid
    for d in range(n_days):
        day = (day0 + timedelta(days=d)).date()
        if day.weekday() >= 5:
            ax.add_patch(Rectangle((d, 0), 1, total, facecolor="#eeeeee", edgecolor="none", zorder=0))
        ax.axvline(d, color="#dddddd", linewidth=0.6, zorder=0.5)
    ax.set_xticks([d + 0.5 for d in range(n_days)])
    iv_day = plan.interview_day
    labels = []
    for d in range(n_days):
        day = (day0 + timedelta(days=d)).date()
        labels.append(f"{day.strftime('%a')}\n{day.day} {day.strftime('%b') if d == 0 or day.day == 1 else ''}".rstrip()
                      + f"\nday {(day - iv_day).days}")
    ax.set_xticklabels(labels, fontsize=7)
    ax.tick_params(axis="x", length=0)
    ax.axvline(x_of(plan.start), color="#444444", linestyle=":", linewidth=1)

    y = 0.0
    yticks, ynames = [], []
    for (lane, marks, _rows, spans), h in zip(lanes, lane_heights, strict=True):
        top = y
        if y > 0:
            ax.axhline(y, color="#888888", linewidth=1)
        yticks.append(y + h / 2)
        plain_title = lane.pack.title.lower().replace(" ", "-") == lane.pack.name
        ynames.append(lane.pack.title if plain_title else f"{lane.pack.title}\n({lane.pack.name})")
        # hatched bars for "don't ..." and other standing advice
        for i, e in enumerate(spans[:4]):
            start = x_of(e.at)
            stop_t = e.last_seen or e.at
            if e.due is not None and e.avoid and e.due > stop_t:
                stop_t = e.due
            stop = max(x_of(stop_t), start + 0.15)
            stop = min(stop, x_of(lane.end.at)) if lane.end.reason != "horizon" else stop
            yy = top + 0.12 + i * 0.22
            colour = "#D55E00" if e.avoid else "#009E73"
            ax.add_patch(Rectangle((start, yy), stop - start, 0.14, facecolor="none", edgecolor=colour,
                                   hatch="////" if e.avoid else "..", linewidth=0.6, zorder=1))
            ax.text(start + 0.05, yy + 0.07, e.label.replace(": the company", ""), fontsize=7, va="center",
                    ha="left", color=colour, zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
        base = top + 0.2 + 0.22 * min(len(spans), 4)
        for m in marks:
            cat = CATEGORIES[m.category]
            my = base + m.row * row_h + row_h / 2
            ax.plot([m.x], [my], marker=cat.marker, color=cat.colour, markersize=9 if m.category != "received" else 12,
                    markeredgecolor="white", markeredgewidth=0.6, linestyle="none", zorder=4)
            ax.text(m.x + 0.09, my, m.label, fontsize=font, va="center", ha="left", zorder=5,
                    color="#222222")
        # lane end
        end_x = x_of(lane.end.at)
        if lane.end.reason == "move_on":
            ax.add_patch(Rectangle((end_x, top), n_days - end_x, h, facecolor="none", edgecolor="#d0d0d0",
                                   hatch="\\\\", linewidth=0, zorder=0.8))
        elif lane.end.reason == "stuck":
            ax.add_patch(Rectangle((end_x, top), n_days - end_x, h, facecolor="#ffdddd", edgecolor="none", zorder=0.8))
            ax.text(end_x + 0.1, top + h - 0.15, "stuck: " + lane.end.message[:70] + "…", fontsize=7, color="#aa0000")
        y += h
    ax.set_yticks(yticks)
    ax.set_yticklabels(ynames, fontsize=9, fontweight="bold")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    answers = ", ".join(f"{r.kind.replace('_', ' ')} on day {(r.at.astimezone(tz).date() - iv_day).days}"
                        for r in plan.replies) or "nobody answers"
    fig.suptitle(f"Follow-up plans for {plan.candidate}: {plan.position} at {plan.company}", x=0.01, ha="left",
                 fontsize=11, fontweight="bold", y=1 - 0.12 / fig_h)
    fig.text(0.01, 1 - 0.42 / fig_h,
             f"From {plan.start.astimezone(tz).strftime('%a %d %b %Y %H:%M')} ({plan.timezone}), {plan.days} days; "
             f"simulated answers: {answers}. Grey columns: weekends; dotted line: start.",
             fontsize=8, color="#444444", ha="left")
    used = []
    for _lane, marks, _, _ in lanes:
        for m in marks:
            if m.category not in used:
                used.append(m.category)
    order = [c for c in CATEGORIES if c in used]
    handles: list[Artist] = [Line2D([], [], marker=CATEGORIES[c].marker, color=CATEGORIES[c].colour, linestyle="none",
                      markersize=8, label=CATEGORIES[c].name) for c in order]
    handles.append(Patch(facecolor="none", edgecolor="#D55E00", hatch="////", label="don't ... (while the pack says so)"))
    if any(not e.avoid for _, _, _, spans in lanes for e in spans):
        handles.append(Patch(facecolor="none", edgecolor="#009E73", hatch="..", label="standing advice (while given)"))
    handles.append(Patch(facecolor="none", edgecolor="#d0d0d0", hatch="\\\\", label="after moving on"))
    fig.legend(handles=handles, loc="lower left", ncol=min(5, len(handles)), fontsize=7.5, frameon=False,
               bbox_to_anchor=(1.9 / fig_w - 0.01, 0.0))
    return fig


def render_svg(plan: Plan) -> str:
    """SVG with real text elements (searchable, selectable, smaller than glyph paths)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        render_figure(plan).savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def render_png(plan: Plan) -> bytes:
    buf = io.BytesIO()
    render_figure(plan).savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
