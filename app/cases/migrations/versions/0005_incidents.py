"""Major incidents: incidents, their updates (audit history), followers, linked cases, known-incident answers.

Revision ID: 0005_incidents
Revises: 0003_search_log
Create Date: 2026-12-06
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incidents"
down_revision: str | None = "0004_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f(f"fk_{table}_incident_id_incidents"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.bulk_insert(sa.table("counters", sa.column("name"), sa.column("value")), [{"name": "incident", "value": 0}])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("scenario_id", sa.String(10), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("reported", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(2), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(254), nullable=True),
        sa.CheckConstraint("state IN ('open', 'resolved', 'closed')", name=op.f("ck_incidents_state")),
        sa.CheckConstraint("severity IN ('P1', 'P2')", name=op.f("ck_incidents_severity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    for column in ("state", "started_at", "resolved_at"):
        op.create_index(op.f(f"ix_incidents_{column}"), "incidents", [column])

    op.create_table(
        "incident_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('declared', 'update', 'resolved', 'closed', 'linked')",
                           name=op.f("ck_incident_updates_kind")),
        _incident_fk("incident_updates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_updates")),
    )
    op.create_index(op.f("ix_incident_updates_incident_id"), "incident_updates", ["incident_id"])
    op.create_index(op.f("ix_incident_updates_created_at"), "incident_updates", ["created_at"])

    op.create_table(
        "incident_followers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _incident_fk("incident_followers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_followers")),
        sa.UniqueConstraint("incident_id", "email", name="uq_incident_followers_incident_id_email"),
        sa.UniqueConstraint("token", name=op.f("uq_incident_followers_token")),
    )
    op.create_index(op.f("ix_incident_followers_incident_id"), "incident_followers", ["incident_id"])

    op.create_table(
        "incident_cases",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_incident_cases_case_id_cases"),
                                ondelete="CASCADE"),
        _incident_fk("incident_cases"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_incident_cases")),
    )
    op.create_index(op.f("ix_incident_cases_incident_id"), "incident_cases", ["incident_id"])

    op.create_table(
        "incident_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _incident_fk("incident_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_answers")),
    )
    op.create_index(op.f("ix_incident_answers_incident_id"), "incident_answers", ["incident_id"])


def downgrade() -> None:
    for table in ("incident_answers", "incident_cases", "incident_followers", "incident_updates", "incidents"):
        op.drop_table(table)
    op.execute(sa.text("DELETE FROM counters WHERE name = 'incident'"))
