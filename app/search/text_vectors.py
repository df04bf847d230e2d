"""Vectors of texts another layer embeds (the assistant's evidence), stored beside the indexes by `make index`.

Search does not know what the texts are: the caller names the kind and gives the texts. Built like the semantic
index: into a staging folder published by IndexStore with the model id, and incrementally (a text whose hash is
already stored is not embedded again). A server opens them instead of embedding at start-up, and embeds only
the texts it does not find (content edited since the last `make index`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.search.build import BuildReport
from app.search.embedder import Embedder, embed_all
from app.search.models import IndexUnavailable
from app.search.store import IndexStore

logger = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npy"
HASHES_FILE = "hashes.json"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class TextVectors:
    """One unit vector per distinct text, found by the text's hash."""

    def __init__(self, model_id: str, dim: int, hashes: Sequence[str], matrix: np.ndarray) -> None:
        if matrix.shape != (len(hashes), dim):
            raise IndexUnavailable(f"text vectors hold {matrix.shape} for {len(hashes)} texts of {dim} dimensions")
        self.model_id = model_id
        self.dim = dim
        self.matrix = matrix
        self._row = {h: i for i, h in enumerate(hashes)}

    def __len__(self) -> int:
        return len(self._row)

    @classmethod
    def open(cls, folder: Path) -> TextVectors:
        try:
            meta = json.loads((folder / HASHES_FILE).read_text(encoding="utf-8"))
            matrix = np.load(folder / VECTORS_FILE, allow_pickle=False)
            return cls(str(meta["model_id"]), int(meta["dim"]), list(meta["hashes"]), matrix.astype(np.float32))
        except IndexUnavailable:
            raise
        except Exception as exc:  # missing files, bad JSON, a truncated array
            raise IndexUnavailable(f"text vectors at {folder} cannot be opened: {exc}") from exc

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, self.matrix, allow_pickle=False)
        meta = {"model_id": self.model_id, "dim": self.dim, "hashes": list(self._row)}
        (folder / HASHES_FILE).write_text(json.dumps(meta), encoding="utf-8")

    def by_hash(self) -> dict[str, np.ndarray]:
        return {h: self.matrix[i] for h, i in self._row.items()}

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """One row per text (zeros where the text is not stored) and the positions of the texts not stored."""
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            row = self._row.get(text_hash(text))
            if row is None:
                missing.append(i)
            else:
                rows[i] = self.matrix[row]
        return rows, missing


def open_text_vectors(store: IndexStore, kind: str, model_id: str, dim: int) -> TextVectors | None:
    """The published vectors of this kind if this model made them, else None (with a warning if unreadable)."""
    entry, folder = store.entry(kind) or {}, store.path(kind)
    if folder is None or entry.get("model_id") != model_id or entry.get("dim") != dim:
        return None
    try:
        return TextVectors.open(folder)
    except IndexUnavailable as exc:
        logger.warning("%s", exc)
        return None


def build_text_vectors(kind: str, texts: Sequence[str], store: IndexStore, embedder: Embedder, force: bool = False,
                       progress: bool | None = None) -> BuildReport:
    """Embed only texts whose hash is not stored yet; publish only when the set of texts changed."""
    started = time.perf_counter()
    by_hash = {text_hash(t): t for t in texts}
    fingerprint = hashlib.sha256("\n".join(sorted(by_hash)).encode()).hexdigest()
    entry = store.entry(kind) or {}
    old = None if force else open_text_vectors(store, kind, embedder.model_id, embedder.dim)
    if old is not None and entry.get("fingerprint") == fingerprint:
        return BuildReport(kind, False, len(by_hash), time.perf_counter() - started, "up to date")

    known: dict[str, np.ndarray] = {}
    if old is not None:
        known = {h: v for h, v in old.by_hash().items() if h in by_hash}
    missing = [h for h in by_hash if h not in known]
    known.update(zip(missing, embed_all([by_hash[h] for h in missing], embedder, progress, kind), strict=True))
    matrix = np.stack([known[h] for h in by_hash]) if by_hash else np.zeros((0, embedder.dim), np.float32)
    with store.staging(kind) as tmp:
        TextVectors(embedder.model_id, embedder.dim, list(by_hash), matrix.astype(np.float32)).save(tmp)
        store.publish(kind, tmp, {"model_id": embedder.model_id, "dim": embedder.dim, "texts": len(by_hash),
                                  "fingerprint": fingerprint})
    seconds = time.perf_counter() - started
    logger.info("%s vectors: embedded %d of %d texts in %.2fs", kind, len(missing), len(by_hash), seconds)
    return BuildReport(kind, True, len(by_hash), seconds, f"embedded {len(missing)} of {len(by_hash)} texts",
                       embedded=len(missing))
