"""One entry point for searching, whatever indexes are available; degrades to keyword, never fails."""
from __future__ import annotations

import html
import logging
import threading
import time
from typing import Protocol

from app.content.repository import ContentRepository
from app.content.source import ContentSource
from app.search.build import protected_terms
from app.search.keyword import KeywordIndex
from app.search.models import IndexUnavailable, SearchHit, SearchResponse
from app.search.store import IndexStore
from app.search.suggest import Suggestion, Suggestions
from app.search.synonyms import Synonyms

logger = logging.getLogger(__name__)

MODES = ("hybrid", "keyword", "semantic")
MAX_QUERY = 500
#: results a search ranks at most (pages reach this far; `total` counts up to it).
MAX_RESULTS = 100
#: The relevance floor for hybrid search: a question has a match when search by meaning finds a passage at
#: least as similar as the model's floor (app.search.embedder.RELEVANCE_FLOOR), or when at least this share of
#: its words (typos included) occur in the index. Calibrated with scripts/eval_search.py on
#: scripts/data/search-unrelated.yaml (weather, recipes, sport, gibberish) against the answerable sets: no
#: answerable question loses its results.
COVERAGE_FLOOR = 0.8


class SemanticSearch(Protocol):
    """What the search service needs from the semantic side (see app.search.semantic)."""

    def status(self) -> str | None:
        """None when ready, else a sentence saying why semantic search is unavailable."""

    def search(self, text: str, limit: int, category: str | None) -> list[SearchHit]: ...

    def hybrid(self, text: str, keyword_hits: list[SearchHit], limit: int, category: str | None) -> list[SearchHit]: ...


def glossary_synonyms(repo: ContentRepository) -> list[list[str]]:
    """Each glossary term is a synonym group of its name, acronym and aliases."""
    return [list(t.names()) for t in repo.glossary if len(t.names()) > 1]


class SearchService:
    def __init__(self, content: ContentSource | ContentRepository, store: IndexStore,
                 synonyms: Synonyms | None = None, semantic: SemanticSearch | None = None) -> None:
        self.source = content if isinstance(content, ContentSource) else ContentSource.fixed(content)
        self.store = store
        self._fixed_synonyms = synonyms is not None
        self._synonyms_for: ContentRepository | None = self.repo
        self.synonyms = synonyms or Synonyms.from_file(extra=glossary_synonyms(self.repo))
        self.semantic = semantic
        self._lock = threading.Lock()
        self._keyword: KeywordIndex | None = None
        self._version: float | None = None
        self._keyword_notice: str | None = None
        self._suggestions = Suggestions()

    def suggest(self, text: str) -> list[Suggestion]:
        """Article titles and glossary terms for what is being typed (app.search.suggest)."""
        return self._suggestions.for_content(self.repo).suggest(text[:MAX_QUERY])

    def keyword_index(self) -> tuple[KeywordIndex, str | None]:
        """The current keyword index, reopened when a new build is published; a RAM index if none is built."""
        version = self.store.version()
        if self._keyword is not None and version == self._version:
            return self._keyword, self._keyword_notice
        with self._lock:
            if self._keyword is None or version != self._version:
                self._refresh_synonyms()
                path = self.store.path("keyword")
                notice = None
                try:
                    if path is None:
                        raise IndexUnavailable("no keyword index has been built")
                    index = KeywordIndex.open(path, self.synonyms)
                except IndexUnavailable as exc:
                    logger.warning("%s; using a temporary in-memory index", exc)
                    index = KeywordIndex.in_memory(self.repo.published(), self.repo.glossary,
                                                   protected_terms(self.repo), self.synonyms)
                    notice = ("The search index has not been built, so results come from a temporary index. "
                              "Run `make index`.")
                self._keyword, self._version, self._keyword_notice = index, version, notice
        return self._keyword, self._keyword_notice

    @property
    def repo(self) -> ContentRepository:
        """The content as of the latest published index."""
        return self.source.current()

    def _refresh_synonyms(self) -> None:
        """New glossary terms bring new synonym groups, along with the index built from them."""
        repo = self.repo
        if not self._fixed_synonyms and repo is not self._synonyms_for:
            self.synonyms, self._synonyms_for = Synonyms.from_file(extra=glossary_synonyms(repo)), repo

    def search(self, text: str, mode: str = "hybrid", limit: int = 10, category: str | None = None,
               offset: int = 0) -> SearchResponse:
        """Results offset+1 .. offset+limit of at most MAX_RESULTS, with `total` the number ranked.

        Semantic and hybrid search keep a relevance floor: a question unlike anything in the knowledge base
        (by meaning, and by its words for hybrid) gets no results rather than the least bad ones.
        """
        started = time.perf_counter()
        index, notice = self.keyword_index()
        degraded = bool(notice)
        reason = None
        if mode in ("semantic", "hybrid"):
            reason = self.semantic.status() if self.semantic else "Search by meaning is not available on this server."
        if mode == "semantic" and not reason:
            hits, suggestion = [], None  # by meaning only: the keyword search would cost as much as the rest
        else:
            def keyword() -> tuple[list[SearchHit], str | None]:
                return index.search(text, limit=MAX_RESULTS, category=category, snippets=offset + limit)

            overlap = getattr(self.semantic, "embed_during", None) if mode == "hybrid" and not reason else None
            hits, suggestion = overlap(text, keyword)[1] if overlap is not None else keyword()
        if mode in ("semantic", "hybrid"):
            if reason:
                degraded = True
                notice = " ".join(filter(None, (f"{reason} Showing keyword results.", notice)))
            elif mode == "semantic":
                hits = self.semantic.search(text, MAX_RESULTS, category)
                if not hits:
                    suggestion = index.suggestion(text)
            else:
                hits = self.semantic.hybrid(text, hits, MAX_RESULTS, category)
                if not any("semantic_rank" in h.why for h in hits) and index.coverage(text) < COVERAGE_FLOOR:
                    hits = []  # nothing near in meaning, and most of its words are not in any article
        hits = self._glossary_first(text, hits)[:MAX_RESULTS]
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(text, mode, tuple(hits[offset:offset + limit]), suggestion, degraded, notice, took,
                              total=len(hits))

    def _glossary_first(self, text: str, hits: list[SearchHit]) -> list[SearchHit]:
        """When the query is a glossary term or acronym, its entry leads the results."""
        term = self.repo.find_term(text)
        if term is None:
            return hits
        rest = [h for h in hits if not (h.kind == "glossary" and h.slug == term.slug)]
        lead = next((h for h in hits if h.kind == "glossary" and h.slug == term.slug), None)
        if lead is None:
            lead = SearchHit("glossary", term.slug, term.term if not term.acronym else f"{term.term} ({term.acronym})",
                             term.url, html.escape(term.definition[:220]), hits[0].score if hits else 1.0,
                             why={"glossary_match": True})
        return [lead, *rest]
