"""Who changed an article and when, from the Git history of its file.

Runs `git log --follow` (no shell, with a timeout) and caches the answer per content fingerprint and
Git HEAD. Outside a Git checkout (a deployed copy) or without git, every answer is empty and pages
fall back to the review date.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess  # nosec B404  # fixed argument lists only, never a shell (see each call)
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_COMMITS = 200
#: How long a known HEAD is trusted before asking git again (a commit without a content change).
HEAD_SECONDS = 10.0
_FIELD, _RECORD = "\x1f", "\x1e"
#: A commit tells readers what changed in a "Reader-Summary:" trailer; its subject is written for developers.
SUMMARY_TRAILER = "Reader-Summary"
#: The subject comes last: the output is stripped, and Python strips the separators too (they count as whitespace).
_SUMMARY = f"%(trailers:key={SUMMARY_TRAILER},valueonly,separator=%x20)"
_FORMAT = _FIELD.join(("%H", "%aI", "%an", _SUMMARY, "%s")) + _RECORD


@dataclass(frozen=True)
class Commit:
    hash: str
    date: dt.datetime
    author: str
    message: str
    summary: str | None = None  # for readers; None when the commit gives none

    @property
    def short(self) -> str:
        return self.hash[:10]


class ContentHistory:
    """Per-file commit lists for the content folder; empty when Git cannot answer."""

    def __init__(self, root: Path, git: str | None = "git", timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.root = Path(root)
        self.git = shutil.which(git) if git else None
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Commit, ...]] = {}
        self._key: tuple[str, str] | None = None
        self._head: tuple[float, str] | None = None
        self.available = self.git is not None and self._run("rev-parse", "--is-inside-work-tree") == "true"
        if not self.available:
            logger.info("no Git history for %s: article pages show review dates only", self.root)

    def commits(self, path: str, fingerprint: str) -> tuple[Commit, ...]:
        """Newest first, following renames; path is relative to the content folder."""
        if not self.available:
            return ()
        key = (fingerprint, self._current_head())
        with self._lock:
            if key != self._key:
                self._cache, self._key = {}, key
            cached = self._cache.get(path)
        if cached is not None:
            return cached
        out = self._run("log", "--follow", f"-n{MAX_COMMITS}", f"--format={_FORMAT}", "--", path)
        found = _parse(out) if out is not None else ()
        with self._lock:
            if key == self._key:
                self._cache[path] = found
        return found

    def last_change(self, path: str, fingerprint: str) -> Commit | None:
        found = self.commits(path, fingerprint)
        return found[0] if found else None

    def _current_head(self) -> str:
        now = self._clock()
        if self._head is None or now - self._head[0] > HEAD_SECONDS:
            self._head = (now, self._run("rev-parse", "--verify", "-q", "HEAD") or "")
        return self._head[1]

    def _run(self, *args: str) -> str | None:
        """stdout of one git command, or None when it fails or takes too long."""
        if self.git is None:
            return None
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        try:
            # B603: fixed git subcommands, paths as separate arguments, no shell.
            done = subprocess.run([self.git, "-C", str(self.root), *args], capture_output=True, text=True,  # nosec B603
                                  encoding="utf-8", errors="replace", timeout=self.timeout, env=env, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("git %s failed: %s", args[0], exc)
            return None
        if done.returncode != 0:
            logger.debug("git %s exited %d: %s", args[0], done.returncode, done.stderr.strip()[:200])
            return None
        return done.stdout.strip()


def _parse(out: str) -> tuple[Commit, ...]:
    commits = []
    for record in out.split(_RECORD):
        parts = record.strip("\n").split(_FIELD)
        if len(parts) != 5:
            continue
        sha, date, author, summary, message = parts
        try:
            when = dt.datetime.fromisoformat(date)
        except ValueError:
            continue
        commits.append(Commit(sha, when, author, message, " ".join(summary.split()) or None))
    return tuple(commits)
