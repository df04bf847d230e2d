"""Rendered Markdown kept on disk between loads, keyed by the hash of each source text.

Rendering is most of the cost of loading the content (about 0.5 s for the shipped articles, 3 s at 1,000): with
the cache a server starting on content that `make index` already loaded renders nothing. An entry is only used
by the renderer that wrote it: the file records a fingerprint of the rendering code and of the Markdown and nh3
versions, and a different one discards the whole file. A cache that cannot be read or written is only slower.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from app.content import render, slugs, unconfirmed
from app.content.models import Heading
from app.content.render import Rendered, render_markdown

logger = logging.getLogger(__name__)

#: the cache's file name in the index folder (app.services): `make index` loads the content, so fills it
FILE_NAME = "rendered-content.json"


@functools.cache
def renderer_fingerprint() -> str:
    """Changes whenever the HTML a source renders to may change: the rendering code or its libraries."""
    h = hashlib.sha256()
    for module in (render, slugs, unconfirmed):
        h.update(Path(str(module.__file__)).read_bytes())
    for package in ("markdown", "nh3"):
        h.update(f"{package}=={metadata.version(package)}".encode())
    return h.hexdigest()[:16]


class RenderCache:
    """render(source) as render_markdown does, from the file at `path` when it holds that source; save() writes
    back the entries used by this load (so removed articles drop out), only when something new was rendered."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._known = self._read()
        self._used: dict[str, list[Any]] = {}
        self.rendered = 0  # sources not found in the cache

    def render(self, source: str) -> Rendered:
        key = hashlib.sha256(source.encode("utf-8")).hexdigest()
        entry = self._used.get(key) or self._known.get(key)
        if entry is None:
            self.rendered += 1
            r = render_markdown(source)
            entry = [r.html, r.text, [[h.level, h.text, h.anchor] for h in r.headings]]
        self._used[key] = entry
        html, text, headings = entry
        return Rendered(html, text, tuple(Heading(*h) for h in headings))

    def save(self) -> None:
        if not self.rendered and len(self._used) == len(self._known):
            return
        if not self.path.parent.is_dir():  # the index folder `make index` creates: a content check writes nothing
            return
        data = json.dumps({"renderer": renderer_fingerprint(), "entries": self._used}, separators=(",", ":"))
        try:
            fd, tmp = tempfile.mkstemp(prefix=".rendered-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            os.replace(tmp, self.path)  # atomic: workers saving at once each write a whole file
        except OSError as exc:
            logger.warning("rendered content not cached in %s (%s)", self.path, exc)

    def _read(self) -> dict[str, list[Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("rendered-content cache %s unreadable (%s): rendering everything", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("renderer") != renderer_fingerprint():
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}
