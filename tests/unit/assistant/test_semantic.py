"""Meaning similarity is optional: vectors appear once the model is ready, and failures fall back to words."""
from __future__ import annotations

import numpy as np

from app.assistant.semantic import EvidenceVectors, find_encoder


class FakeEncoder:
    """Bag-of-letters vectors: texts sharing letters are similar; deterministic and instant."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        return out


def test_similarities_once_ready():
    enc = FakeEncoder()
    vectors = EvidenceVectors(["bounce back", "zzzz"], (enc, lambda: True))
    vectors.start(wait=True)
    assert vectors.available
    sims = vectors.similarities("bounced back")
    assert sims[0] > sims[1]


def test_nothing_until_the_model_is_ready():
    ready = [False]
    vectors = EvidenceVectors(["a"], (FakeEncoder(), lambda: ready[0]))
    assert vectors.similarities("a") is None
    ready[0] = True
    vectors.start(wait=True)
    assert vectors.similarities("a") is not None


def test_a_failing_model_means_words_only():
    def broken(texts):
        raise RuntimeError("no model")

    vectors = EvidenceVectors(["a"], (broken, lambda: True))
    vectors.start(wait=True)
    assert not vectors.available and vectors.similarities("a") is None


def test_no_semantic_search_no_encoder():
    class Search:
        semantic = None

    assert find_encoder(Search()) is None
    assert EvidenceVectors(["a"], None).similarities("a") is None


def test_finds_the_search_layers_embedder_and_readiness():
    class Embedder:
        def encode(self, texts):
            return np.ones((len(texts), 3), dtype=np.float32)

    class Semantic:
        embedder = Embedder()
        state = "loading"

        def status(self):
            return None if self.state == "ready" else "still loading"

    class Search:
        semantic = Semantic()

    encode, ready = find_encoder(Search())
    assert not ready()
    Search.semantic.state = "ready"
    assert ready() and encode(["x"]).shape == (1, 3)


def test_a_known_query_vector_is_not_embedded_again():
    """The search already embedded the question: its vector is reused, not recomputed."""
    enc = FakeEncoder()
    vectors = EvidenceVectors(["bounce back", "zzzz"], (enc, lambda: True))
    vectors.start(wait=True)
    calls = enc.calls
    sims = vectors.similarities("bounced back", enc(["bounced back"])[0])
    assert enc.calls == calls + 1  # only the call made here to build the vector
    assert sims[0] > sims[1]
