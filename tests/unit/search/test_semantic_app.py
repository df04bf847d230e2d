"""Semantic search wired into the app: `index build`, /api/search "why" and "degraded", lazy heavy imports."""
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import app.services
from app import create_app
from app.search.embedder import FakeEmbedder
from app.search.semantic import DisabledSemantic, SemanticSearcher

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("torch", "sentence_transformers", "transformers", "faiss")


class SlowLoadingEmbedder(FakeEmbedder):
    release = threading.Event()

    def load(self) -> None:
        assert self.release.wait(10)
        super().load()


@pytest.fixture
def semantic_app(app_config, monkeypatch):
    """KB_SEMANTIC=on, with the FakeEmbedder standing in for the real model."""
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: FakeEmbedder())
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on"})
    assert flask_app.extensions["kb"].search.semantic.wait_ready(5)
    return flask_app


def test_app_creation_starts_loading_the_model_when_semantic_is_on(semantic_app):
    semantic = semantic_app.extensions["kb"].search.semantic
    assert isinstance(semantic, SemanticSearcher) and semantic.embedder.loaded


def test_semantic_off_builds_the_keyword_index_and_embeds_nothing(app, runner):
    result = runner.invoke(args=["index", "build"])
    assert result.exit_code == 0 and "keyword: rebuilt" in result.output
    assert "semantic" not in result.output and "evidence" not in result.output
    assert set(app.extensions["kb"].index_store.manifest()) == {"keyword"}


def test_semantic_off_means_no_model_and_a_note(app, client):
    assert isinstance(app.extensions["kb"].search.semantic, DisabledSemantic)
    body = client.get("/api/search?q=bounced&mode=hybrid").get_json()
    assert body["degraded"] is True and "KB_SEMANTIC=off" in body["notice"]
    assert body["results"][0]["slug"] == "message-bounce-back"


def test_index_build_builds_every_store_and_a_second_run_embeds_nothing(semantic_app):
    runner = semantic_app.test_cli_runner()
    first = runner.invoke(args=["index", "build"])
    assert first.exit_code == 0, first.output
    assert all(f"{kind}: rebuilt" in first.output for kind in ("keyword", "semantic", "evidence"))
    second = runner.invoke(args=["index", "build"])
    assert "semantic: up to date" in second.output and "evidence: up to date" in second.output
    store = semantic_app.extensions["kb"].index_store
    assert semantic_app.extensions["kb"].search.semantic.embedder.encoded == int(
        store.entry("semantic")["passages"]) + int(store.entry("evidence")["texts"])


def test_index_build_reads_the_content_once_for_both_indexes(app_config, monkeypatch):
    import app.content.repository as repository

    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: FakeEmbedder())
    reads = []
    real_init = repository.ContentRepository.__init__
    monkeypatch.setattr(repository.ContentRepository, "__init__",
                        lambda self, *a, **k: (reads.append(1), real_init(self, *a, **k))[1])
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on", "TESTING": False})
    result = flask_app.test_cli_runner().invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    assert "keyword: rebuilt" in result.output and "semantic: rebuilt" in result.output
    assert len(reads) == 1  # at start-up: not again for the build, nor for the semantic index, nor by a warm-up


def test_api_returns_why_for_each_hit_and_degrades_when_the_semantic_index_is_deleted(semantic_app):
    assert semantic_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    client = semantic_app.test_client()

    body = client.get("/api/search?q=my+messages+keep+bouncing").get_json()  # hybrid is the default
    assert body["mode"] == "hybrid" and body["degraded"] is False
    top = body["results"][0]
    assert top["slug"] == "message-bounce-back"
    assert {"keyword_terms", "similarity", "fused_rank"} <= set(top["why"]) and top["why"]["fused_rank"] == 1
    semantic = client.get("/api/search?q=my+messages+keep+bouncing&mode=semantic").get_json()
    assert semantic["degraded"] is False and "similarity" in semantic["results"][0]["why"]

    shutil.rmtree(semantic_app.extensions["kb"].index_store.path("semantic"))
    for mode in ("hybrid", "semantic"):
        r = client.get(f"/api/search?q=bounced&mode={mode}")
        body = r.get_json()
        assert r.status_code == 200 and body["degraded"] is True and "make index" in body["notice"]
        assert body["results"][0]["slug"] == "message-bounce-back"


def test_api_degrades_when_the_index_was_built_with_another_model(semantic_app):
    services = semantic_app.extensions["kb"]
    from app.search.semantic_index import build_semantic

    build_semantic(services.content, services.index_store, FakeEmbedder(model_id="older-model"))
    body = semantic_app.test_client().get("/api/search?q=bounced&mode=hybrid").get_json()
    assert body["degraded"] is True and "different model" in body["notice"]


def test_search_page_shows_why_and_the_degraded_note(semantic_app):
    client = semantic_app.test_client()
    html = client.get("/search?q=bounced").get_data(as_text=True)
    assert "has not been built" in html  # no semantic index yet
    semantic_app.test_cli_runner().invoke(args=["index", "build"])
    html = client.get("/search?q=bounced").get_data(as_text=True)
    assert "Meaning similarity" in html and "Combined rank" in html and "has not been built" not in html


def test_keyword_search_answers_while_the_model_is_still_loading(app_config, monkeypatch):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: SlowLoadingEmbedder())
    SlowLoadingEmbedder.release.clear()
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on"})
    try:
        body = flask_app.test_client().get("/api/search?q=bounced&mode=hybrid").get_json()
        assert body["degraded"] is True and "starting up" in body["notice"]
        assert body["results"][0]["slug"] == "message-bounce-back"
    finally:
        SlowLoadingEmbedder.release.set()


def test_importing_and_serving_keyword_does_not_import_torch_or_faiss(tmp_path, content_dir):
    config = {"TESTING": True, "KB_CONTENT_DIR": str(content_dir), "KB_INDEX_DIR": str(tmp_path / "index"),
              "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
              "KB_SEMANTIC": "off", "KB_SECRET_KEY": "test"}
    code = f"""
import json, sys
heavy = {HEAVY!r}
import app
from app import create_app
after_import = [m for m in heavy if m in sys.modules]
a = create_app({config!r})
a.test_cli_runner().invoke(args=["index", "build"])
r = a.test_client().get("/api/search?q=webhook&mode=hybrid")
assert r.status_code == 200, r.status_code
print(json.dumps({{"after_import": after_import, "after_search": [m for m in heavy if m in sys.modules]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"after_import": [], "after_search": []}


def test_the_why_toggle_names_the_best_section_and_each_rank(semantic_app, content_dir):
    (content_dir / "articles" / "keys.md").write_text(
        "---\ntitle: Looking after keys\nsummary: Keys.\ncategory: certificates\nstatus: published\n---\n"
        + " ".join(["An introduction to the regular work on keys and certificates for the platform."] * 6)
        + "\n\n## Rotating signing keys\n\n"
        + " ".join(["Key rotation replaces the private signing key and uploads the new public key."] * 8) + "\n",
        encoding="utf-8")
    assert semantic_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    html = semantic_app.test_client().get("/search?q=rotation+of+the+private+signing+key").get_data(as_text=True)
    assert 'href="/articles/keys#rotating-signing-keys"' in html
    assert "best in “Rotating signing keys”" in html and "by words" in html and "by meaning" in html


class SlowEncodingEmbedder(FakeEmbedder):
    def encode(self, texts):
        time.sleep(0.3)
        return super().encode(texts)


def test_the_assistant_warm_up_ends_with_its_evidence_vectors_once_the_model_is_ready(app_config, monkeypatch):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: SlowEncodingEmbedder())
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on"})
    assert flask_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    assistant = flask_app.extensions["kb"].assistant
    assistant.warm(model_wait=5)
    assert assistant.matcher.vectors.available  # no question has been asked: the first one will not build them


def test_a_server_loads_the_assistants_evidence_vectors_from_the_index_instead_of_embedding_them(app_config,
                                                                                                monkeypatch):
    made: list[FakeEmbedder] = []
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: made.append(FakeEmbedder()) or made[-1])
    assert create_app({**app_config, "KB_SEMANTIC": "on"}).test_cli_runner().invoke(
        args=["index", "build"]).exit_code == 0
    server = create_app({**app_config, "KB_SEMANTIC": "on"})  # a fresh process's services on the built index
    assert server.extensions["kb"].search.semantic.wait_ready(5)
    assistant = server.extensions["kb"].assistant
    assistant.warm(model_wait=5)
    assert assistant.matcher.vectors.available and made[-1].encoded == 0  # nothing embedded at start-up
    assert assistant.matcher.match("my messages keep bouncing").semantic_top is not None


class OverlappingEmbedder(FakeEmbedder):
    """Calls `start` before it "runs the model", as OnnxEmbedder does (tested with the real one in test_model.py)."""

    def encode_during(self, texts, start):
        if start is not None:
            start()
        return self.encode(texts)


def test_hybrid_search_runs_its_keyword_half_on_another_thread_while_the_query_is_embedded(app_config, monkeypatch):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: FakeEmbedder())
    serial = create_app({**app_config, "KB_SEMANTIC": "on"})  # no overlap
    assert serial.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: OverlappingEmbedder())
    overlapping = create_app({**app_config, "KB_SEMANTIC": "on"})
    threads = []
    search = overlapping.extensions["kb"].search
    keyword_search = type(search.keyword_index()[0]).search

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return keyword_search(self, *args, **kwargs)

    monkeypatch.setattr(type(search.keyword_index()[0]), "search", recording)
    assert search.semantic.wait_ready(5) and serial.extensions["kb"].search.semantic.wait_ready(5)
    embedder = search.semantic.embedder
    for q in ("messages bouncing back", "certificate expired"):
        before = embedder.encoded
        got = overlapping.test_client().get("/api/search", query_string={"q": q}).get_json()
        want = serial.test_client().get("/api/search", query_string={"q": q}).get_json()
        assert embedder.encoded == before + 1  # the vector embedded alongside is the one searched with
        assert [r["slug"] for r in got["results"]] == [r["slug"] for r in want["results"]] and got["results"]
        assert not got["degraded"]
    assert threads and all(name.startswith("query-embedding") for name in threads)


class ThreadRecordingEmbedder(OverlappingEmbedder):
    """Records which thread embedded each text."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: dict[str, str] = {}

    def encode(self, texts):
        for text in texts:
            self.threads[text] = threading.current_thread().name
        return super().encode(texts)


CONVERSATIONS = (
    ("how do I raise a case?", "and where do I see it afterwards?"),  # an article topic: the follow-up matches it again
    ("My DIP message bounced back instead of being delivered. Separately, our webhook is not receiving any DIP "
     "messages.", "tried that, still not working"),  # two problems: each matched on its own
)


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_the_assistant_embeds_what_it_matches_next_on_another_thread_and_answers_as_one_thread_would(
        app_config, monkeypatch, conversation):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: FakeEmbedder())
    serial = create_app({**app_config, "KB_SEMANTIC": "on"})  # an embedder that cannot overlap: nothing ahead
    assert serial.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: ThreadRecordingEmbedder())
    ahead = create_app({**app_config, "KB_SEMANTIC": "on"})
    for flask_app in (serial, ahead):
        assert flask_app.extensions["kb"].search.semantic.wait_ready(5)
        flask_app.extensions["kb"].assistant.warm(model_wait=5)
    embedder = ahead.extensions["kb"].search.semantic.embedder
    before = len(embedder.texts)
    answers = {}
    for name, flask_app in (("serial", serial), ("ahead", ahead)):
        client, conversation_id, said = flask_app.test_client(), None, []
        for message in conversation:
            body = client.post("/api/assist", json={"message": message, "conversation_id": conversation_id}).get_json()
            conversation_id = body["conversation_id"]
            said.append({k: body[k] for k in ("action", "scenario", "articles", "reply", "others")})
        answers[name] = said
    assert answers["ahead"] == answers["serial"]
    asked = embedder.texts[before:]
    assert len(asked) == len(set(asked))  # nothing embedded twice
    assert any(embedder.threads[t].startswith("query-embedding") for t in asked)  # some ahead, on the pool


def test_a_follow_up_that_only_says_it_was_tried_is_matched_with_its_topic_alone(app_config, monkeypatch):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: ThreadRecordingEmbedder())
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on"})
    assert flask_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    assistant = flask_app.extensions["kb"].assistant
    assert flask_app.extensions["kb"].search.semantic.wait_ready(5)
    assistant.warm(model_wait=5)
    embedder = flask_app.extensions["kb"].search.semantic.embedder
    first = assistant.answer("how do I raise a case?")
    assert first.state.topic.kind == "article"
    before = len(embedder.texts)
    assistant.answer("tried that, still not working", first.conversation_id)
    assert embedder.texts[before:] == ["how do I raise a case? tried that, still not working"]


class FailingAheadEmbedder(OverlappingEmbedder):
    def encode(self, texts):
        if threading.current_thread().name.startswith("query-embedding"):
            raise RuntimeError("out of memory")
        return super().encode(texts)


def test_a_query_that_failed_to_embed_ahead_is_embedded_again_when_searched(app_config, monkeypatch):
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: FailingAheadEmbedder())
    flask_app = create_app({**app_config, "KB_SEMANTIC": "on"})
    assert flask_app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    semantic = flask_app.extensions["kb"].search.semantic
    assert semantic.wait_ready(5)
    semantic.embed_ahead(["messages bouncing back"])
    vector, result = semantic.embed_during("messages bouncing back", lambda: "keyword hits")
    assert result == "keyword hits"
    assert np.allclose(vector, FakeEmbedder().encode(["messages bouncing back"])[0])
