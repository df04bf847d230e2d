"""The server's heap policy: start-up objects frozen out of the collector's way, freed memory handed back."""
from __future__ import annotations

import gc
import platform
import weakref

import pytest

from app import heap


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_settle_frees_cyclic_garbage_and_freezes_what_survives(unfrozen) -> None:
    class Node:
        pass

    kept = [Node() for _ in range(100)]
    cycle = Node()
    cycle.self = cycle  # garbage only the cyclic collector can free
    gone = weakref.ref(cycle)
    del cycle
    before = gc.get_freeze_count()
    heap.settle()
    assert gone() is None
    assert gc.get_freeze_count() >= before + len(kept)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the malloc settings are glibc's")
def test_configure_applies_the_malloc_policy_on_glibc() -> None:
    assert heap.configure() is True
    assert heap.configure() is True  # idempotent: create_app runs it for every app
