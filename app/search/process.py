"""How long-running work runs in this process: a policy the server layer hands in.

Domain code never imports the process's own modules (`app.background`, `app.heap`): the composition root
passes the server's policy (threads the exit waits for, the heap settled after big loads), and anything
else (tests, scripts, `make index`) gets PLAIN: a daemon thread, nothing settled, never stopping.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


def _daemon(target: Callable[[], object], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def _nothing() -> None:
    return None


def _never() -> bool:
    return False


@dataclass(frozen=True)
class ProcessPolicy:
    #: run a target in a background thread, by name
    start: Callable[[Callable[[], object], str], threading.Thread] = _daemon
    #: called after loading something big and long-lived
    settle: Callable[[], None] = _nothing
    #: True once the process is exiting: work done in steps stops at its next step
    stopping: Callable[[], bool] = _never


PLAIN = ProcessPolicy()
