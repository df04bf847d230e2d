"""Cases, case events, conversations, votes, search log, rate limits, counters.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.bulk_insert(sa.table("counters", sa.column("name"), sa.column("value")), [{"name": "case", "value": 0}])

    op.create_table(
        "conversations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.String(3), nullable=True),
        sa.Column("case_reference", sa.String(16), nullable=True),
        sa.CheckConstraint("feedback IN ('yes', 'no')", name=op.f("ck_conversations_feedback")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(op.f("ix_conversations_updated_at"), "conversations", ["updated_at"])

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("party_id", sa.String(40), nullable=True),
        sa.Column("no_party_id", sa.Boolean(), nullable=False),
        sa.Column("unregistered_organisation", sa.String(200), nullable=True),
        sa.Column("no_organisation_name", sa.Boolean(), nullable=False),
        sa.Column("market_participant_id", sa.String(40), nullable=True),
        sa.Column("no_market_participant_id", sa.Boolean(), nullable=False),
        sa.Column("cra_market_role", sa.String(100), nullable=False),
        sa.Column("category", sa.String(150), nullable=False),
        sa.Column("subcategory", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("report_to", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(40), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("impact", sa.String(10), nullable=True),
        sa.Column("urgency", sa.String(10), nullable=True),
        sa.Column("scenario_id", sa.String(20), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("resolver_group", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(), nullable=False),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.CheckConstraint(
            "status IN ('New', 'In Progress', 'Awaiting Information', 'Resolved', 'Closed')",
            name=op.f("ck_cases_status"),
        ),
        sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name=op.f("ck_cases_priority")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_cases_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    for column in ("category", "priority", "status", "resolver_group", "created_at", "sla_due_at", "conversation_id"):
        op.create_index(op.f(f"ix_cases_{column}"), "cases", [column])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author_kind", sa.String(10), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('comment', 'status', 'note', 'assignment')", name=op.f("ck_case_events_kind")),
        sa.CheckConstraint("author_kind IN ('raiser', 'staff', 'system')", name=op.f("ck_case_events_author_kind")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"])

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_slug"), "votes", ["slug"])
    op.create_index(op.f("ix_votes_created_at"), "votes", ["created_at"])

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

    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limits")),
    )
    op.create_index(op.f("ix_rate_limits_window_start"), "rate_limits", ["window_start"])


def downgrade() -> None:
    for table in ("rate_limits", "search_log", "votes", "case_events", "cases", "conversations", "counters"):
        op.drop_table(table)
