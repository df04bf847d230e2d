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


# Vectors stored by `make index` (app.search.text_vectors)

def stored_vectors(texts, enc):
    from app.search.text_vectors import TextVectors, text_hash

    return TextVectors("bag-of-letters", 26, [text_hash(t) for t in texts], enc(texts))


def test_stored_vectors_serve_at_once_without_embedding_any_evidence():
    texts = ["bounce back", "zzzz"]
    enc = FakeEncoder()
    vectors = EvidenceVectors(texts, (enc, lambda: True), stored=stored_vectors(texts, FakeEncoder()))
    assert vectors.available and enc.calls == 0
    sims = vectors.similarities("bounced back")
    assert sims[0] > sims[1] and enc.calls == 1  # the question only


def test_only_the_texts_the_store_lacks_are_embedded_in_the_background():
    texts = ["bounce back", "zzzz", "certificate upload"]
    seen = []

    def enc(batch):
        seen.extend(batch)
        return FakeEncoder()(batch)

    vectors = EvidenceVectors(texts, (enc, lambda: True), stored=stored_vectors(texts[:2], FakeEncoder()))
    assert not vectors.available
    vectors.start(wait=True)
    assert seen == ["certificate upload"]
    everything = EvidenceVectors(texts, (FakeEncoder(), lambda: True))
    everything.start(wait=True)
    assert np.allclose(vectors.similarities("upload a cert"), everything.similarities("upload a cert"))


def test_stored_vectors_wait_for_the_model_before_a_question_is_embedded():
    ready = [False]
    enc = FakeEncoder()
    vectors = EvidenceVectors(["a"], (enc, lambda: ready[0]), stored=stored_vectors(["a"], FakeEncoder()))
    assert vectors.similarities("a") is None and enc.calls == 0  # no request loads the model
    ready[0] = True
    assert vectors.similarities("a") is not None


def test_semantic_off_ignores_stored_vectors():
    vectors = EvidenceVectors(["a"], None, stored=stored_vectors(["a"], FakeEncoder()))
    assert not vectors.available and vectors.similarities("a") is None


def test_the_texts_make_index_embeds_are_the_evidence_the_matcher_scores():
    from pathlib import Path

    from app.assistant.targets import build_targets, evidence_texts
    from app.content.repository import ContentRepository
    from app.search.build import protected_terms
    from app.servicemodel import load_service_model

    repo = ContentRepository(Path(__file__).resolve().parents[2] / "fixtures" / "content")
    model = load_service_model()
    targets = build_targets(repo, model, frozenset(protected_terms(repo)))
    assert evidence_texts(repo, model) == [t.text for t in targets]
    assert {t.kind for t in targets} == {"dip", "sr", "incident", "article", "glossary"}
