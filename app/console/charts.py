"""Bar charts as inline SVG, drawn on the server: no JavaScript, and no style attributes (the CSP forbids
inline styles), only presentation attributes. Every chart has a title and a text description, and the
page shows the same figures as a table."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Colour-blind-safe palette (Okabe-Ito), dark enough for 3:1 contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#6b7280")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str | None = None


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:g}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(value)


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, stacked: bool = False,
              percent: bool = False, width: int = 720, height: int = 260, description: str = "") -> str:
    """Grouped (or stacked) vertical bars; ``percent`` values are 0..1 with a fixed 0-100% axis."""
    uid = f"chart{next(_ids)}"
    left, right, top, bottom = 48, 12, 12, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    legend_h = _legend(series, left, 0, plot_w)[1]
    total_h = height + legend_h
    n = max(len(labels), 1)
    if percent:
        ymax = 1.0
    elif stacked:
        ymax = _nice_max(max((sum(s.values[i] for s in series) for i in range(len(labels))), default=0))
    else:
        ymax = _nice_max(max((v for s in series for v in s.values), default=0))
    desc = description or f"{title}: " + "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {_fmt(s.values[i], percent)}" for s in series)
        for i, label in enumerate(labels))
    out = [f'<svg class="chart" role="img" aria-labelledby="{uid}-t {uid}-d" viewBox="0 0 {width} {total_h}" '
           f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" '
           f'font-family="system-ui, sans-serif" font-size="11">',
           f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>']
    for k in range(5):  # gridlines and y axis labels
        value = ymax * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dbe3"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5563">'
                   f'{escape(_fmt(value, percent))}</text>')
    slot = plot_w / n
    bar_w = slot * 0.7 if stacked else slot * 0.8 / max(len(series), 1)
    label_every = max(1, round(n / 12))
    for i, label in enumerate(labels):
        x0 = left + slot * i + slot * (0.15 if stacked else 0.1)
        base = 0.0
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            h = plot_h * (value / ymax) if ymax else 0
            colour = s.colour or PALETTE[j % len(PALETTE)]
            if stacked:
                y = top + plot_h - plot_h * (base / ymax) - h
                x = x0
                base += value
            else:
                y = top + plot_h - h
                x = x0 + bar_w * j
            if h > 0:
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                           f'<title>{escape(label)} · {escape(s.name)}: {escape(_fmt(value, percent))}</title></rect>')
        if i % label_every == 0:
            cx = left + slot * i + slot / 2
            out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#1b2430">'
                       f'{escape(label)}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#4a5563"/>')
    out += _legend(series, left, height - 12, plot_w)[0]
    out.append("</svg>")
    return "".join(out)


#: Average width of a character at the charts' 11 px font, generous so estimated labels never touch.
CHAR_W = 6.6


def _legend(series: Sequence[Series], x0: float, y0: float, max_w: float) -> tuple[list[str], int]:
    """Legend keys laid out left to right by the width of their labels, wrapping before one would run into
    the next or off the chart; returns the SVG and its height."""
    out, x, y = [], x0, y0
    for j, s in enumerate(series):
        w = 17 + len(s.name) * CHAR_W + 18
        if x > x0 and x + w > x0 + max_w:
            x, y = x0, y + 22
        colour = s.colour or PALETTE[j % len(PALETTE)]
        out.append(f'<rect x="{x:.1f}" y="{y:.0f}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 17:.1f}" y="{y + 10:.0f}" fill="#1b2430">{escape(s.name)}</text>')
        x += w
    return out, int(y - y0) + 22


def _wrap(text: str, chars: int, lines: int = 3) -> list[str]:
    """Words in lines of at most `chars` characters; never cut a word, at most `lines` lines (the last may be
    longer)."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= chars or len(out) == lines:
            out[-1] += " " + word
        else:
            out.append(word)
    return out or [""]


def horizontal_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 720,
                         label_w: int = 300) -> str:
    """One row per label with a bar per series; long labels (article titles) wrap instead of being cut."""
    uid = f"chart{next(_ids)}"
    right, top = 40, 8
    plot_w = width - label_w - right
    chars = int((label_w - 12) / CHAR_W)
    wrapped = [_wrap(label, chars) for label in labels]
    rows = [max(14 * len(lines) + 10, 12 * len(series) + 10) for lines in wrapped]
    plot_h = sum(rows)
    legend, legend_h = _legend(series, label_w, top + plot_h + 10, plot_w)
    xmax = _nice_max(max((v for s in series for v in s.values), default=0))
    desc = f"{title}: " + "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {_fmt(s.values[i], False)}" for s in series)
        for i, label in enumerate(labels))
    out = [f'<svg class="chart" role="img" aria-labelledby="{uid}-t {uid}-d" '
           f'viewBox="0 0 {width} {top + plot_h + 10 + legend_h}" width="100%" preserveAspectRatio="xMinYMin meet" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">',
           f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>']
    y = top
    for i, (label, lines, row_h) in enumerate(zip(labels, wrapped, rows, strict=True)):
        first = y + (row_h - 14 * len(lines)) / 2 + 11
        text = "".join(f'<tspan x="{label_w - 8}" y="{first + 14 * k:.1f}">{escape(line)}</tspan>'
                       for k, line in enumerate(lines))
        out.append(f'<text text-anchor="end" fill="#1b2430">{text}</text>')
        bar_y = y + (row_h - 12 * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            w = plot_w * value / xmax if xmax else 0
            colour = s.colour or PALETTE[j % len(PALETTE)]
            if w > 0:
                out.append(f'<rect x="{label_w}" y="{bar_y + 12 * j:.1f}" width="{w:.1f}" height="10" fill="{colour}">'
                           f'<title>{escape(label)} · {escape(s.name)}: {escape(_fmt(value, False))}</title></rect>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{bar_y + 12 * j + 9:.1f}" fill="#4a5563">'
                       f'{escape(_fmt(value, False))}</text>')
        y += row_h
    out.append(f'<line x1="{label_w}" x2="{label_w}" y1="{top}" y2="{top + plot_h}" stroke="#4a5563"/>')
    out += legend
    out.append("</svg>")
    return "".join(out)
