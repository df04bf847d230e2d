"""Search by meaning: the SemanticSearch the search service uses, and its "off" counterpart.

The model loads in a background thread so keyword search serves from the first second; until it is ready,
or while the semantic index is missing or was built with another model, status() says why and the search
service falls back to keyword results.
"""
from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from app.content.repository import ContentRepository
from app.content.source import ContentSource
from app.search.build import BuildReport
from app.search.embedder import Embedder
from app.search.hybrid import (
    DEFAULT_OFFSETS,
    DEFAULT_WEIGHTS,
    RRF_K,
    FoldedMatch,
    fold_arrays,
    fuse,
    tied_positions,
)
from app.search.models import IndexUnavailable, SearchHit
from app.search.process import PLAIN, ProcessPolicy
from app.search.semantic_index import KIND, SemanticIndex, build_semantic
from app.search.store import IndexStore
from app.search.text_vectors import TextVectors, build_text_vectors, open_text_vectors

__all__ = ["DisabledSemantic", "SemanticIndex", "SemanticSearcher"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: documents taken from the semantic ranking into the fusion.
HYBRID_DEPTH = 30
#: passages fetched per document wanted (documents have several passages each).
PASSAGES_PER_DOC = 6
#: query vectors embedded ahead (embed_during, embed_ahead) and not yet collected, at most.
MAX_PENDING = 64


class DisabledSemantic:
    """KB_SEMANTIC=off: no model, no semantic index; every semantic request is served by keyword."""

    def status(self) -> str | None:
        return "Search by meaning is turned off on this server (KB_SEMANTIC=off)."

    def search(self, text: str, limit: int, category: str | None) -> list[SearchHit]:
        return []

    def hybrid(self, text: str, keyword_hits: list[SearchHit], limit: int, category: str | None) -> list[SearchHit]:
        return keyword_hits[:limit]


class SemanticSearcher:
    """Passage vectors searched with the embedder's query vector, folded into one result per article."""

    def __init__(self, content: ContentSource | ContentRepository, store: IndexStore, embedder: Embedder,
                 weights: Mapping[str, float] | None = None, rrf_k: float = RRF_K,
                 offsets: Mapping[str, float] | None = None, process: ProcessPolicy = PLAIN) -> None:
        self.source = content if isinstance(content, ContentSource) else ContentSource.fixed(content)
        self.store = store
        self.embedder = embedder
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.rrf_k = rrf_k
        self.offsets = dict(DEFAULT_OFFSETS if offsets is None else offsets)
        self.process = process
        #: similarity below which a passage is no match: a property of the model (app.search.embedder)
        self.floor = float(getattr(embedder, "relevance_floor", 0.0))
        self._ready = threading.Event()
        self._load_error: str | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[str, np.ndarray] = {}  # query vectors embed_during made, for the search to come
        self._index: SemanticIndex | None = None
        self._folder: Path | None = None  # where the open index came from: deleting it degrades search
        self._version: float | None = None
        self._table: _Documents | None = None  # the open index's documents, for folding (see _documents)

    @property
    def repo(self) -> ContentRepository:
        """The content as of the latest published index (hits are checked against it)."""
        return self.source.current()

    # Model
    def start(self) -> None:
        """Load the model in a daemon thread (idempotent); searches degrade to keyword until it is ready."""
        with self._lock:
            if self._thread is None:
                self._thread = self.process.start(self._load, "embedding-model-loader")

    def _load(self) -> None:
        try:
            self.embedder.load()
        except Exception as exc:  # a broken install must not take keyword search down with it
            logger.exception("embedding model failed to load")
            self._load_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ready.set()
        self.index()  # open the index now rather than on the first request
        self.process.settle()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the model is loaded (starting the load if needed); False on timeout or failure."""
        self.start()
        return self._ready.wait(timeout) and self._load_error is None

    # Index
    def index(self) -> SemanticIndex | None:
        """The published semantic index, reopened when a new build is published; None when there is none.

        Costs two stat calls when nothing changed, so it is checked on every request.
        """
        version = self.store.version()
        if version == self._version and (self._folder is None or self._folder.is_dir()):
            return self._index
        with self._lock:
            if version != self._version or (self._folder is not None and not self._folder.is_dir()):
                index = None
                folder = self.store.path(KIND)
                if folder is not None:
                    try:
                        index = SemanticIndex.open(folder)
                    except IndexUnavailable as exc:
                        logger.warning("%s", exc)
                self._index, self._folder, self._version = index, folder if index else None, version
        return self._index

    def build(self, force: bool = False, repo: ContentRepository | None = None) -> BuildReport:
        """`make index`: embeds only what changed (the embedder loads only if something must be embedded), from
        `repo` when given (the content the keyword index was just built from), else the published content."""
        return build_semantic(repo or self.repo, self.store, self._builder(KIND, force), force=force)

    def build_vectors(self, kind: str, texts: Sequence[str], force: bool = False) -> BuildReport:
        """`make index`: store the vectors of another layer's texts (app.search.text_vectors), embedding new ones."""
        return build_text_vectors(kind, texts, self.store, self._builder(kind, force), force=force)

    def text_vectors(self, kind: str) -> TextVectors | None:
        """The vectors `make index` stored for `kind` with this server's model, or None."""
        return open_text_vectors(self.store, kind, self.embedder.model_id, self.embedder.dim)

    def _builder(self, kind: str, force: bool) -> Embedder:
        """What embeds a build of the store `kind`: the embedder decides from whether the build is incremental
        (app.search.onnx_embedder says the rule); the model is exported first when the embedder serves an export."""
        prepare = getattr(self.embedder, "prepare", None)
        if prepare is not None:
            prepare()
        choose = getattr(self.embedder, "for_building", None)
        if choose is None:
            return self.embedder
        entry = self.store.entry(kind) or {}
        incremental = (not force and self.store.path(kind) is not None
                       and entry.get("model_id") == self.embedder.model_id and entry.get("dim") == self.embedder.dim)
        return choose(incremental)

    def status(self) -> str | None:
        if not self._ready.is_set():
            return "Search by meaning is still starting up."
        if self._load_error:
            return "Search by meaning is unavailable: the language model could not be loaded."
        index = self.index()
        if index is None:
            return "Search by meaning is unavailable: the semantic index has not been built (run `make index`)."
        if index.model_id != self.embedder.model_id or index.dim != self.embedder.dim:
            return ("Search by meaning is unavailable: the semantic index was built with a different model "
                    "(run `make index`).")
        return None

    # Searching
    def embed_during(self, text: str, work: Callable[[], T]) -> tuple[np.ndarray, T]:
        """The query's vector and `work()`'s result (the keyword half of a hybrid search); the vector is kept for
        the next search of `text` to collect.

        With onnxruntime the two overlap on two cores: `work` runs in a pool thread while this thread embeds, and
        the hand-over comes after tokenising, just before the model computes without the GIL, so neither waits for
        the other's turn at it. A text embed_ahead() started is not embedded again: `work` runs here meanwhile. An
        embedder that cannot overlap (sentence-transformers, fakes) runs one after the other.
        """
        with self._lock:
            ahead = self._pending.pop(text, None)
        encode_during = getattr(self.embedder, "encode_during", None)
        if ahead is not None:  # embed_ahead() started it: only the work is left
            result = work()
            vector = self._collect(ahead, text)
        elif encode_during is None:
            result = work()
            vector = self.embedder.encode([text])[0]
        else:
            started: list[Future] = []
            vector = encode_during([text], lambda: started.append(self._executor().submit(work)))[0]
            result = started[0].result() if started else work()
        self._hold(text, vector)
        return vector, result

    def embed_ahead(self, texts: Sequence[str]) -> None:
        """Start embedding, on the pool, queries a search will soon be asked for (the assistant's next matches in
        the same answer), so they compute on the other core while this thread works: onnxruntime runs without the
        GIL. embed_during and search collect them. Nothing is started unless search by meaning is ready and the
        embedder overlaps (onnxruntime)."""
        if getattr(self.embedder, "encode_during", None) is None or self.status() is not None:
            return
        for text in dict.fromkeys(texts):
            with self._lock:
                if text in self._pending:
                    continue
            self._hold(text, self._executor().submit(lambda t=text: self.embedder.encode([t])[0]))

    def _hold(self, text: str, vector: np.ndarray | Future) -> None:
        with self._lock:
            if len(self._pending) >= MAX_PENDING:  # embedded but never collected: forget them
                self._pending.clear()
            self._pending[text] = vector

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-embedding")
            return self._pool

    def _query_vector(self, text: str) -> np.ndarray:
        with self._lock:
            held = self._pending.pop(text, None)
        return self._collect(held, text)

    def _collect(self, held: np.ndarray | Future | None, text: str) -> np.ndarray:
        """The vector embedded ahead for `text`, or embedded now when there is none or making it failed."""
        if isinstance(held, Future):
            try:
                return held.result()
            except Exception:
                logger.exception("embedding a query ahead failed; embedding it again")
                held = None
        return self.embedder.encode([text])[0] if held is None else held

    def search(self, text: str, limit: int, category: str | None) -> list[SearchHit]:
        """Documents whose best passage is at least the model's relevance floor similar, best first."""
        index, repo = self.index(), self.repo  # once per search: each costs a stat call
        hits = []
        matches = [m for m in self._folded(index, repo, text, limit, category) if m.similarity >= self.floor]
        for rank, match in enumerate(matches, start=1):
            hit = _hit(index, repo, match)
            hits.append(replace(hit, why={**hit.why, "semantic_rank": rank}))
        return hits

    def hybrid(self, text: str, keyword_hits: list[SearchHit], limit: int, category: str | None, *,
               keyword_ties: bool = True) -> list[SearchHit]:
        """Keyword hits and passages above the relevance floor, fused by weighted reciprocal rank; with
        `keyword_ties`, keyword hits of near-equal scores share a rank (app.search.hybrid.KEYWORD_TIE)."""
        index, repo = self.index(), self.repo
        semantic = {m.key: m for m in self._folded(index, repo, text, max(limit, HYBRID_DEPTH), category)
                    if m.similarity >= self.floor}
        keyword = {(h.kind, h.slug): h for h in keyword_hits}
        positions = {"keyword": tied_positions([h.score for h in keyword.values()])} if keyword_ties else None
        fused = fuse({"keyword": list(keyword), "semantic": list(semantic)}, self.weights, self.rrf_k, positions)
        hits: list[SearchHit] = []
        for f in fused[:limit]:
            kw, sem = keyword.get(f.key), semantic.get(f.key)
            base = kw if kw is not None else _hit(index, repo, sem)
            why = dict(kw.why) if kw is not None else {"keyword_terms": []}
            if sem is not None:
                why.update(similarity=round(sem.similarity, 4), semantic_rank=f.ranks["semantic"])
                heading = _heading(index, sem)
                if heading:
                    why["section_heading"] = heading
            why.update(fused_rank=len(hits) + 1, fused_score=round(f.score, 5))
            section = sem.section if sem is not None else base.section
            # the constructor rather than dataclasses.replace, which costs more: a hundred of these per query
            hits.append(SearchHit(base.kind, base.slug, base.title, base.url, base.snippet, f.score, base.category,
                                  section, why))
        return hits

    def _folded(self, index: SemanticIndex | None, repo: ContentRepository, text: str, want: int,
                category: str | None) -> list[FoldedMatch]:
        """Documents best first, fetching more passages until `want` documents pass the filters."""
        if index is None or not len(index):
            return []
        query = self._query_vector(text)
        table = self._documents(index, repo)
        visible = table.visible(category)
        k = want * PASSAGES_PER_DOC
        while True:
            ids, scores = index.nearest(query, k)
            best, passages = fold_arrays(table.doc_of[ids], scores, table.offsets)
            shown = np.flatnonzero(visible[table.doc_of[ids[best]]])
            if len(shown) >= want or k >= len(index):
                break
            k *= 4
        folded = []
        for i in shown[:want].tolist():
            r = index.records[int(ids[best[i]])]
            folded.append(FoldedMatch(r.kind, r.slug, r.section, float(scores[best[i]]), int(passages[i]), r.id))
        return folded

    def _documents(self, index: SemanticIndex, repo: ContentRepository) -> _Documents:
        """The documents of the open index as the current content shows them (rebuilt when either changes)."""
        table = self._table
        if table is None or table.index is not index or table.repo is not repo or table.given != self.offsets:
            table = self._table = _Documents(index, repo, self.offsets)
        return table


class _Documents:
    """Per passage of a semantic index its document's number, and per document its ordering offset and whether
    search may show it: folding and filtering the passages a query finds are then array operations."""

    def __init__(self, index: SemanticIndex, repo: ContentRepository, offsets: Mapping[str, float]) -> None:
        self.index, self.repo, self.given = index, repo, dict(offsets)
        numbers: dict[tuple[str, str], int] = {}
        self.doc_of = np.array([numbers.setdefault((r.kind, r.slug), len(numbers)) for r in index.records],
                               dtype=np.int64)
        self.offsets = np.array([offsets.get(kind, 0.0) for kind, _ in numbers], dtype=np.float64)
        articles = [repo.get_article(slug) if kind == "article" else None for kind, slug in numbers]
        self._public = np.array([a is not None and a.is_public if kind == "article" else repo.get_term(slug) is not None
                                 for (kind, slug), a in zip(numbers, articles, strict=True)], dtype=bool)
        self._categories = np.array([a.category if a is not None else "" for a in articles], dtype=object)
        self._is_article = np.array([kind == "article" for kind, _ in numbers], dtype=bool)

    def visible(self, category: str | None) -> np.ndarray:
        """Per document: shown to a search in `category` (any when None); glossary terms have no category."""
        if category is None:
            return self._public
        return self._public & self._is_article & (self._categories == category)


def _heading(index: SemanticIndex | None, m: FoldedMatch) -> str | None:
    record = index.record(m.passage_id) if index is not None else None
    return record.heading if record is not None else None


def _hit(index: SemanticIndex | None, repo: ContentRepository, m: FoldedMatch) -> SearchHit:
    why = {"similarity": round(m.similarity, 4), "passages_matched": m.passages}
    record = index.record(m.passage_id) if index is not None else None
    excerpt = html.escape(record.excerpt) if record is not None else ""
    if record is not None and record.heading:
        why["section_heading"] = record.heading
    if m.kind == "glossary":
        t = repo.get_term(m.slug)
        title = f"{t.term} ({t.acronym})" if t.acronym and t.acronym != t.term else t.term
        return SearchHit("glossary", t.slug, title, t.url, excerpt or html.escape(t.definition[:220]),
                         m.similarity, None, None, why)
    a = repo.get_article(m.slug)
    return SearchHit("article", a.slug, a.title, a.url, excerpt or html.escape(a.summary), m.similarity,
                     a.category, m.section, why)
