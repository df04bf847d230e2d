"""Units of work shared by the store's parts: read (deferred) and write (BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.cases.db import LAZY_COMMIT, READ_ONLY

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """Holds the engine and the clock; every public store method is one transaction."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._read_engine = engine.execution_options(**{READ_ONLY: True})
        self._lazy_engine = engine.execution_options(**{LAZY_COMMIT: True})
        self._clock = clock

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        return now.astimezone(UTC)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _write(self, durable: bool = True) -> Iterator[Session]:
        """durable=False: a write not worth an fsync (app.cases.db.LAZY_COMMIT says what may be lost)."""
        engine = self.engine if durable else self._lazy_engine
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
