"""The assistant over the shipped content, as users meet it: keyword search only (fast and deterministic), and the
clock on a Wednesday morning, within the support hours."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The services of an app over the shipped articles, glossary and service model."""
    tmp = tmp_path_factory.mktemp("shipped")
    app = create_app({"TESTING": True, "KB_CONTENT_DIR": str(ROOT), "KB_INDEX_DIR": str(tmp / "index"),
                      "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp / "outbox"),
                      "KB_SEMANTIC": "off", "KB_SECRET_KEY": "test", "KB_NOW": "2026-11-04T11:00:00"})
    return app.extensions["kb"]


@pytest.fixture(scope="module")
def assistant(shipped):
    return shipped.assistant
