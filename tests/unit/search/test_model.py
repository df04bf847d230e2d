"""The real embedding model, loaded once for the session: the shipped weights, offline, finding a paraphrase."""
import hashlib
import socket
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from app.content.repository import ContentRepository
from app.search.build import build_keyword
from app.search.embedder import MODEL_DIM, MODEL_SHA256, SentenceTransformerEmbedder, model_path
from app.search.semantic import SemanticSearcher
from app.search.service import SearchService
from app.search.store import IndexStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "content"

pytestmark = pytest.mark.model


class NetworkTouched(AssertionError):
    pass


ATTEMPTS: list[str] = []


@contextmanager
def network_blocked():
    """Any attempt to open a connection raises, and is remembered even if a library swallows the error."""
    mp = pytest.MonkeyPatch()

    def refuse(self, address, *args, **kwargs):
        ATTEMPTS.append(repr(address))
        raise NetworkTouched(f"network access attempted: {address}")

    mp.setattr(socket.socket, "connect", refuse)
    mp.setattr(socket.socket, "connect_ex", refuse)
    mp.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def no_network():
    """Every test in this module runs without network (the block ends with the test)."""
    with network_blocked():
        yield


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """Loaded once per session, with the network blocked while it loads."""
    with network_blocked():
        e = SentenceTransformerEmbedder()
        e.load()
    return e


@pytest.fixture(scope="session")
def service(embedder, tmp_path_factory) -> SearchService:
    with network_blocked():
        repo = ContentRepository(FIXTURES)
        store = IndexStore(tmp_path_factory.mktemp("model-index"))
        build_keyword(repo, store)
        searcher = SemanticSearcher(repo, store, embedder)
        report = searcher.build()
        assert report.rebuilt and report.embedded == report.documents
        assert searcher.wait_ready(60) and searcher.status() is None
    return SearchService(repo, store, semantic=searcher)


def test_the_shipped_weights_are_the_published_ones():
    digest = hashlib.sha256((model_path() / "model.safetensors").read_bytes()).hexdigest()
    assert digest == MODEL_SHA256 == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def test_vectors_are_unit_length_float32_and_a_query_matches_the_batch_path(embedder):
    texts = ["my messages keep bouncing", "certificate upload to GlobalSign fails"]
    batch = embedder.encode(texts)
    single = embedder.encode(texts[:1])
    assert batch.shape == (2, MODEL_DIM) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert float(batch[0] @ single[0]) > 0.9999


@pytest.mark.parametrize("query, expected", [
    ("my messages keep bouncing", "message-bounce-back"),
    ("the cert won't upload", "certificate-upload-fails"),
    ("how do I log a ticket with support", "raise-a-case"),
])
def test_a_paraphrase_finds_the_right_article_by_meaning(service, query, expected):
    r = service.search(query, mode="semantic")
    assert not r.degraded
    assert r.hits[0].slug == expected


def test_hybrid_ranks_the_paraphrase_first_and_explains_it(service):
    r = service.search("my messages keep bouncing", mode="hybrid")
    assert not r.degraded and r.hits[0].slug == "message-bounce-back"
    assert r.hits[0].why["fused_rank"] == 1 and r.hits[0].why["similarity"] > 0.3


def test_nothing_touched_the_network(service, embedder):
    embedder.encode(["one more query after everything is loaded"])
    assert ATTEMPTS == []


def test_the_assistant_names_an_open_major_incident_with_the_real_model(embedder, tmp_path, monkeypatch):
    """Issue 15: with KB_SEMANTIC=on and this model, known_incident comes only while the incident is open."""
    import app.services as composition
    from app import create_app

    monkeypatch.setattr(composition, "SentenceTransformerEmbedder", lambda: embedder)
    flask_app = create_app({
        "TESTING": True, "KB_CONTENT_DIR": str(FIXTURES), "KB_INDEX_DIR": str(tmp_path / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
        "KB_SEMANTIC": "on", "KB_SECRET_KEY": "test"})
    with network_blocked():
        assert flask_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
        client = flask_app.test_client()
        semantic = flask_app.extensions["kb"].search.semantic
        client.get("/")  # the first request starts the model's loading
        assert semantic.wait_ready(60)

        def action(message: str) -> str:
            return client.post("/api/assist", json={"message": message}).json["action"]

        question = "is the DIP down? nothing sending"
        usual = action(question)
        incidents = flask_app.extensions["kb"].incidents
        reference = incidents.declare(title="DIP down", impact="No messages", severity="P1", scenario="SC1").reference
        assert action(question) == "known_incident"
        assert action("the cert won't upload") != "known_incident"
        incidents.resolve(reference, "Fixed")
        assert action(question) == usual != "known_incident"
