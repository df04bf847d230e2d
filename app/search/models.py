"""Values returned by search."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class IndexUnavailable(Exception):
    """The index asked for has not been built, or cannot be read."""


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "article" | "glossary"
    slug: str
    title: str
    url: str
    snippet: str  # HTML-safe: escaped text with <mark> around matched words
    score: float
    category: str | None = None
    section: str | None = None  # anchor of the best-matching section, when known
    why: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "slug": self.slug, "title": self.title, "url": self.url,
                "snippet": self.snippet, "score": round(self.score, 4), "category": self.category,
                "section": self.section, "why": self.why}


@dataclass(frozen=True)
class SearchResponse:
    query: str
    mode: str
    hits: tuple[SearchHit, ...]
    suggestion: str | None = None
    degraded: bool = False
    notice: str | None = None
    took_ms: float = 0.0
    total: int = 0  # results ranked (at most app.search.service.MAX_RESULTS); hits is one page of them
