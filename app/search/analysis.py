"""Tokenising for the keyword index: English stemming, but acronyms and ids are kept whole.

"LDSO", "DCP", "IF-036", "D0010", "REP002a" and "DIP-SEND-03" are indexed as they are (lower-cased), never
stemmed or dropped as stop words; a hyphenated id is one token and also its parts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import STOP_WORDS, Token, Tokenizer
from whoosh.lang.porter import stem

WORD = re.compile(r"[^\W_]+(?:[-_][^\W_]+)*")
STOP = frozenset(STOP_WORDS) | {"i", "my", "our", "me", "we", "us", "what", "how", "why", "do", "does", "did", "im"}
#: bump when tokenising changes, so `make index` rebuilds.
VERSION = "1"


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return stem(word)


def is_identifier(raw: str) -> bool:
    """Acronyms (DCP, DUoS), codes with digits (D0010, REP002a) and hyphenated ids (IF-036)."""
    if any(c.isdigit() for c in raw):
        return True
    if "-" in raw or "_" in raw:
        return any(is_identifier(p) for p in re.split(r"[-_]", raw))
    return len(raw) >= 2 and sum(c.isupper() for c in raw) >= 2


def normalise_terms(raw: str, protected: frozenset[str] = frozenset()) -> list[str]:
    """The index terms for one word as typed: whole id first, then its parts."""
    low = raw.lower()
    if is_identifier(raw) or low in protected:
        terms = [low]
        if "-" in raw or "_" in raw:
            terms += [t for p in re.split(r"[-_]", raw) for t in normalise_terms(p, protected)]
        return terms
    if "-" in raw or "_" in raw:
        return [t for p in re.split(r"[-_]", raw) for t in normalise_terms(p, protected)]
    if low in STOP or len(low) < 2:
        return []
    return [_stem(low)]


@lru_cache(maxsize=200_000)
def cached_terms(raw: str, protected: frozenset[str]) -> tuple[str, ...]:
    """normalise_terms for the tokenizer: words repeat, and snippets re-tokenise whole bodies per query."""
    return tuple(normalise_terms(raw, protected))


def tokenize(text: str, protected: frozenset[str] = frozenset()) -> list[str]:
    """Plain list of index terms for a text (used for queries and tests)."""
    return [t for m in WORD.finditer(text) for t in normalise_terms(m.group(0), protected)]


class KBTokenizer(Tokenizer):
    """Whoosh analyzer implementing the rules above; `protected` holds known acronyms in lower case."""

    def __init__(self, protected: Iterable[str] = ()) -> None:
        self.protected = frozenset(p.lower() for p in protected)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KBTokenizer) and other.protected == self.protected

    def __hash__(self) -> int:
        return hash(self.protected)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        pos = start_pos
        for m in WORD.finditer(value):
            for text in cached_terms(m.group(0), self.protected):
                t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
                t.text, t.boost, t.stopped = text, 1.0, False
                if keeporiginal:
                    t.original = m.group(0)
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + m.start(), start_char + m.end()
                yield t
            pos += 1


class SpellTokenizer(Tokenizer):
    """Lower-cased whole words, for "did you mean" suggestions."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        for i, m in enumerate(re.finditer(r"[a-zA-Z]{3,}", value)):
            t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
            t.text, t.boost, t.stopped = m.group(0).lower(), 1.0, False
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + m.start(), start_char + m.end()
            yield t
