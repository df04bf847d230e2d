"""ORM tables of the cases store (SQLAlchemy 2 typed mappings). Migrations in migrations/ create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.cases.db import Base


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend; always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the case store; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class CounterRow(Base):
    """Gap-free sequences (the 'case' row numbers case references) incremented inside the creating transaction."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (CheckConstraint("feedback IN ('yes', 'no')", name="feedback"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4 text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    feedback: Mapped[str | None] = mapped_column(String(3))
    case_reference: Mapped[str | None] = mapped_column(String(16))


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(
            "status IN ('New', 'In Progress', 'Awaiting Information', 'Resolved', 'Closed')", name="status"
        ),
        CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the tracking token
    # Requested by
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # Organisation details
    organisation: Mapped[str | None] = mapped_column(String(200))
    party_id: Mapped[str | None] = mapped_column(String(40))
    no_party_id: Mapped[bool] = mapped_column(Boolean, default=False)
    unregistered_organisation: Mapped[str | None] = mapped_column(String(200))
    no_organisation_name: Mapped[bool] = mapped_column(Boolean, default=False)
    market_participant_id: Mapped[str | None] = mapped_column(String(40))
    no_market_participant_id: Mapped[bool] = mapped_column(Boolean, default=False)
    cra_market_role: Mapped[str] = mapped_column(String(100))
    # What the request is about
    category: Mapped[str] = mapped_column(String(150), index=True)
    subcategory: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    # Routing (derived on the server from the service model)
    type: Mapped[str] = mapped_column(String(40))
    report_to: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(2), index=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    steps: Mapped[list[str]] = mapped_column(JSON)
    impact: Mapped[str | None] = mapped_column(String(10))
    urgency: Mapped[str | None] = mapped_column(String(10))
    scenario_id: Mapped[str | None] = mapped_column(String(20))
    # Lifecycle and SLA clock
    status: Mapped[str] = mapped_column(String(32), index=True)
    resolver_group: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)  # wall-clock seconds spent paused
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversation_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    # Who raised it (participant accounts, app.accounts); NULL for cases raised before accounts existed.
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # flags a reopened case in the queue

    events: Mapped[list[CaseEventRow]] = relationship(
        back_populates="case", order_by="CaseEventRow.id", cascade="all, delete-orphan", passive_deletes=True
    )


class CaseEventRow(Base):
    __tablename__ = "case_events"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'status', 'note', 'assignment')", name="kind"),
        CheckConstraint("author_kind IN ('raiser', 'staff', 'system')", name="author_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_kind: Mapped[str] = mapped_column(String(10))
    author: Mapped[str | None] = mapped_column(String(200))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[CaseRow] = relationship(back_populates="events")


class VoteRow(Base):
    """'Was this article helpful?' answers."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    commit: Mapped[str | None] = mapped_column(String(64))  # content version the reader saw
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateLimitRow(Base):
    """Fixed-window hit counters shared by every worker that uses the same database."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)  # epoch seconds
    count: Mapped[int] = mapped_column(Integer)


class OutboxRow(Base):
    """An email waiting to be delivered, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # also the claim: a worker sets it ahead
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))


class CaseDraftRow(Base):
    """What was handed over to the case form (by the assistant or a half-filled form) while its author signs in
    or registers; the session cookie holds only the id. Deleted when used, or after a day."""

    __tablename__ = "case_drafts"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)  # token_urlsafe(32)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
