"""The real embedding model, loaded once for the session: the shipped weights, offline, finding a paraphrase."""
import hashlib
import os
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


# Serving without torch: the ONNX export run by onnxruntime

SERVE_AND_SEARCH = """
import json, sys, time
from app import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
deadline = time.time() + 120
while client.get("/readyz").status_code != 200 and time.time() < deadline:
    time.sleep(0.2)
body = client.get("/api/search?q=my messages keep bouncing&mode=hybrid").get_json()
print(json.dumps({"ready": client.get("/readyz").get_json(), "degraded": body["degraded"],
                  "top": body["results"][0]["slug"] if body["results"] else None,
                  "torch": any(m == "torch" or m.startswith("torch.") for m in sys.modules)}))
"""


@pytest.fixture(scope="session")
def onnx_index(tmp_path_factory) -> Path:
    """An index folder as `make index` leaves it with KB_SEMANTIC=on: indexes plus the model's ONNX export."""
    from app.search.onnx_embedder import OnnxEmbedder

    with network_blocked():
        repo = ContentRepository(FIXTURES)
        store = IndexStore(tmp_path_factory.mktemp("onnx-index"))
        build_keyword(repo, store)
        report = SemanticSearcher(repo, store, OnnxEmbedder(store.root)).build()
        assert report.rebuilt and report.embedded == report.documents
    return store.root


def test_onnx_query_vectors_equal_sentence_transformers(embedder, onnx_index):
    from app.search.onnx_embedder import OnnxEmbedder

    texts = ["my messages keep bouncing", "certificate upload to GlobalSign fails", "MPAN 1234567890123 IF-036",
             "Ünïcödé façade – naïve café", "x", "a long passage of words " * 120]
    onnx = OnnxEmbedder(onnx_index)
    ours, theirs = onnx.encode(texts), embedder.encode(texts)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert float(np.min(np.sum(ours * theirs, axis=1))) >= 0.9999
    assert onnx.model_id == embedder.model_id  # the index sentence-transformers built is searched as it is


def test_work_started_during_an_onnx_embedding_runs_once_and_leaves_the_vectors_unchanged(onnx_index):
    from app.search.onnx_embedder import OnnxEmbedder

    onnx, calls = OnnxEmbedder(onnx_index), []
    texts = ["my messages keep bouncing", "certificate upload fails"]
    during = onnx.encode_during(texts, lambda: calls.append("started"))
    assert calls == ["started"]
    assert float(np.min(np.sum(during * onnx.encode(texts), axis=1))) >= 0.99999


def test_a_server_searches_by_meaning_without_importing_torch(onnx_index, tmp_path):
    import json
    import subprocess
    import sys

    config = {"KB_CONTENT_DIR": str(FIXTURES), "KB_INDEX_DIR": str(onnx_index), "KB_SEMANTIC": "on",
              "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
              "KB_SECRET_KEY": "test"}
    run = subprocess.run([sys.executable, "-c", SERVE_AND_SEARCH, json.dumps(config)], capture_output=True,
                         text=True, timeout=180, cwd=Path(__file__).resolve().parents[3],
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found == {"ready": {"ready": True, "waiting": []}, "degraded": False, "top": "message-bounce-back",
                     "torch": False}


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


BUILD_AND_LIST_IMPORTS = """
import json, sys
from app import create_app
result = create_app(json.loads(sys.argv[1])).test_cli_runner().invoke(args=["index", "build"])
print(json.dumps({"code": result.exit_code, "output": result.output,
                  "torch": any(m == "torch" or m.startswith("torch.") for m in sys.modules),
                  "sentence_transformers": "sentence_transformers" in sys.modules}))
"""


def test_an_incremental_index_build_embeds_with_the_export_and_never_imports_torch(embedder, onnx_index, tmp_path,
                                                                                   monkeypatch):
    import json
    import shutil
    import subprocess
    import sys

    import app.search.onnx_embedder as onnx_embedder
    from app import create_app

    content, index = tmp_path / "content", tmp_path / "index"
    shutil.copytree(FIXTURES, content)
    shutil.copytree(onnx_index, index)
    config = {"KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index), "KB_SEMANTIC": "on",
              "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
              "KB_SECRET_KEY": "test"}
    # The first build with the evidence store: built from nothing, by sentence-transformers (the loaded one).
    monkeypatch.setattr(onnx_embedder, "SentenceTransformerEmbedder", lambda threads=1: embedder)
    with network_blocked():
        first = create_app(config).test_cli_runner().invoke(args=["index", "build"])
    assert first.exit_code == 0 and "evidence: rebuilt" in first.output, first.output
    article = content / "articles" / "message-bounce-back.md"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "summary: ", "summary: Messages returned undelivered. ", 1) + "\nOne more sentence about retries.\n",
        encoding="utf-8")

    run = subprocess.run([sys.executable, "-c", BUILD_AND_LIST_IMPORTS, json.dumps(config)], capture_output=True,
                         text=True, timeout=180, cwd=Path(__file__).resolve().parents[3],
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["code"] == 0, found["output"]
    assert "semantic: rebuilt" in found["output"] and "evidence: rebuilt" in found["output"]
    assert "(embedded 1 of" in found["output"].split("evidence:")[1]
    assert not found["torch"] and not found["sentence_transformers"]
