"""Index folders on disk: each build goes to a temporary folder and is published by an atomic manifest swap.

A failed build leaves the previous index serving; readers open whatever the manifest names.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def version(self) -> float:
        """Changes whenever a build is published (cheap to poll)."""
        try:
            return self.manifest_path.stat().st_mtime_ns
        except OSError:
            return 0

    def entry(self, kind: str) -> dict[str, Any] | None:
        entry = self.manifest().get(kind)
        return entry if isinstance(entry, dict) else None

    def path(self, kind: str) -> Path | None:
        entry = self.entry(kind)
        if not entry or not entry.get("dir"):
            return None
        path = self.root / str(entry["dir"])
        return path if path.is_dir() else None

    @contextmanager
    def staging(self, kind: str) -> Iterator[Path]:
        """A temporary folder to build into; removed if the build fails."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-building-", dir=self.root))
        try:
            yield tmp
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def publish(self, kind: str, built: Path, meta: dict[str, Any]) -> Path:
        """Move a finished build into place and point the manifest at it."""
        final = self.root / f"{kind}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.rename(built, final)
        with self._locked():
            manifest = self.manifest()
            previous = manifest.get(kind, {}).get("dir") if isinstance(manifest.get(kind), dict) else None
            manifest[kind] = {**meta, "dir": final.name, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
            tmp = self.manifest_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            os.replace(tmp, self.manifest_path)
        self._prune(kind, keep={final.name, previous})
        return final

    def _prune(self, kind: str, keep: set[str | None]) -> None:
        """Drop older generations; the previous one stays for readers that still have it open."""
        for path in self.root.glob(f"{kind}-*"):
            if path.is_dir() and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
