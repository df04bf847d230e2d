"""Shared fixtures: an app over the tiny fixture corpus, its test client and CLI runner."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture corpus that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def app_config(tmp_path: Path, content_dir: Path) -> dict:
    return {
        "TESTING": True,
        "KB_CONTENT_DIR": str(content_dir),
        "KB_INDEX_DIR": str(tmp_path / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
        "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
        "KB_SEMANTIC": "off",
        "KB_SECRET_KEY": "test-secret-" + "x" * 32,
    }


@pytest.fixture
def app(app_config: dict):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def built_app(app, runner):
    """The app after `index build` has written the indexes to disk."""
    result = runner.invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    return app


class FakeClock:
    """A clock tests move by hand (stores take a clock callable)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 11, 24, 9, 0, tzinfo=UTC))  # a Monday


# -- participant accounts (raising a case needs one) ----------------------------------------------------
def gen_account(app, email: str = "ada@example.com", first_name: str = "Ada", last_name: str = "Lovelace",
                **kwargs):
    """A verified participant account, as `flask account add` makes one."""
    return app.extensions["kb"].accounts.add(email, first_name, last_name, **kwargs)


def sign_in(client, account) -> None:
    """Sign ``client`` in as ``account`` (what a one-time code at /account/login does)."""
    import time

    now = int(time.time())
    with client.session_transaction() as session:
        session.update(account_id=account.id, account_nonce=account.session_nonce, account_since=now,
                       account_seen=now)


def use_token(app, client, account) -> str:
    """Send a fresh personal access token of ``account`` with every request of ``client``."""
    _, secret = app.extensions["kb"].accounts.create_token(account.id, "tests")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return secret


@pytest.fixture
def raiser(app, client):
    """The test client signed in as a participant, also carrying an API token: it may raise cases."""
    account = gen_account(app)
    sign_in(client, account)
    use_token(app, client, account)
    return account
