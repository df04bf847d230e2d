"""Participant accounts: organisations, accounts, one-time codes, access tokens; cases belong to accounts;
the transactional outbox.

Revision ID: 0004_accounts
Revises: 0002_console
Create Date: 2026-12-06
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_accounts"
down_revision: str | None = "0003_search_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("market_participant_ids", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("party_id", name=op.f("uq_organisations_party_id")),
    )
    op.create_index(op.f("ix_organisations_name"), "organisations", ["name"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("unregistered_organisation", sa.String(200), nullable=True),
        sa.Column("org_admin", sa.Boolean(), nullable=False),
        sa.Column("org_viewer", sa.Boolean(), nullable=False),
        sa.Column("session_nonce", sa.String(64), nullable=False),
        sa.Column("accepted_terms_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_accounts_organisation_id_organisations"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_index(op.f("ix_accounts_organisation_id"), "accounts", ["organisation_id"])

    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    op.create_index(op.f("ix_one_time_codes_email"), "one_time_codes", ["email"])
    op.create_index(op.f("ix_one_time_codes_expires_at"), "one_time_codes", ["expires_at"])

    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_access_tokens_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    op.create_index(op.f("ix_access_tokens_account_id"), "access_tokens", ["account_id"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("to", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"])
    op.create_index(op.f("ix_outbox_sent_at"), "outbox", ["sent_at"])

    op.create_table(
        "case_drafts",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_drafts")),
    )
    op.create_index(op.f("ix_case_drafts_created_at"), "case_drafts", ["created_at"])

    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch.create_index(batch.f("ix_cases_account_id"), ["account_id"])
        batch.create_index(batch.f("ix_cases_organisation_id"), ["organisation_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_organisation_id"))
        batch.drop_index(batch.f("ix_cases_account_id"))
        for column in ("reopened_at", "organisation_id", "account_id"):
            batch.drop_column(column)
    for table in ("case_drafts", "outbox", "access_tokens", "one_time_codes", "accounts", "organisations"):
        op.drop_table(table)
