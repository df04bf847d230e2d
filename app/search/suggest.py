"""Suggestions while typing: article titles and glossary terms (names, acronyms, aliases) by prefix or typo.

Every word typed must begin a word of the title or name; the last word, still being typed, may also be a
typo of one (within one edit, two for long words, as keyword search allows). Held in memory per content
version: a lookup is a scan of a few thousand short strings (well under a millisecond at 1,000 articles).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from app.content.repository import ContentRepository
from app.search.fuzzy import Vocabulary, max_edits

WORDS = re.compile(r"[\w-]+")
MAX_SUGGESTIONS = 8


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "article" | "glossary"
    title: str
    url: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "title": self.title, "url": self.url}


@dataclass(frozen=True)
class _Entry:
    suggestion: Suggestion
    words: tuple[str, ...]  # lower-case words of the name
    rank: int  # 0 for articles, 1 for glossary names: with 228 terms, articles would be crowded out


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in WORDS.findall(text))


class Suggester:
    def __init__(self, repo: ContentRepository) -> None:
        entries = [_Entry(Suggestion("article", a.title, a.url), _words(a.title), 0)
                   for a in sorted(repo.published(), key=lambda a: a.title)]
        for t in sorted(repo.glossary, key=lambda t: t.term):
            title = f"{t.term} ({t.acronym})" if t.acronym and t.acronym != t.term else t.term
            for name in t.names():
                entries.append(_Entry(Suggestion("glossary", title, t.url), _words(name), 1))
        self._entries = entries
        self._vocabulary = Vocabulary(w for e in entries for w in e.words)

    def suggest(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        typed = _words(text)
        if not typed:
            return []
        *done, last = typed
        # a typo only in a word of four letters or more, as keyword search allows
        near = {w for w, _ in self._vocabulary.within(last, max_edits(last))} if len(last) >= 4 else set()
        exact: list[_Entry] = []
        typos: list[_Entry] = []
        for e in self._entries:
            if not all(any(w.startswith(d) for w in e.words) for d in done):
                continue
            if any(w.startswith(last) for w in e.words):
                exact.append(e)
            elif near.intersection(e.words):
                typos.append(e)
        found: dict[Suggestion, None] = {}
        # names that begin with what was typed first, then articles before glossary terms; typos after, alike
        exact.sort(key=lambda e: (not e.words[0].startswith(typed[0]), e.rank))
        typos.sort(key=lambda e: (e.words[0] not in near, e.rank))
        for e in exact + typos:
            found.setdefault(e.suggestion)
            if len(found) >= limit:
                break
        return list(found)


class Suggestions:
    """The suggester for the content currently published, rebuilt when it changes; safe between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._for: ContentRepository | None = None
        self._suggester: Suggester | None = None

    def for_content(self, repo: ContentRepository) -> Suggester:
        with self._lock:
            if self._suggester is None or self._for is not repo:
                self._suggester, self._for = Suggester(repo), repo
            return self._suggester
