"""Background threads (model loading, assistant vectors) that the interpreter waits for when it exits.

A daemon thread still inside torch when Python shuts down is stopped in the middle of a C++ call, and the
unwinding aborts the whole process ("terminate called without an active exception"; gunicorn then logs "Worker
was sent SIGABRT!" on a plain restart). Threads started here are told at exit that the process is stopping
(work done in steps checks `stopping()` between steps), and the exit waits for them, EXIT_WAIT seconds at most.
"""
from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable

#: seconds the exit waits for background threads to finish their current step.
EXIT_WAIT = 15.0

_stopping = threading.Event()
_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def start(target: Callable[[], object], name: str) -> threading.Thread:
    """Run `target` in a daemon thread that the exit waits for."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _threads.add(thread)
    thread.start()
    return thread


def stopping() -> bool:
    """True once the process is exiting: long work should stop at its next step."""
    return _stopping.is_set()


def wait(seconds: float) -> bool:
    """Sleep up to ``seconds``, waking as soon as the process starts exiting; True when it is."""
    return _stopping.wait(seconds)


@atexit.register
def _wait_for_threads() -> None:
    _stopping.set()
    deadline = time.monotonic() + EXIT_WAIT
    for thread in list(_threads):
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
