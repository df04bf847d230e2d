"""Markdown to sanitised HTML, in one place, with stable heading anchors."""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

import markdown
import nh3

from app.content.models import Heading
from app.content.slugs import slugify
from app.content.unconfirmed import render_markers

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "td": {"align"}, "th": {"align"},
}
_HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    headings: tuple[Heading, ...]


def anchor_for(text: str) -> str:
    """The anchor a heading with this text gets (same rule as the Markdown toc extension)."""
    return slugify(text)


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """This thread's converter, reset for each document: setting one up (its extensions and patterns) costs more
    than converting a short section, and the assistant and the index render thousands of them."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(
            extensions=["toc", "tables", "fenced_code", "sane_lists", "def_list"],
            extension_configs={"toc": {"slugify": lambda text, separator: slugify(text, separator=separator),
                                       "toc_depth": "2-4"}},
        )
    return md.reset()


def render_markdown(source: str) -> Rendered:
    """Render, then sanitise with nh3 so no script or event handler in content reaches a page."""
    raw = _markdown().convert(source)
    # Demote any H1 in the body: the page title is the only H1.
    raw = re.sub(r"<(/?)h1([ >])", r"<\1h2\2", raw)
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    clean = render_markers(clean)
    headings = tuple(
        Heading(int(level), html.unescape(_TAG.sub("", inner)).strip(), anchor)
        for level, anchor, inner in _HEADING.findall(clean)
    )
    return Rendered(html=clean, text=plain_text(clean), headings=headings)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, for indexing and snippets."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()
