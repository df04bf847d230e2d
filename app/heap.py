"""Keeping a long-running server's heap small and its garbage collection short.

Start-up loads the model, indexes and assistant evidence: over half a million long-lived objects, and hundreds of
megabytes of temporaries (embedding batches, rendered Markdown) that Python frees but glibc's malloc keeps.

`configure()`, at start, fixes glibc's thresholds: blocks of 128 KiB and more (model activations) are mapped
and unmapped on their own instead of being kept in the heap once freed (glibc otherwise raises that threshold
after each large free, up to 32 MiB), and free memory over 1 MiB at the top of the heap is returned. Measured at
1,000 articles: the server holds about 100 MB less after answering questions, with no measurable cost per query.

Once start-up work is done, `settle()`:
- collects what is garbage, then moves every surviving object to the permanent generation (gc.freeze), so a
  later full collection walks only objects created since (a full walk costs about 300 ms at 1,000 articles and
  stalls whichever request triggers it);
- hands freed memory back to the operating system (glibc malloc_trim), about 100 MB at 1,000 articles.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import threading

logger = logging.getLogger(__name__)

_lock = threading.Lock()


#: mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def configure() -> bool:
    """Apply the process's malloc policy (idempotent); False where the C library has no such settings."""
    libc = _libc()
    if libc is None:
        return False
    return libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1 and libc.mallopt(M_TRIM_THRESHOLD, 1024 * 1024) == 1


def settle() -> None:
    """Call after loading something big and long-lived (safe from any thread, any number of times)."""
    with _lock:
        gc.collect()
        gc.freeze()
        trimmed = _malloc_trim()
    logger.debug("heap settled: %d objects frozen, memory returned: %s", gc.get_freeze_count(), trimmed)


def _malloc_trim() -> bool:
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """glibc, or None where these calls do not exist (musl, macOS): there the defaults stand. Found once per
    process: find_library runs `ldconfig -p`, and every app the factory creates calls configure()."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None
