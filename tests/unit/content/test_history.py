"""ContentHistory: commits of one file from `git log --follow`, cached, and empty without Git."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.content.history import HEAD_SECONDS, ContentHistory

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str, author: str = "Alice", date: str = "2026-01-05T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "x@example.org", "GIT_AUTHOR_DATE": date,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": "x@example.org", "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "old-name.md").write_text("one\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "Add the article")
    git(tmp_path, "mv", "articles/old-name.md", "articles/new-name.md")
    git(tmp_path, "commit", "-q", "-m", "Rename: clearer slug", author="Bob", date="2026-02-01T08:00:00+01:00")
    return tmp_path


def test_lists_commits_newest_first_following_renames(repo):
    history = ContentHistory(repo)
    commits = history.commits("articles/new-name.md", "fp")
    assert [(c.author, c.message) for c in commits] == [("Bob", "Rename: clearer slug"), ("Alice", "Add the article")]
    assert commits[0].date == dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert len(commits[0].hash) == 40 and history.last_change("articles/new-name.md", "fp") == commits[0]


def test_an_uncommitted_file_has_no_history(repo):
    (repo / "articles" / "draft.md").write_text("new\n")
    assert ContentHistory(repo).last_change("articles/draft.md", "fp") is None


def test_answers_are_cached_until_the_content_or_head_changes(repo):
    clock = Clock()
    history = ContentHistory(repo, clock=clock)
    assert len(history.commits("articles/new-name.md", "fp1")) == 2
    (repo / "articles" / "new-name.md").write_text("two\n")
    git(repo, "commit", "-q", "-am", "Edit", author="Carol")
    assert len(history.commits("articles/new-name.md", "fp1")) == 2  # cached
    assert len(history.commits("articles/new-name.md", "fp2")) == 3  # new content: asked again
    (repo / "articles" / "new-name.md").write_text("three\n")
    git(repo, "commit", "-q", "-am", "Edit again", author="Dan")  # committed after the content was loaded
    assert history.commits("articles/new-name.md", "fp2")[0].author == "Carol"
    clock.now += HEAD_SECONDS + 1
    assert history.commits("articles/new-name.md", "fp2")[0].author == "Dan"  # HEAD moved: asked again


def test_outside_a_git_checkout_there_is_no_history(tmp_path):
    (tmp_path / "articles").mkdir()
    history = ContentHistory(tmp_path)
    assert history.available is False
    assert history.commits("articles/x.md", "fp") == () and history.last_change("articles/x.md", "fp") is None


def test_without_git_installed_there_is_no_history(repo):
    history = ContentHistory(repo, git="no-such-git-binary")
    assert history.available is False and history.commits("articles/new-name.md", "fp") == ()


def test_a_slow_git_is_given_up_on(repo, tmp_path_factory):
    slow = tmp_path_factory.mktemp("bin") / "git"
    slow.write_text("#!/bin/sh\nexec sleep 5\n")
    slow.chmod(0o755)
    history = ContentHistory(repo, git=str(slow), timeout=0.2)
    assert history.available is False
