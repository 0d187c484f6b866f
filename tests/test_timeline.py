"""The plan picture: lanes per pack over the same days, readable (no overlapping labels)."""

from __future__ import annotations

import struct
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup
from followup.cli import cli
from followup.planning import Plan, plan
from followup.timeline import render_figure, render_png, render_svg

ROOT = Path(__file__).resolve().parents[1]
JUST_AFTER = ROOT / "examples" / "just-after.yaml"
START = "2026-11-17T16:00"


@pytest.fixture(scope="module")
def engine() -> followup.Engine:
    return followup.Engine()


def test_svg_has_lanes_days_and_labelled_events(three_styles: Plan) -> None:
    svg = render_svg(three_styles)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for lane in ("Conservative", "Proactive", "Tech industry"):
        assert lane in svg
    # text is kept as text, so labels can be found (and read by screen readers)
    for label in ("10:00 call Dana", "15:00 thank-you ×4", "19:00 thank-you ×4", "18:00 thank-you ×4",
                  "10:00 status email Dana", "09:00 formal letter ×3", "move on (day 15)", "don't call (status check)"):
        assert label in svg, label
    assert "day 0" in svg and "day 21" in svg


def test_weekends_are_shaded_and_lanes_ordered(three_styles: Plan) -> None:
    from matplotlib.patches import Rectangle

    fig = render_figure(three_styles)
    ax = fig.axes[0]
    weekend = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] == pytest.approx((0xee / 255,) * 3)]
    # Sat 21, Sun 22, Sat 28, Sun 29 Nov, Sat 5, Sun 6 Dec
    assert sorted(p.get_x() for p in weekend) == [4, 5, 11, 12, 18, 19]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Conservative", "Proactive", "Tech industry"]


def test_labels_do_not_overlap(three_styles: Plan) -> None:
    fig = render_figure(three_styles)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]
    assert len(boxes) >= 20
    clashes = [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    assert clashes == []
    right = ax.get_window_extent(renderer).x1
    fig_right = fig.bbox.x1
    assert all(b.x1 <= fig_right for _, b in boxes), "a label runs off the picture"
    assert right <= fig_right


def test_markers_sit_on_their_days(three_styles: Plan) -> None:
    fig = render_figure(three_styles)
    ax = fig.axes[0]
    xs = sorted({round(line.get_xdata()[0], 3) for line in ax.lines if len(line.get_xdata()) == 1})
    # proactive's call is Fri 20 10:30: day 3 of the axis + 10.5 hours
    assert round(3 + 10 / 24, 3) in xs
    # every built-in pack moves on Wed 2 Dec 10:00 (axis day 15)
    assert round(15 + 10 / 24, 3) in xs


def test_png_is_a_wide_readable_image(three_styles: Plan) -> None:
    data = render_png(three_styles)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1400 and 600 <= height <= 1400


def test_stuck_lane_is_drawn_as_such(engine: followup.Engine) -> None:
    stuck = plan(JUST_AFTER, ["proactive", str(Path(__file__).parent / "packs_for_tests" / "stuck.yaml")], START, 7,
                 engine=engine)
    svg = render_svg(stuck)
    assert "stuck: rule" in svg


def test_cli_svg_and_png_files(engine: followup.Engine, tmp_path: Path) -> None:
    svg = tmp_path / "plan.svg"
    png = tmp_path / "plan.png"
    args = ["plan", str(JUST_AFTER), "--packs", "conservative,proactive,tech-industry", "--from", START]
    r1 = CliRunner().invoke(cli, [*args, "--format", "svg", "--output", str(svg)], obj={"engine": engine})
    r2 = CliRunner().invoke(cli, [*args, "--format", "png", "--output", str(png)], obj={"engine": engine})
    assert r1.exit_code == 0 and r2.exit_code == 0
    assert "10:00 call Dana" in svg.read_text(encoding="utf-8")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_png_needs_an_output_file(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--format", "png"], obj={"engine": engine})
    assert result.exit_code == 2 and "--output" in result.output


def test_html_page_has_picture_and_day_table(engine: followup.Engine) -> None:
    result = CliRunner().invoke(cli, ["plan", str(JUST_AFTER), "--packs", "conservative,proactive,tech-industry",
                                      "--from", START, "--format", "html"], obj={"engine": engine})
    assert result.exit_code == 0
    page = result.output
    assert page.startswith("<!doctype html>") and "<svg" in page
    head = page[page.index("<h2>Day by day</h2>"):]
    assert "<th>Day</th><th>Conservative</th><th>Proactive</th><th>Tech industry</th>" in head
    row = head[head.index("Fri 20 Nov"):].split("</tr>")[0]
    conservative, proactive, tech = row.split("<td>")[1:]  # the day's own cell comes before the split
    assert "call: Dana Lee" in proactive and "call: Dana Lee" not in conservative + tech
    assert "END: the pack says move on, on day 15" in page
