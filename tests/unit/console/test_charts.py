from __future__ import annotations

import xml.etree.ElementTree as ET

from app.console.charts import Series, bar_chart, horizontal_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_valid_accessible_svg_with_escaped_labels_and_no_style_attributes():
    svg = bar_chart("Cases <per> week", ["2025-11-03", "<b>"], [Series("Met", (3, 1)), Series("Breached", (1, 0))],
                    stacked=True)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Cases <per> week"
    assert "<b>" not in svg and "style=" not in svg
    assert len(root.findall(f"{SVG}rect")) == 3 + 2  # three non-zero bars plus two legend keys


def test_percent_chart_uses_a_fixed_axis():
    svg = bar_chart("Compliance", ["P1"], [Series("Met", (0.5,))], percent=True)
    assert ">100%<" in svg and ">50%<" in svg


def test_empty_chart_still_renders():
    ET.fromstring(bar_chart("Nothing yet", [], []))


def _legend_boxes(svg: str) -> list[tuple[float, float, float]]:
    """(x, y, right edge) of each legend label, its width estimated generously at 7 px a character."""
    root = ET.fromstring(svg)
    texts = [t for t in root.iter(f"{SVG}text") if t.text and t.get("x") and not t.get("text-anchor")]
    legend = [t for t in texts if float(t.get("y")) > 200]
    return [(float(t.get("x")), float(t.get("y")), float(t.get("x")) + 7 * len(t.text)) for t in legend]


def test_legend_labels_never_overlap_or_leave_the_chart():
    names = ["Self-help confirmed", "Potential (no case in 7 days)", "Escalated to a case", "Abandoned",
             "Out of scope", "Too recent to judge"]
    svg = bar_chart("Outcomes", ["1 Dec"], [Series(n, (1,)) for n in names], stacked=True)
    boxes = _legend_boxes(svg)
    assert len(boxes) == len(names)
    for i, (x, y, end) in enumerate(boxes):
        assert end <= 720
        for x2, y2, end2 in boxes[i + 1:]:
            assert y != y2 or end <= x2 or end2 <= x  # same row: one ends before the other starts


def test_horizontal_bars_carry_whole_article_titles():
    title = "How do I raise a case (ticket) with Elexon support and track its progress?"
    svg = horizontal_bar_chart("Most viewed articles", [title, "<b>"], [Series("Views", (12, 3))])
    root = ET.fromstring(svg)
    shown = " ".join(t.text for t in root.iter(f"{SVG}tspan"))
    assert title in shown  # wrapped over lines, never cut
    assert "<b>" not in svg and "style=" not in svg
