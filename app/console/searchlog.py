"""The search log, as counts per normalised query and day: a flood of searches adds to counts, not rows.

Counts wait in this process (like article views) and are written in batches, at the latest with the
first search ``flush_seconds`` after the last batch; the gaps report writes its own process's counts first
and reads the aggregate with one GROUP BY, so its cost follows the number of distinct queries, never the
traffic. Each client's searches are counted up to a limit (the web layer's ``search-log`` rate limit).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cases.storebase import Clock, StoreBase, utc_now
from app.console.models import SearchCountRow
from app.console.wording import normalise

logger = logging.getLogger(__name__)

#: A search counts as "poor" when its best score is below this, per search mode (keyword scores are unbounded).
POOR_SCORES: Mapping[str, float] = {"semantic": 0.35}
MAX_QUERY = 500


def is_poor_search(mode: str, result_count: int, top_score: float | None,
                   poor_scores: Mapping[str, float] = POOR_SCORES) -> bool:
    if result_count == 0:
        return True
    floor = poor_scores.get(mode)
    return floor is not None and top_score is not None and top_score < floor


@dataclass(frozen=True)
class SearchGap:
    """One normalised query's searches with no or poor results in a period."""

    query: str  # a wording people used
    count: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class SearchGaps:
    top: tuple[SearchGap, ...]  # the most searched, at most the limit asked for
    distinct: int  # normalised queries in the period, shown or not
    searches: int  # poor searches in the period, shown or not


@dataclass
class _Pending:
    query: str
    searches: int
    poor: int
    first_at: datetime
    last_at: datetime


class SearchLog(StoreBase):
    """``flush_seconds=0`` writes every search at once (tests); a crash loses at most ``max_pending``."""

    def __init__(self, engine: Engine, clock: Clock = utc_now, *, flush_seconds: float = 10.0,
                 max_pending: int = 500) -> None:
        super().__init__(engine, clock)
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self._pending: dict[tuple[str, date], _Pending] = {}
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def record(self, query: str, mode: str, result_count: int, top_score: float | None = None) -> None:
        """Count one search; one with no usable words (stop words, punctuation) tells no gap and is not kept."""
        key = normalise(query[:MAX_QUERY])[:MAX_QUERY]
        if not key:
            return
        now = self.now()
        poor = int(is_poor_search(mode, result_count, top_score))
        with self._lock:
            entry = self._pending.get((key, now.date()))
            if entry is None:
                self._pending[(key, now.date())] = _Pending(" ".join(query.split())[:MAX_QUERY], 1, poor, now, now)
            else:
                entry.searches += 1
                entry.poor += poor
                entry.last_at = now
            due = (len(self._pending) >= self.max_pending
                   or time.monotonic() - self._last_flush >= self.flush_seconds)
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the waiting counts: one upsert per query and day."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
        if not pending:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(SearchCountRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=[SearchCountRow.key, SearchCountRow.day],
            set_={"searches": SearchCountRow.searches + stmt.excluded.searches,
                  "poor": SearchCountRow.poor + stmt.excluded.poor, "last_at": stmt.excluded.last_at})
        rows = [{"key": key, "day": day, "query": p.query, "searches": p.searches, "poor": p.poor,
                 "first_at": p.first_at, "last_at": p.last_at} for (key, day), p in sorted(pending.items())]
        try:
            with self._write() as s:
                s.execute(stmt, rows)
        except Exception:
            logger.exception("could not write the counts of %d searches; keeping them for the next flush",
                             sum(p.searches for p in pending.values()))
            with self._lock:
                for k, p in pending.items():
                    mine = self._pending.setdefault(k, p)
                    if mine is not p:
                        mine.searches += p.searches
                        mine.poor += p.poor
                        mine.first_at = min(mine.first_at, p.first_at)

    def poor_searches(self, since: datetime | None = None, limit: int = 1_000) -> SearchGaps:
        """The ``limit`` normalised queries with the most searches that found nothing or little, most first."""
        self.flush()
        where = [SearchCountRow.poor > 0]
        if since is not None:
            where.append(SearchCountRow.day >= since.date())
        total = func.sum(SearchCountRow.poor).label("total")
        per_key = select(total).where(*where).group_by(SearchCountRow.key).subquery()
        stmt = (select(func.min(SearchCountRow.query), total, func.min(SearchCountRow.first_at),
                       func.max(SearchCountRow.last_at))
                .where(*where).group_by(SearchCountRow.key).order_by(total.desc(), SearchCountRow.key).limit(limit))
        with self._read() as s:
            top = tuple(SearchGap(q, int(n), first, last) for q, n, first, last in s.execute(stmt))
            distinct, searches = s.execute(select(func.count(), func.coalesce(func.sum(per_key.c.total), 0))).one()
        return SearchGaps(top, int(distinct), int(searches))
