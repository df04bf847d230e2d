"""Issue 19.1: the search log is counts per normalised query and day, and the gaps report costs linear time."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text

from app.cases.db import make_engine, upgrade
from app.console import gaps
from app.console.gaps import GapItem, GapSource, group_gaps
from app.console.models import SearchCountRow
from app.console.searchlog import SearchLog

from .conftest import T0


def _rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SearchCountRow)).scalar_one()


def test_a_flood_of_one_query_adds_to_a_count_not_rows(engine, clock):
    log = SearchLog(engine, clock, flush_seconds=3600, max_pending=50)
    for i in range(1_000):
        log.record(["Webhook not working", "webhooks NOT working?", "webhook working"][i % 3], "keyword", 0)
    log.record("certificate renewal", "keyword", 4, 9.0)  # found something: counted, but not a gap
    log.record("how do I", "keyword", 0)  # stop words only: says nothing
    gaps_ = log.poor_searches()
    assert _rows(engine) == 2
    assert [(g.query, g.count) for g in gaps_.top] == [("Webhook not working", 1_000)]
    assert (gaps_.distinct, gaps_.searches) == (1, 1_000)


def test_counts_are_per_day_and_the_period_filters_by_day(engine, clock):
    log = SearchLog(engine, clock, flush_seconds=0)
    log.record("portal error 4711", "keyword", 0)
    clock.advance(days=3)
    log.record("Portal error 4711", "semantic", 3, 0.1)
    log.record("portal error 4711", "semantic", 3, 0.9)  # a good result: not poor
    assert _rows(engine) == 2
    [gap] = log.poor_searches().top
    assert gap.count == 2 and gap.last_at - gap.first_at == timedelta(days=3)
    assert log.poor_searches(since=clock() - timedelta(days=1)).top[0].count == 1


def test_the_report_reads_the_most_searched_phrasings_up_to_a_limit(engine, clock):
    log = SearchLog(engine, clock, flush_seconds=3600, max_pending=10_000)
    for i in range(300):
        for _ in range(1 + i % 7):
            log.record(f"error code {i + 100}", "keyword", 0)
    result = log.poor_searches(limit=10)
    assert len(result.top) == 10 and result.distinct == 300
    assert result.searches == sum(1 + i % 7 for i in range(300))
    assert all(g.count == 7 for g in result.top)


def test_unwritten_counts_are_kept_when_the_database_fails(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    upgrade(engine)
    log = SearchLog(engine, clock, flush_seconds=3600)
    log.record("webhook timeout", "keyword", 0)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE search_counts RENAME TO gone"))
    log.flush()  # logged, kept in memory
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE gone RENAME TO search_counts"))
    log.record("webhook timeout", "keyword", 0)
    assert log.poor_searches().top[0].count == 2


def test_grouping_compares_a_bounded_number_of_pairs(monkeypatch):
    """Thousands of distinct phrasings sharing a word cost linear, not quadratic, comparisons."""
    calls = 0
    real = gaps.similarity

    def counting(a, b):
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(gaps, "similarity", counting)
    rng = random.Random(19)
    n = 3_000
    items = [GapItem(GapSource.SEARCH, f"webhook {rng.randrange(10**9)} {rng.randrange(10**9)}", T0) for _ in range(n)]
    groups = group_gaps(items)
    assert sum(g.size for g in groups) == n
    assert calls <= n * 3 * gaps.CANDIDATES_PER_WORD  # quadratic would be n * (n - 1) / 2, 4.5 million


def test_counted_items_weigh_by_their_count():
    items = [GapItem(GapSource.SEARCH, "webhook timeout", T0, count=40, last_at=T0 + timedelta(days=2)),
             GapItem(GapSource.NO_ARTICLE, "Webhook timeouts", T0 + timedelta(days=1), ref="CS0000001"),
             GapItem(GapSource.SEARCH, "certificate renewal", T0, count=3)]
    top, other = group_gaps(items)
    assert (top.size, top.sources[GapSource.SEARCH], top.title) == (41, 40, "webhook timeout")
    assert top.last_seen == T0 + timedelta(days=2) and other.size == 3


def test_migration_counts_the_old_search_log(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    upgrade(engine, "0002_console")
    day = datetime(2026, 1, 5, 9, 0)
    rows = [("Webhook not working", "keyword", 0, None, day), ("webhooks not working", "semantic", 2, 0.2, day),
            ("webhook not working", "semantic", 2, 0.9, day + timedelta(hours=1)),
            ("the", "keyword", 0, None, day), ("webhook not working", "keyword", 0, None, day + timedelta(days=1))]
    with engine.begin() as conn:
        for r in rows:
            conn.execute(text("INSERT INTO search_log (query, mode, result_count, top_score, created_at) "
                              "VALUES (:q, :m, :n, :s, :c)"), dict(zip("qmnsc", r, strict=True)))
    upgrade(engine)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT key, day, query, searches, poor FROM search_counts ORDER BY day")).all()
    assert [tuple(r) for r in got] == [("webhook work", "2026-01-05", "Webhook not working", 3, 2),
                                       ("webhook work", "2026-01-06", "webhook not working", 1, 1)]
    [gap] = SearchLog(engine, lambda: datetime(2026, 1, 7, tzinfo=UTC)).poor_searches().top
    assert gap.count == 3 and gap.last_at.date() == date(2026, 1, 6)
