from __future__ import annotations

import xml.etree.ElementTree as ET

from app.console.charts import Series, bar_chart

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
