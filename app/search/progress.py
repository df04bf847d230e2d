"""Progress bars for `make index`: on stderr when it is a terminal (or when asked), so logs and tests stay clean."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def progress_bar(total: int, what: str, progress: bool | None = None, stream: Any = None,
                 unit: str = "text") -> Iterator[Any]:
    """A tqdm bar counting `total` units of work described as `what`, or None when no bar is shown: when
    ``progress`` is False, or None and the stream (stderr by default) is not a terminal."""
    stream = stream or sys.stderr
    if not total or not (stream.isatty() if progress is None else progress):
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=what, unit=unit, file=stream)
    try:
        yield bar
    finally:
        bar.close()
