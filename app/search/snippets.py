"""Highlighted snippets: the stretch of text holding the most matched words, escaped, matches in <mark>.

Does what Whoosh's ContextFragmenter + HtmlFormatter did for one fragment, without building a Token object
per word of every hit's body (which cost more than the search itself).
"""
from __future__ import annotations

import html
from collections.abc import Callable, Collection

from app.search.analysis import WORD

MAXCHARS = 240
SURROUND = 70


def highlight(text: str, terms: Collection[str], terms_of: Callable[[str], tuple[str, ...]],
              maxchars: int = MAXCHARS, surround: int = SURROUND) -> str:
    """HTML snippet around the densest run of words whose index terms are in `terms`; "" when none match."""
    if not terms or not text:
        return ""
    hits = []
    for start in _word_starts(text, terms):
        m = WORD.match(text, start)
        if m and (not hits or m.start() >= hits[-1][1]) and any(t in terms for t in terms_of(m.group(0))):
            hits.append((m.start(), m.end()))
    if not hits:
        return ""
    # The window of at most `maxchars` characters that starts at a match and holds the most matches.
    best_i, best_j, j = 0, 0, 0
    for i in range(len(hits)):
        j = max(j, i)
        while j + 1 < len(hits) and hits[j + 1][1] - hits[i][0] <= maxchars:
            j += 1
        if j - i > best_j - best_i:
            best_i, best_j = i, j
    first, last = hits[best_i][0], hits[best_j][1]
    room = max(0, maxchars - (last - first))
    start = max(0, first - min(surround, room // 2 if last < len(text) else room))
    end = min(len(text), last + max(0, min(surround, maxchars - (last - start))))
    start = min(_word_start(text, start), first)
    end = max(_word_end(text, end), last)
    out, pos = [], start
    for s, e in hits[best_i : best_j + 1]:
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out).strip()


def _word_starts(text: str, terms: Collection[str]) -> list[int]:
    """Where words for these terms may start: stems are (almost always) prefixes of their words, so each term is
    looked for with str.find in the lower-cased text (several times faster than one case-insensitive regex),
    at the start of a word. Like a regex scan, a match's span is not searched again for shorter terms."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer ("İ"): keep every offset in place
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    ends: dict[int, int] = {}
    for term in terms:
        i = low.find(term)
        while i >= 0:
            if i == 0 or not low[i - 1].isalnum():
                ends[i] = max(ends.get(i, 0), i + len(term))
            i = low.find(term, i + 1)
    starts, reached = [], 0
    for i in sorted(ends):
        if i >= reached:
            starts.append(i)
            reached = ends[i]
    return starts


def _word_start(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i - 1].isspace():
        i += 1
    return i


def _word_end(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i].isspace():
        i -= 1
    return i
