"""ORM tables of the staff console, on the cases store's Base (migrations 0002_console and 0003_search_log
create them)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.db import Base
from app.cases.models import UTCDateTime


class StaffRow(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Changes on logout, deactivation and password change, ending every session signed with the old one.
    session_nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailureRow(Base):
    """One failed staff login; counted in a sliding window to throttle guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CaseLinkRow(Base):
    """An article an agent linked to a case's resolution (KCS: solution linked to the incident)."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "slug", name="uq_case_links_case_id_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    linked_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeRequestRow(Base):
    """A knowledge gap: "no article exists" for a case, in the case's own words, for authors to act on."""

    __tablename__ = "knowledge_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    case_reference: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ArticleViewRow(Base):
    """Article page views per article and (UTC) day."""

    __tablename__ = "article_views"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class SearchCountRow(Base):
    """Searches per normalised query (its sorted distinct words) and (UTC) day: the knowledge-gaps report's
    input, one row however often the same thing is searched."""

    __tablename__ = "search_counts"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    query: Mapped[str] = mapped_column(String(500))  # the day's first wording, shown in the report
    searches: Mapped[int] = mapped_column(Integer)
    poor: Mapped[int] = mapped_column(Integer)  # of which with no or poor results
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
