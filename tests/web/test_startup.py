"""A serving process's start-up: it begins as a gunicorn worker starts (never in a CLI command), /readyz names each
part it still waits for without waiting itself, and turns 200 only once every part is ready."""
from __future__ import annotations

import os
import re
import runpy
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

import app.services
from app import create_app
from app.search.embedder import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class GatedEmbedder(FakeEmbedder):
    """The model: its loading starts `started` and lasts until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.started, self.release = threading.Event(), threading.Event()

    def load(self) -> None:
        self.started.set()
        assert self.release.wait(20)
        super().load()


def wait_for(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    return check()


@pytest.fixture
def model(monkeypatch) -> GatedEmbedder:
    gated = GatedEmbedder()
    monkeypatch.setattr(app.services, "OnnxEmbedder", lambda index_root: gated)
    yield gated
    gated.release.set()  # no loader thread is left waiting after the test


@pytest.fixture
def serving_config(app_config: dict) -> dict:
    """A server's settings (not TESTING) with search by meaning on, over an index `index build` wrote."""
    config = {**app_config, "KB_SEMANTIC": "on"}
    builder = create_app({**config, "TESTING": True})
    builder.extensions["kb"].embedder = FakeEmbedder()  # builds with a model that needs no gate
    result = builder.test_cli_runner().invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    return {**config, "TESTING": False}


def readiness(client) -> tuple[int, dict]:
    r = client.get("/readyz")
    return r.status_code, r.get_json()


def test_readyz_names_the_model_until_it_has_loaded_then_turns_200(serving_config, model):
    client = create_app(serving_config).test_client()
    assert client.get("/healthz").status_code == 200  # a server's first request starts the start-up
    assert model.started.wait(20)
    # the keyword index and the database are ready; /readyz answers at once while the model still loads
    assert wait_for(lambda: readiness(client) == (503, {"ready": False, "waiting": ["semantic_search"]}))
    assert client.get("/api/search?q=bounced&mode=keyword").get_json()["results"]
    model.release.set()
    assert wait_for(lambda: readiness(client) == (200, {"ready": True, "waiting": []}))


def test_readyz_names_the_database_while_it_cannot_be_reached(serving_config, model, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    model.release.set()
    client = create_app({**serving_config, "KB_DATABASE_URL": f"sqlite:///{blocker}/kb.sqlite3"}).test_client()
    client.get("/healthz")
    assert wait_for(lambda: readiness(client) == (503, {"ready": False, "waiting": ["database"]}))


def test_a_gunicorn_worker_starts_loading_the_model_before_any_request(serving_config, model):
    flask_app = create_app(serving_config)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["post_worker_init"](SimpleNamespace(wsgi=flask_app))  # what gunicorn calls once the worker loaded the app
    assert model.started.wait(20)
    model.release.set()
    assert wait_for(lambda: flask_app.extensions["kb"].waiting() == [])


def test_creating_the_app_and_cli_commands_load_no_model_and_start_nothing(serving_config, model):
    flask_app = create_app(serving_config)
    result = flask_app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    time.sleep(0.2)
    assert not model.started.is_set()
    assert not any(t.name == "kb-start-up" for t in threading.enumerate())


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_gunicorn_as_make_serve_runs_it_is_ready_without_being_asked(serving_config, tmp_path):
    env = {**os.environ, **{k: str(v) for k, v in serving_config.items() if k.startswith("KB_")},
           "KB_SEMANTIC": "off"}
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(GUNICORN), "--workers", "1", "--bind", "127.0.0.1:0", "app:create_app()"],
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ready = wait_for(lambda: re.search(r"ready to serve in", log.read_text()) or proc.poll() is not None, 60)
        assert ready and proc.poll() is None, log.read_text()[-3000:]  # no request was made so far
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text()).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30) as r:
            assert r.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text()
