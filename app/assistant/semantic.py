"""Meaning similarity between a question and each piece of evidence, when the search layer's model is ready.

Optional by design: with semantic search off, still loading, or failing, every call returns nothing and the
matcher works by words alone. `make index` embeds the evidence texts (app.assistant.targets.evidence_texts) and
stores their vectors with the index (app.search.text_vectors), so a server loads them at once; only texts the
store lacks (content edited since, or no store) are embedded, in a background thread once the model is ready,
so no request waits for them.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.search.process import PLAIN, ProcessPolicy
from app.search.text_vectors import TextVectors

logger = logging.getLogger(__name__)

Encode = Callable[[Sequence[str]], Any]
#: evidence texts embedded per step of the background build (a stopping process waits for one step at most)
STEP = 64
#: the name of the evidence vectors' store beside the indexes
VECTORS_KIND = "evidence"


def find_encoder(search: Any) -> tuple[Encode, Callable[[], bool]] | None:
    """The search service's embedder and a readiness check, if semantic search offers them."""
    semantic = getattr(search, "semantic", None)
    embedder = getattr(semantic, "embedder", None)
    encode = getattr(embedder, "encode", None)
    if not callable(encode):
        return None
    status = getattr(semantic, "status", None)

    def ready() -> bool:
        try:
            return not callable(status) or status() is None
        except Exception:
            return False

    return encode, ready


def find_stored(search: Any) -> TextVectors | None:
    """The evidence vectors `make index` stored with the search layer's model, if semantic search offers them."""
    load = getattr(getattr(search, "semantic", None), "text_vectors", None)
    if not callable(load):
        return None
    try:
        return load(VECTORS_KIND)
    except Exception:  # an unreadable store: embed in the background as without one
        logger.warning("stored evidence vectors not loaded", exc_info=True)
        return None


class EvidenceVectors:
    """Cosine similarity of a question to each evidence text; empty until the vectors exist."""

    def __init__(self, texts: Sequence[str], source: tuple[Encode, Callable[[], bool]] | None,
                 process: ProcessPolicy = PLAIN, stored: TextVectors | None = None) -> None:
        self.texts = list(texts)
        self.source = source
        self.process = process
        self._matrix: np.ndarray | None = None
        self._stored: np.ndarray | None = None  # rows found in the store (zeros for the others)
        self._todo = list(range(len(self.texts)))  # positions of the texts still to embed
        self._started = False
        self._failed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        if stored is not None and source is not None:
            self._stored, self._todo = stored.lookup(self.texts)
            if not self._todo:
                self._matrix = _unit(self._stored)
            logger.info("assistant evidence vectors: %d of %d from the index", len(self.texts) - len(self._todo),
                        len(self.texts))

    @property
    def available(self) -> bool:
        return self._matrix is not None

    def _build(self) -> None:
        if self.source is None:
            return
        try:
            parts = []
            for start in range(0, len(self._todo), STEP):
                if self.process.stopping():
                    return
                batch = [self.texts[i] for i in self._todo[start : start + STEP]]
                parts.append(np.asarray(self.source[0](batch), dtype=np.float32))
            m = np.concatenate(parts) if parts else np.asarray(self.source[0]([]), dtype=np.float32)
            if self._stored is not None:  # the stored rows, with the texts embedded here in their places
                self._stored[self._todo] = m
                m = self._stored
            self._matrix = _unit(m)
            logger.info("assistant evidence vectors ready: %d embedded, %d in all", len(self._todo), len(self.texts))
            self.process.settle()
        except Exception:
            self._failed = True
            logger.warning("assistant evidence vectors failed; matching by words only", exc_info=True)

    def start(self, wait: bool = False) -> None:
        """Compute the vectors in the background once the model is ready (or now, with wait=True)."""
        if self.source is None or self._failed or self._matrix is not None:
            return
        with self._lock:
            if not self._started and self.source[1]():
                self._started = True
                self._thread = self.process.start(self._build, "assistant-vectors")
        if wait and self._thread is not None:
            self._thread.join()

    def similarities(self, text: str, vector: Any = None) -> np.ndarray | None:
        """One cosine per evidence text, or None while unavailable; `vector` is the text's embedding if known."""
        if self._matrix is None:
            self.start()
            return None
        if self.source is None or (vector is None and not self.source[1]()):
            return None  # no request loads the model: words only until it is ready
        try:
            q = np.asarray(vector if vector is not None else self.source[0]([text])[0], dtype=np.float32)
        except Exception:
            logger.warning("question embedding failed; matching by words only", exc_info=True)
            return None
        n = float(np.linalg.norm(q)) or 1.0
        # einsum, not `@`: numpy's BLAS would split this small product over two threads, which stall for
        # milliseconds whenever the other core is busy (as it is while the next query embeds); einsum's own loop
        # is one thread and takes 0.2 ms at 1,000 articles
        return np.einsum("ij,j->i", self._matrix, q / n)


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)
