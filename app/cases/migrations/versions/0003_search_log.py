"""The search log as counts per normalised query and day (search_counts) instead of a row per search.

Revision ID: 0003_search_log
Revises: 0002_console
Create Date: 2026-12-06
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search_log"
down_revision: str | None = "0002_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
# Frozen copies of app.console.wording.normalise and app.console.searchlog.is_poor_search as of this revision
# (a migration must not change when the application does, and the cases layer imports no console code).
_STOPWORDS = frozenset(
    "a an and are as at be been but by can cannot could did do does doing for from had has have how i if in "
    "into is it its me my no not of on or our please should so that the their them there they this to up "
    "us was we were what when where which who why will with would you your".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _normalise(text: str) -> str:
    words = {_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS and len(w) > 1}
    return " ".join(sorted(words))[:500]


def _is_poor(mode: str, result_count: int, top_score: float | None) -> bool:
    return result_count == 0 or (mode == "semantic" and top_score is not None and top_score < 0.35)


def upgrade() -> None:
    counts = op.create_table(
        "search_counts",
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("poor", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", "day", name=op.f("pk_search_counts")),
    )
    op.create_index(op.f("ix_search_counts_day"), "search_counts", ["day"])
    _copy_search_log(counts)
    op.drop_index(op.f("ix_search_log_created_at"), table_name="search_log")
    op.drop_table("search_log")


def _copy_search_log(counts: sa.Table) -> None:
    """Every logged search, counted into the new table with the rules the application now records by."""
    conn = op.get_bind()
    log = sa.table("search_log", sa.column("query"), sa.column("mode"), sa.column("result_count"),
                   sa.column("top_score"), sa.column("created_at", sa.DateTime()))
    agg: dict[tuple, dict] = {}
    for query, mode, result_count, top_score, created_at in conn.execute(sa.select(log).order_by(log.c.created_at)):
        key = _normalise(query)
        if not key:
            continue
        row = agg.setdefault((key, created_at.date()), {"key": key, "day": created_at.date(), "query": query,
                                                        "searches": 0, "poor": 0, "first_at": created_at})
        row["searches"] += 1
        row["poor"] += int(_is_poor(mode, result_count, top_score))
        row["last_at"] = created_at
    rows = list(agg.values())
    for start in range(0, len(rows), BATCH):
        conn.execute(counts.insert(), rows[start:start + BATCH])


def downgrade() -> None:
    op.create_table(
        "search_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_log")),
    )
    op.create_index(op.f("ix_search_log_created_at"), "search_log", ["created_at"])
    op.drop_index(op.f("ix_search_counts_day"), table_name="search_counts")
    op.drop_table("search_counts")
