"""Stored text vectors (the assistant's evidence, embedded at `make index`), the model embedding a build, progress."""
import io
from pathlib import Path

import numpy as np
import pytest

from app.content.repository import ContentRepository
from app.search.embedder import FakeEmbedder, SentenceTransformerEmbedder, embed_all
from app.search.keyword import build_keyword_index
from app.search.onnx_embedder import OnnxEmbedder, export_folder
from app.search.semantic import SemanticSearcher
from app.search.semantic_index import build_semantic
from app.search.store import IndexStore
from app.search.text_vectors import HASHES_FILE, TextVectors, build_text_vectors, open_text_vectors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "content"
TEXTS = ["Certificate renewal: once a year", "Messages bounce back: check the webhook", "Raise a case with the desk"]


@pytest.fixture
def store(tmp_path) -> IndexStore:
    return IndexStore(tmp_path / "index")


def stored(store: IndexStore, texts=TEXTS, model_id="fake-hashing-v1", dim=256) -> np.ndarray:
    vectors = open_text_vectors(store, "evidence", model_id, dim)
    assert vectors is not None
    rows, missing = vectors.lookup(texts)
    assert missing == []
    return rows


def test_a_build_stores_one_vector_per_text_that_a_lookup_finds(store):
    embedder = FakeEmbedder()
    report = build_text_vectors("evidence", [*TEXTS, TEXTS[0]], store, embedder)
    assert report.rebuilt and report.documents == 3 and report.embedded == 3
    assert np.allclose(stored(store), FakeEmbedder().encode(TEXTS))
    rows, missing = open_text_vectors(store, "evidence", embedder.model_id, embedder.dim).lookup(["new text", TEXTS[1]])
    assert missing == [0] and not rows[0].any() and np.allclose(rows[1], FakeEmbedder().encode([TEXTS[1]])[0])


def test_only_new_texts_are_embedded_and_removed_ones_are_dropped(store):
    build_text_vectors("evidence", TEXTS, store, FakeEmbedder())
    embedder = FakeEmbedder()
    again = build_text_vectors("evidence", list(reversed(TEXTS)), store, embedder)
    assert not again.rebuilt and again.detail == "up to date" and embedder.texts == []

    changed = [TEXTS[0], "Raise a case with the service desk"]
    report = build_text_vectors("evidence", changed, store, embedder)
    assert report.rebuilt and embedder.texts == ["Raise a case with the service desk"] and report.documents == 2
    assert np.allclose(stored(store, changed), FakeEmbedder().encode(changed))
    assert len(open_text_vectors(store, "evidence", embedder.model_id, embedder.dim)) == 2


def test_force_or_another_model_embeds_everything_and_each_model_sees_only_its_own(store):
    build_text_vectors("evidence", TEXTS, store, FakeEmbedder())
    assert build_text_vectors("evidence", TEXTS, store, FakeEmbedder(), force=True).embedded == 3
    assert build_text_vectors("evidence", TEXTS, store, FakeEmbedder(model_id="other", dim=64)).embedded == 3
    assert open_text_vectors(store, "evidence", "fake-hashing-v1", 256) is None
    assert stored(store, model_id="other", dim=64).shape == (3, 64)


def test_an_unreadable_store_is_no_store_and_the_next_build_repairs_it(store, caplog):
    build_text_vectors("evidence", TEXTS, store, FakeEmbedder())
    (store.path("evidence") / HASHES_FILE).write_text("{not json", encoding="utf-8")
    assert open_text_vectors(store, "evidence", "fake-hashing-v1", 256) is None
    assert "cannot be opened" in caplog.text
    assert build_text_vectors("evidence", TEXTS, store, FakeEmbedder()).embedded == 3
    assert np.allclose(stored(store), FakeEmbedder().encode(TEXTS))


def test_a_failed_build_keeps_the_previous_vectors(store):
    build_text_vectors("evidence", TEXTS, store, FakeEmbedder())
    before = store.path("evidence")

    class Broken(FakeEmbedder):
        def encode(self, texts):
            raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        build_text_vectors("evidence", [*TEXTS, "one more"], store, Broken())
    assert store.path("evidence") == before and len(TextVectors.open(before)) == 3
    assert not [p for p in store.root.iterdir() if p.name.startswith(".evidence-building")]


# Which model embeds a build

class Choosing(FakeEmbedder):
    """Records what the searcher tells it about each build."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[bool] = []

    def for_building(self, incremental: bool):
        self.asked.append(incremental)
        return self


def test_a_build_is_incremental_only_over_a_store_this_model_made(store):
    repo = ContentRepository(FIXTURES)
    embedder = Choosing()
    searcher = SemanticSearcher(repo, store, embedder)
    searcher.build()
    searcher.build()
    searcher.build(force=True)
    searcher.build_vectors("evidence", TEXTS)
    searcher.build_vectors("evidence", TEXTS)
    assert embedder.asked == [False, True, False, False, True]
    build_semantic(repo, store, FakeEmbedder(model_id="another-model"))
    searcher.build()
    assert embedder.asked[-1] is False


def test_the_onnx_export_embeds_incremental_builds_and_sentence_transformers_full_ones(tmp_path):
    onnx = OnnxEmbedder(tmp_path)
    full = onnx.for_building(incremental=False)
    assert isinstance(full, SentenceTransformerEmbedder) and onnx.for_building(incremental=False) is full
    assert onnx.for_building(incremental=True) is full  # no export yet: nothing else to embed with
    folder = export_folder(tmp_path)
    folder.mkdir(parents=True)
    for name in ("model.onnx", "tokenizer.json"):
        (folder / name).write_bytes(b"")
    assert onnx.for_building(incremental=True) is onnx
    assert onnx.for_building(incremental=False) is full


# Progress bars

def test_a_progress_bar_counts_the_texts_embedded_on_the_stream_given():
    stream = io.StringIO()
    vectors = embed_all([f"text {i}" for i in range(70)], FakeEmbedder(), progress=True, what="evidence",
                        stream=stream)
    assert len(vectors) == 70
    assert "embedding evidence" in stream.getvalue() and "70/70" in stream.getvalue()
    quiet = io.StringIO()  # not a terminal, not asked for: no bar
    embed_all(["text"], FakeEmbedder(), stream=quiet)
    assert quiet.getvalue() == ""


def test_builds_show_their_bar_on_stderr_when_asked(store, tmp_path, capsys):
    repo = ContentRepository(FIXTURES)
    build_semantic(repo, store, FakeEmbedder(), progress=True)
    build_text_vectors("evidence", TEXTS, store, FakeEmbedder(), progress=True)
    (tmp_path / "keyword").mkdir()
    documents, _ = build_keyword_index(tmp_path / "keyword", [a for a in repo.all_articles() if a.is_public],
                                       repo.glossary, [], progress=True)
    err = capsys.readouterr().err
    assert "embedding passages" in err and "embedding evidence" in err and "3/3" in err
    assert "keyword index" in err and f"{documents}/{documents}" in err
