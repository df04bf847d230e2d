"""ORM tables of major incidents, on the cases store's Base (migration 0005_incidents creates them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.db import Base
from app.cases.models import UTCDateTime


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'resolved', 'closed')", name="state"),
        CheckConstraint("severity IN ('P1', 'P2')", name="severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    scenario_id: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    reported: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(2))
    services: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(254))

    updates: Mapped[list[IncidentUpdateRow]] = relationship(
        order_by="IncidentUpdateRow.id", cascade="all, delete-orphan", passive_deletes=True
    )


class IncidentUpdateRow(Base):
    """The incident's history: every public update and staff action (the audit trail)."""

    __tablename__ = "incident_updates"
    __table_args__ = (
        CheckConstraint("kind IN ('declared', 'update', 'resolved', 'closed', 'linked')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class IncidentFollowerRow(Base):
    """Someone who gets every update by email; confirmed_at stays empty until they click the confirmation link."""

    __tablename__ = "incident_followers"
    __table_args__ = (UniqueConstraint("incident_id", "email", name="uq_incident_followers_incident_id_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # stored lower-case
    token: Mapped[str] = mapped_column(String(64), unique=True)  # confirms and unfollows
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentCaseRow(Base):
    """A case attached to a major incident (a case belongs to at most one)."""

    __tablename__ = "incident_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    linked_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnownIncidentAnswerRow(Base):
    """One assistant answer that said 'this is a known major incident' (a case not raised)."""

    __tablename__ = "incident_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
