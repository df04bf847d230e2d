"""ContentSource: one repository at a time, swapped when the index version changes, never half-loaded."""
from __future__ import annotations

import threading

from app.content.repository import ContentRepository
from app.content.source import ContentSource


class Version:
    def __init__(self) -> None:
        self.value = 1

    def __call__(self) -> int:
        return self.value


def test_keeps_the_same_repository_until_the_version_changes(content_dir):
    version = Version()
    loads = []
    source = ContentSource(lambda: loads.append(1) or ContentRepository(content_dir), version)
    first = source.current()
    assert source.current() is first and len(loads) == 1
    (content_dir / "articles" / "raise-a-case.md").unlink()
    assert source.current().get_article("raise-a-case") is not None  # not until a new index is published
    version.value = 2
    assert source.current().get_article("raise-a-case") is None
    assert len(loads) == 2 and source.fingerprint == source.current().fingerprint()


def test_a_failed_reload_keeps_serving_the_previous_content(content_dir):
    version = Version()
    repos = [ContentRepository(content_dir)]

    def load() -> ContentRepository:
        if not repos:
            raise OSError("disk gone")
        return repos.pop()

    source = ContentSource(load, version)
    before = source.current()
    version.value = 2
    assert source.current() is before
    assert source.current() is before  # and it does not retry on every request


def test_other_threads_keep_the_old_repository_while_one_reloads(content_dir):
    version = Version()
    old, new = ContentRepository(content_dir), ContentRepository(content_dir)
    loading, release = threading.Event(), threading.Event()
    repos = [new, old]

    def load() -> ContentRepository:
        repo = repos.pop()
        if repo is new:
            loading.set()
            release.wait(5)
        return repo

    source = ContentSource(load, version)
    version.value = 2
    reloader = threading.Thread(target=source.current)
    reloader.start()
    assert loading.wait(5)
    assert source.current() is old  # does not wait, does not see a half-loaded repository
    release.set()
    reloader.join(5)
    assert source.current() is new


def test_a_fixed_source_never_reloads(content_dir):
    repo = ContentRepository(content_dir)
    assert ContentSource.fixed(repo).current() is repo
