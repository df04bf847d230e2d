"""Meaning similarity between a question and each piece of evidence, when the search layer's model is ready.

Optional by design: with semantic search off, still loading, or failing, every call returns nothing and the
matcher works by words alone. Evidence vectors are computed once in a background thread (about ten seconds
on one CPU thread), so no request waits for them.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.search.process import PLAIN, ProcessPolicy

logger = logging.getLogger(__name__)

Encode = Callable[[Sequence[str]], Any]
#: evidence texts embedded per step of the background build (a stopping process waits for one step at most)
STEP = 64


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


class EvidenceVectors:
    """Cosine similarity of a question to each evidence text; empty until the vectors exist."""

    def __init__(self, texts: Sequence[str], source: tuple[Encode, Callable[[], bool]] | None,
                 process: ProcessPolicy = PLAIN) -> None:
        self.texts = list(texts)
        self.source = source
        self.process = process
        self._matrix: np.ndarray | None = None
        self._started = False
        self._failed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._matrix is not None

    def _build(self) -> None:
        if self.source is None:
            return
        try:
            parts = []
            for start in range(0, len(self.texts), STEP):
                if self.process.stopping():
                    return
                parts.append(np.asarray(self.source[0](self.texts[start : start + STEP]), dtype=np.float32))
            m = np.concatenate(parts) if parts else np.asarray(self.source[0]([]), dtype=np.float32)
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            self._matrix = m / np.where(norms == 0, 1, norms)
            logger.info("assistant evidence vectors ready: %d", len(self.texts))
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
        if self.source is None:
            return None
        try:
            q = np.asarray(vector if vector is not None else self.source[0]([text])[0], dtype=np.float32)
        except Exception:
            logger.warning("question embedding failed; matching by words only", exc_info=True)
            return None
        n = float(np.linalg.norm(q)) or 1.0
        return self._matrix @ (q / n)
