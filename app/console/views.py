"""Article page views per day, counted in memory and written in batches (a view is not worth an fsync)."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cases.storebase import Clock, StoreBase, utc_now
from app.console.models import ArticleViewRow

logger = logging.getLogger(__name__)


class ViewCounter(StoreBase):
    """Counts stay in this process until ``flush_seconds`` pass or ``max_pending`` views wait; a crash
    loses at most that many. ``flush_seconds=0`` writes every view at once (tests)."""

    def __init__(self, engine: Engine, clock: Clock = utc_now, *, flush_seconds: float = 30.0,
                 max_pending: int = 200) -> None:
        super().__init__(engine, clock)
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self._pending: Counter[tuple[str, date]] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def record(self, slug: str) -> None:
        with self._lock:
            self._pending[(slug[:200], self.now().date())] += 1
            due = (sum(self._pending.values()) >= self.max_pending
                   or time.monotonic() - self._last_flush >= self.flush_seconds)
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the waiting counts (one upsert per article and day)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        try:
            with self._write() as s:
                for (slug, day), n in sorted(pending.items()):
                    stmt = insert(ArticleViewRow).values(slug=slug, day=day, count=n)
                    s.execute(stmt.on_conflict_do_update(index_elements=[ArticleViewRow.slug, ArticleViewRow.day],
                                                         set_={"count": ArticleViewRow.count + n}))
        except Exception:
            logger.exception("could not write %d article view counts; keeping them for the next flush",
                             sum(pending.values()))
            with self._lock:
                self._pending.update(pending)

    def totals(self, since: date | None = None) -> Counter[str]:
        """Views per article (flushed ones), optionally from a day on."""
        self.flush()
        with self._read() as s:
            stmt = select(ArticleViewRow.slug, func.sum(ArticleViewRow.count)).group_by(ArticleViewRow.slug)
            if since is not None:
                stmt = stmt.where(ArticleViewRow.day >= since)
            return Counter({slug: int(n) for slug, n in s.execute(stmt).all()})

    def last_days(self, days: int) -> Counter[str]:
        return self.totals(self.now().date() - timedelta(days=days - 1))
