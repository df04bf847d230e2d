"""IncidentStore: major incidents, their history, followers, linked cases and known-incident answers.

Same database as the cases (each public method is one transaction). Validation of what staff type
happens in :mod:`app.incidents.service`; this layer trusts its arguments.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.cases.models import CaseRow, CounterRow
from app.cases.records import CaseStatus
from app.cases.sla import resolution_due
from app.cases.storebase import StoreBase
from app.incidents.models import (
    IncidentCaseRow,
    IncidentFollowerRow,
    IncidentRow,
    IncidentUpdateRow,
    KnownIncidentAnswerRow,
)
from app.incidents.records import (
    Follower,
    Incident,
    IncidentClosed,
    IncidentNotFound,
    IncidentState,
    IncidentUpdate,
    InvalidIncidentTransition,
    UpdateKind,
)

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "MI"
_REFERENCE = re.compile(r"^MI\d{7,12}$")
OPEN_CASE_STATUSES = tuple(s.value for s in CaseStatus if s.is_open)


def format_reference(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number:07d}"


def normalise_reference(reference: str) -> str | None:
    ref = (reference or "").strip().upper()
    return ref if _REFERENCE.match(ref) else None


@dataclass(frozen=True)
class NewIncident:
    """Validated declaration fields (IncidentService.declare builds it)."""

    title: str
    reported: str
    impact: str
    severity: str
    services: tuple[str, ...]
    contact_name: str
    scenario_id: str | None = None
    next_steps: str | None = None
    started_at: datetime | None = None  # default: now


@dataclass(frozen=True)
class CaseSummary:
    """What the incident pages and emails need about a case."""

    reference: str
    name: str
    email: str
    subject: str
    category: str
    subcategory: str | None
    status: CaseStatus
    created_at: datetime


def _summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(row.reference, row.name, row.email, row.subject, row.category, row.subcategory,
                       CaseStatus(row.status), row.created_at)


@dataclass(frozen=True)
class IncidentCounts:
    linked_cases: int
    known_incident_answers: int
    followers: int  # confirmed
    pending_followers: int


def _update(row: IncidentUpdateRow) -> IncidentUpdate:
    return IncidentUpdate(row.id, UpdateKind(row.kind), row.text, row.internal_note, row.author, row.created_at)


def _incident(row: IncidentRow, *, with_updates: bool = True) -> Incident:
    return Incident(
        id=row.id, reference=row.reference, scenario_id=row.scenario_id, title=row.title, reported=row.reported,
        impact=row.impact, next_steps=row.next_steps, contact_name=row.contact_name, severity=row.severity,
        services=tuple(row.services or ()), state=IncidentState(row.state), started_at=row.started_at,
        sla_due_at=row.sla_due_at, resolved_at=row.resolved_at, closed_at=row.closed_at, created_by=row.created_by,
        updates=tuple(_update(u) for u in row.updates) if with_updates else (),
    )


def _follower(row: IncidentFollowerRow) -> Follower:
    return Follower(row.id, row.incident_id, row.email, row.token, row.confirmed_at is not None, row.created_at)


class IncidentStore(StoreBase):
    """Major incident records. ``clock`` returns the current aware datetime (tests pass a fake)."""

    # -- the record ------------------------------------------------------------------------------
    def declare(self, new: NewIncident, author: str | None) -> Incident:
        now = self.now()
        started = new.started_at or now
        with self._write() as s:
            number = s.execute(
                update(CounterRow).where(CounterRow.name == "incident").values(value=CounterRow.value + 1)
                .returning(CounterRow.value)
            ).scalar_one()  # fmt: skip
            row = IncidentRow(
                reference=format_reference(number), scenario_id=new.scenario_id, title=new.title,
                reported=new.reported, impact=new.impact, next_steps=new.next_steps, contact_name=new.contact_name,
                severity=new.severity, services=list(new.services), state=IncidentState.OPEN.value,
                started_at=started, sla_due_at=resolution_due(new.severity, started), created_by=author,
            )
            row.updates.append(IncidentUpdateRow(kind=UpdateKind.DECLARED.value, text=new.impact, author=author,
                                                 created_at=now))
            s.add(row)
            s.flush()
            incident = _incident(row)
        logger.info("major incident %s declared: %s %s", incident.reference, incident.severity,
                    ",".join(incident.services))
        return incident

    def get(self, reference: str) -> Incident:
        with self._read() as s:
            return _incident(self._row(s, reference))

    def list(self, *, open_only: bool = False, since: datetime | None = None) -> list[Incident]:
        """Newest first. ``since``: open ones plus those resolved or closed at or after it."""
        stmt = select(IncidentRow).options(selectinload(IncidentRow.updates)).order_by(
            IncidentRow.started_at.desc(), IncidentRow.id.desc())
        if open_only:
            stmt = stmt.where(IncidentRow.state == IncidentState.OPEN.value)
        elif since is not None:
            stmt = stmt.where(or_(IncidentRow.state == IncidentState.OPEN.value, IncidentRow.resolved_at >= since,
                                  IncidentRow.closed_at >= since))
        with self._read() as s:
            return [_incident(r) for r in s.scalars(stmt)]

    def add_update(self, reference: str, text: str, *, internal_note: str | None = None, author: str | None = None,
                   next_steps: str | None = None) -> tuple[Incident, IncidentUpdate]:
        """A timed public update; refused on a closed incident. ``next_steps`` replaces the record's when given."""
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            if row.state == IncidentState.CLOSED:
                raise IncidentClosed(f"{row.reference} is closed: it takes no more updates")
            if next_steps is not None:
                row.next_steps = next_steps or None
            event = self._log(row, UpdateKind.UPDATE, text, author, internal_note)
            s.flush()
            return _incident(row), _update(event)

    def resolve(self, reference: str, text: str, *, author: str | None = None) -> tuple[Incident, IncidentUpdate]:
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            if row.state != IncidentState.OPEN:
                raise InvalidIncidentTransition(
                    f"{row.reference} is {row.state}: only an open incident can be resolved")
            row.state = IncidentState.RESOLVED.value
            row.resolved_at = self.now()
            event = self._log(row, UpdateKind.RESOLVED, text, author)
            s.flush()
            incident = _incident(row)
        logger.info("major incident %s resolved", incident.reference)
        return incident, _update(event)

    def close(self, reference: str, *, text: str = "", author: str | None = None) -> Incident:
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            if row.state != IncidentState.RESOLVED:
                raise InvalidIncidentTransition(f"{row.reference} is {row.state}: resolve it before closing it")
            row.state = IncidentState.CLOSED.value
            row.closed_at = self.now()
            self._log(row, UpdateKind.CLOSED, text, author)
            s.flush()
            incident = _incident(row)
        logger.info("major incident %s closed", incident.reference)
        return incident

    # -- followers ---------------------------------------------------------------------------------
    def follow(self, reference: str, email: str, *, confirmed: bool = False) -> tuple[Follower, bool]:
        """Add a follower (or return the existing one: following twice is harmless); True when it is new."""
        try:
            return self._follow(reference, email.strip().lower(), confirmed)
        except IntegrityError:  # the same address followed in another request at the same moment
            return self._follow(reference, email.strip().lower(), confirmed)

    def _follow(self, reference: str, email: str, confirmed: bool) -> tuple[Follower, bool]:
        with self._write() as s:
            row = self._row(s, reference)
            existing = s.scalars(select(IncidentFollowerRow).where(
                IncidentFollowerRow.incident_id == row.id, IncidentFollowerRow.email == email)).first()
            if existing is not None:
                if confirmed and existing.confirmed_at is None:
                    existing.confirmed_at = self.now()
                return _follower(existing), False
            follower = IncidentFollowerRow(incident_id=row.id, email=email, token=secrets.token_urlsafe(32),
                                           confirmed_at=self.now() if confirmed else None, created_at=self.now())
            s.add(follower)
            s.flush()
            return _follower(follower), True

    def confirm_follower(self, token: str) -> tuple[Follower, Incident] | None:
        with self._write() as s:
            row = self._follower_row(s, token)
            if row is None:
                return None
            if row.confirmed_at is None:
                row.confirmed_at = self.now()
            incident = s.get(IncidentRow, row.incident_id)
            return _follower(row), _incident(incident, with_updates=False)  # type: ignore[arg-type]

    def follower(self, token: str) -> tuple[Follower, Incident] | None:
        with self._read() as s:
            row = self._follower_row(s, token)
            if row is None:
                return None
            incident = s.get(IncidentRow, row.incident_id)
            return _follower(row), _incident(incident, with_updates=False)  # type: ignore[arg-type]

    def unfollow(self, token: str) -> bool:
        with self._write() as s:
            row = self._follower_row(s, token)
            if row is None:
                return False
            s.delete(row)
            return True

    def followers(self, incident_id: int) -> list[Follower]:
        """Confirmed followers, who get every update."""
        with self._read() as s:
            rows = s.scalars(select(IncidentFollowerRow).where(
                IncidentFollowerRow.incident_id == incident_id, IncidentFollowerRow.confirmed_at.is_not(None))
                .order_by(IncidentFollowerRow.id))
            return [_follower(r) for r in rows]

    # -- cases ---------------------------------------------------------------------------------------
    def link_cases(self, reference: str, case_references: Iterable[str], *, author: str | None = None) -> list[str]:
        """Attach open cases (a case already attached to any incident is left as it is); the references linked."""
        wanted = list(dict.fromkeys(r.strip().upper() for r in case_references if r.strip()))
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            if row.state == IncidentState.CLOSED:
                raise IncidentClosed(f"{row.reference} is closed: no more cases can be linked")
            taken = select(IncidentCaseRow.case_id)
            cases = s.execute(select(CaseRow.id, CaseRow.reference).where(
                CaseRow.reference.in_(wanted), CaseRow.status.in_(OPEN_CASE_STATUSES), CaseRow.id.not_in(taken))
                .order_by(CaseRow.id)).all()
            now = self.now()
            for case_id, _ in cases:
                s.add(IncidentCaseRow(case_id=case_id, incident_id=row.id, linked_by=author, created_at=now))
            linked = [ref for _, ref in cases]
            if linked:
                self._log(row, UpdateKind.LINKED, "", author, f"Linked {len(linked)} case(s): {', '.join(linked)}")
        logger.info("major incident %s: %d case(s) linked", reference, len(linked))
        return linked

    def linked_cases(self, incident_id: int) -> list[CaseSummary]:
        with self._read() as s:
            rows = s.scalars(select(CaseRow).join(IncidentCaseRow, IncidentCaseRow.case_id == CaseRow.id)
                             .where(IncidentCaseRow.incident_id == incident_id).order_by(CaseRow.id))
            return [_summary(r) for r in rows]

    def unlinked_open_cases(self, *, categories: tuple[str, ...] = (), since: datetime | None = None,
                            limit: int = 200) -> list[CaseSummary]:
        """Open cases not attached to any incident, newest first (the console's bulk-link list)."""
        stmt = select(CaseRow).where(CaseRow.status.in_(OPEN_CASE_STATUSES),
                                     CaseRow.id.not_in(select(IncidentCaseRow.case_id)))
        if categories:
            stmt = stmt.where(CaseRow.category.in_(categories))
        if since is not None:
            stmt = stmt.where(CaseRow.created_at >= since)
        with self._read() as s:
            return [_summary(r) for r in s.scalars(stmt.order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
                                                   .limit(limit))]

    # -- the assistant and reports ---------------------------------------------------------------------
    def record_known_incident_answer(self, incident_id: int, conversation_id: str | None) -> None:
        with self._write() as s:
            s.add(KnownIncidentAnswerRow(incident_id=incident_id, conversation_id=(conversation_id or None),
                                         created_at=self.now()))

    def counts(self, incident_id: int) -> IncidentCounts:
        with self._read() as s:
            def count(stmt) -> int:  # noqa: ANN001
                return int(s.scalar(stmt) or 0)

            followers = select(func.count()).where(IncidentFollowerRow.incident_id == incident_id)
            return IncidentCounts(
                linked_cases=count(select(func.count()).where(IncidentCaseRow.incident_id == incident_id)),
                known_incident_answers=count(select(func.count()).where(
                    KnownIncidentAnswerRow.incident_id == incident_id)),
                followers=count(followers.where(IncidentFollowerRow.confirmed_at.is_not(None))),
                pending_followers=count(followers.where(IncidentFollowerRow.confirmed_at.is_(None))),
            )

    # -- helpers -----------------------------------------------------------------------------------------
    def _row(self, s: Session, reference: str, *, lock: bool = False) -> IncidentRow:
        ref = normalise_reference(reference)
        stmt = select(IncidentRow).where(IncidentRow.reference == ref).options(selectinload(IncidentRow.updates))
        row = s.scalars(stmt.with_for_update() if lock else stmt).first() if ref else None
        if row is None:
            raise IncidentNotFound(reference)
        return row

    @staticmethod
    def _follower_row(s: Session, token: str) -> IncidentFollowerRow | None:
        if not token or len(token) > 64:
            return None
        return s.scalars(select(IncidentFollowerRow).where(IncidentFollowerRow.token == token)).first()

    def _log(self, row: IncidentRow, kind: UpdateKind, text: str, author: str | None,
             internal_note: str | None = None) -> IncidentUpdateRow:
        event = IncidentUpdateRow(kind=kind.value, text=text, internal_note=internal_note or None, author=author,
                                  created_at=self.now())
        row.updates.append(event)
        return event
