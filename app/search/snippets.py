"""Highlighted snippets: the stretch of text holding the most matched words, escaped, matches in <mark>.

Does what Whoosh's ContextFragmenter + HtmlFormatter did for one fragment, without building a Token object
per word of every hit's body (which cost more than the search itself).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection
from functools import lru_cache

from app.search.analysis import WORD

MAXCHARS = 240
SURROUND = 70


@lru_cache(maxsize=1024)
def candidates(terms: frozenset[str]) -> re.Pattern[str]:
    """Finds where words for these terms may start: stems are (almost always) prefixes of their words."""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                      + r")", re.I)


def highlight(text: str, terms: Collection[str], terms_of: Callable[[str], tuple[str, ...]],
              maxchars: int = MAXCHARS, surround: int = SURROUND, pattern: re.Pattern[str] | None = None) -> str:
    """HTML snippet around the densest run of words whose index terms are in `terms`; "" when none match.

    `pattern` may be candidates() of a superset of `terms` (one compiled pattern for all hits of a query).
    """
    if not terms or not text:
        return ""
    pattern = pattern or candidates(frozenset(terms))
    hits = []
    for c in pattern.finditer(text):
        m = WORD.match(text, c.start())
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


def _word_start(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i - 1].isspace():
        i += 1
    return i


def _word_end(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i].isspace():
        i -= 1
    return i
