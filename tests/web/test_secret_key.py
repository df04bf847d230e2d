"""Issue 19.2: every worker signs with the same key; KB_ENV and production keys are checked at start."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from app.secret_key import load_or_create_secret


def test_development_workers_share_one_generated_secret(app_config):
    """Two workers started without KB_SECRET_KEY accept each other's form sessions."""
    first = create_app({**app_config, "KB_SECRET_KEY": None})
    second = create_app({**app_config, "KB_SECRET_KEY": None})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32


def test_workers_starting_together_all_read_the_same_key(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(path), range(16)))
    assert keys == {path.read_text().strip()}
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary files left


@pytest.mark.parametrize("env", ["staging", "prod", "Production", ""])
def test_an_unknown_environment_refuses_to_start(app_config, env):
    with pytest.raises(RuntimeError, match="KB_ENV must be 'development' or 'production'"):
        create_app({**app_config, "KB_ENV": env})


def test_production_refuses_a_short_secret(app_config):
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app({**app_config, "KB_ENV": "production", "KB_SECRET_KEY": "x" * 31})
    started = create_app({**app_config, "KB_ENV": "production", "KB_SECRET_KEY": "x" * 32})
    assert started.config["KB_ENV"] == "production"
