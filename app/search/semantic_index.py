"""The semantic index: one unit vector per passage in a FAISS IndexFlatIP, with the model id and content hashes.

Built like the keyword index (a staging folder renamed into place by IndexStore.publish), and incrementally:
vectors of passages whose content hash is unchanged are reused, so only new or edited passages are embedded.
faiss is imported inside the functions that need it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.content.models import Article
from app.content.repository import ContentRepository
from app.search.build import BuildReport
from app.search.embedder import Embedder, embed_all
from app.search.models import IndexUnavailable
from app.search.passages import Passage, article_passages, glossary_passage
from app.search.store import IndexStore

logger = logging.getLogger(__name__)

KIND = "semantic"
VECTORS_FILE = "vectors.faiss"
PASSAGES_FILE = "passages.json"
EXCERPT_CHARS = 280
#: source files whose changes alter passage text: a change makes `make index` recompute passages.
_PASSAGE_CODE = (Path(__file__).with_name("passages.py"),
                 Path(__file__).resolve().parent.parent / "content" / "render.py")


def _faiss() -> Any:
    import faiss

    faiss.omp_set_num_threads(1)  # 2 OpenMP threads are 2-3x slower for one query at our sizes
    return faiss


@dataclass(frozen=True)
class PassageRecord:
    """What the index keeps about each vector: where it points and the hash of the text embedded."""

    id: str
    kind: str
    slug: str
    section: str | None
    heading: str | None
    hash: str
    excerpt: str

    @classmethod
    def of(cls, p: Passage) -> PassageRecord:
        excerpt = p.text if len(p.text) <= EXCERPT_CHARS else p.text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
        return cls(p.id, p.kind, p.slug, p.section, p.heading, p.hash, excerpt)


class SemanticIndex:
    """Passage vectors and their records; searching is exact inner product (cosine on unit vectors)."""

    def __init__(self, model_id: str, dim: int, records: Sequence[PassageRecord], index: Any,
                 sources: dict[str, str] | None = None) -> None:
        if index.ntotal != len(records) or index.d != dim:
            raise IndexUnavailable(f"semantic index holds {index.ntotal}x{index.d} vectors for {len(records)} passages")
        self.model_id = model_id
        self.dim = dim
        self.records = tuple(records)
        self._by_id = {r.id: r for r in self.records}
        self._index = index
        self.sources = dict(sources or {})  # article slug -> hash of what its passages were cut from

    @classmethod
    def from_vectors(cls, model_id: str, dim: int, records: Sequence[PassageRecord], vectors: np.ndarray,
                     sources: dict[str, str] | None = None) -> SemanticIndex:
        index = _faiss().IndexFlatIP(dim)
        if len(records):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(model_id, dim, records, index, sources)

    @classmethod
    def open(cls, folder: Path) -> SemanticIndex:
        try:
            meta = json.loads((folder / PASSAGES_FILE).read_text(encoding="utf-8"))
            records = [PassageRecord(**r) for r in meta["passages"]]
            index = _faiss().read_index(str(folder / VECTORS_FILE))
            return cls(str(meta["model_id"]), int(meta["dim"]), records, index, meta.get("sources"))
        except IndexUnavailable:
            raise
        except Exception as exc:  # missing files, bad JSON, faiss errors
            raise IndexUnavailable(f"semantic index at {folder} cannot be opened: {exc}") from exc

    def __len__(self) -> int:
        return len(self.records)

    def record(self, passage_id: str) -> PassageRecord | None:
        return self._by_id.get(passage_id)

    def vectors(self) -> np.ndarray:
        if not self.records:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_n(0, len(self.records))

    def save(self, folder: Path) -> None:
        _faiss().write_index(self._index, str(folder / VECTORS_FILE))
        meta = {"model_id": self.model_id, "dim": self.dim, "sources": self.sources,
                "passages": [asdict(r) for r in self.records]}
        (folder / PASSAGES_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def search(self, query: np.ndarray, k: int) -> list[tuple[PassageRecord, float]]:
        """The k passages nearest one query vector, best first."""
        ids, scores = self.nearest(query, k)
        return [(self.records[i], s) for i, s in zip(ids.tolist(), scores.tolist(), strict=True)]

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """search() as arrays: positions in `records` and similarities (float64), best first."""
        k = min(k, len(self.records))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        scores, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        found = ids[0] >= 0
        return ids[0][found], scores[0][found].astype(np.float64)


def article_source(a: Article, code: str) -> str:
    """Hash of everything an article's passages are cut from (and of the code that cuts them)."""
    h = hashlib.sha256(code.encode())
    for part in (a.title, a.summary, "\x1f".join(a.tags), a.body):
        h.update(part.encode("utf-8") + b"\x1e")
    return h.hexdigest()[:32]


def _code_fingerprint() -> str:
    h = hashlib.sha256()
    for path in _PASSAGE_CODE:
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()


def _current_passages(repo: ContentRepository, old: SemanticIndex | None,
                      ) -> tuple[list[PassageRecord], dict[str, str], dict[str, str]]:
    """Records in corpus order, the texts of passages cut afresh (hash -> text), and each article's source hash.

    Articles whose source is unchanged keep their old records: splitting 1,000 articles costs seconds.
    """
    code = _code_fingerprint()
    reuse: dict[str, list[PassageRecord]] = {}
    if old is not None:
        for r in old.records:
            if r.kind == "article":
                reuse.setdefault(r.slug, []).append(r)
    records: list[PassageRecord] = []
    texts: dict[str, str] = {}
    sources: dict[str, str] = {}
    for a in sorted(repo.published(), key=lambda a: a.slug):
        sources[a.slug] = article_source(a, code)
        if old is not None and old.sources.get(a.slug) == sources[a.slug] and a.slug in reuse:
            records += reuse[a.slug]
            continue
        for p in article_passages(a):
            records.append(PassageRecord.of(p))
            texts[p.hash] = p.embed_text
    for t in repo.glossary:
        p = glossary_passage(t)
        records.append(PassageRecord.of(p))
        texts[p.hash] = p.embed_text
    return records, texts, sources


def content_fingerprint(repo: ContentRepository) -> str:
    """Changes when any content file or the passage-splitting code changes (a cheap "nothing to do" test)."""
    return hashlib.sha256((repo.fingerprint() + _code_fingerprint()).encode()).hexdigest()


def passages_fingerprint(records: Iterable[PassageRecord]) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(f"{r.id}\t{r.hash}\n".encode())
    return h.hexdigest()


def build_semantic(repo: ContentRepository, store: IndexStore, embedder: Embedder, force: bool = False,
                   progress: bool | None = None) -> BuildReport:
    """Embed only passages whose hash is new; publish only when the passages changed."""
    started = time.perf_counter()
    entry = store.entry(KIND) or {}
    same_model = entry.get("model_id") == embedder.model_id and entry.get("dim") == embedder.dim
    folder = store.path(KIND)
    content = content_fingerprint(repo)
    if not force and same_model and folder and entry.get("content") == content:
        return BuildReport(KIND, False, int(entry.get("passages", 0)), time.perf_counter() - started, "up to date")

    old = _open_quietly(folder) if same_model and folder else None
    records, texts, sources = _current_passages(repo, None if force else old)
    fingerprint = passages_fingerprint(records)
    if not force and old is not None and entry.get("fingerprint") == fingerprint:
        return BuildReport(KIND, False, len(records), time.perf_counter() - started, "up to date (no passage changed)")

    known: dict[str, np.ndarray] = {}
    if old is not None and not force:
        known = {r.hash: v for r, v in zip(old.records, old.vectors(), strict=True)}
    missing = [h for h in dict.fromkeys(r.hash for r in records) if h not in known]
    known.update(zip(missing, embed_all([texts[h] for h in missing], embedder, progress, "passages"), strict=True))
    vectors = np.stack([known[r.hash] for r in records]) if records else np.zeros((0, embedder.dim), np.float32)
    index = SemanticIndex.from_vectors(embedder.model_id, embedder.dim, records, vectors, sources)
    with store.staging(KIND) as tmp:
        index.save(tmp)
        store.publish(KIND, tmp, {"model_id": embedder.model_id, "dim": embedder.dim, "passages": len(records),
                                  "fingerprint": fingerprint, "content": content})
    seconds = time.perf_counter() - started
    logger.info("semantic index: embedded %d of %d passages in %.2fs", len(missing), len(records), seconds)
    return BuildReport(KIND, True, len(records), seconds, f"embedded {len(missing)} of {len(records)} passages",
                       embedded=len(missing))


def _open_quietly(folder: Path) -> SemanticIndex | None:
    try:
        return SemanticIndex.open(folder)
    except IndexUnavailable as exc:
        logger.warning("%s; embedding every passage again", exc)
        return None
