"""The current ContentRepository for a long-running server: reloaded when a new index is published.

`make index` loads the content, builds the indexes and publishes them; the server notices the new
manifest (a cheap stat) and loads the same content, so pages and search change together, without a
restart.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from app.content.repository import ContentRepository

logger = logging.getLogger(__name__)


class ContentSource:
    """Holds one ContentRepository and swaps in a fresh one when `version()` changes; thread-safe."""

    def __init__(self, load: Callable[[], ContentRepository], version: Callable[[], Hashable]) -> None:
        self._load, self._version_of = load, version
        self._lock = threading.Lock()
        self._version = version()
        self._repo = load()
        self._fingerprint = self._repo.fingerprint()

    @classmethod
    def fixed(cls, repo: ContentRepository) -> ContentSource:
        """A source that never reloads (tests, scripts)."""
        return cls(lambda: repo, lambda: 0)

    def current(self) -> ContentRepository:
        """The repository to use now. One caller reloads; the others keep the old one meanwhile, never half of each."""
        version = self._version_of()
        if version != self._version and self._lock.acquire(blocking=False):
            try:
                if version != self._version:
                    self._swap(version)
            finally:
                self._lock.release()
        return self._repo

    @property
    def fingerprint(self) -> str:
        """Hash of the content files as they were when the current repository was loaded."""
        return self._fingerprint

    def _swap(self, version: Hashable) -> None:
        started = time.perf_counter()
        try:
            repo = self._load()
            fingerprint = repo.fingerprint()
        except Exception:  # keep serving what we have; a bad categories file must not take the site down
            logger.exception("content reload failed; still serving the previous content")
            self._version = version
            return
        self._repo, self._fingerprint, self._version = repo, fingerprint, version
        logger.info("content reloaded: %d articles, %d glossary terms in %.2fs", len(repo.all_articles()),
                    len(repo.glossary), time.perf_counter() - started)
