"""CaseStore: cases and their history, plus the assistant's and reports' records, in one database.

SQLite (default) or PostgreSQL through SQLAlchemy. Each public method is one transaction, so an
acknowledged case is on disk (WAL, synchronous=FULL) before the caller answers 201.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.cases.activity import ActivityMixin, ConversationMixin, RateLimitMixin
from app.cases.errors import CaseClosed, CaseNotFound, InvalidTransition
from app.cases.models import CaseEventRow, CaseRow, ConversationRow, CounterRow
from app.cases.portal import PortalMixin
from app.cases.records import (
    TRANSITIONS,
    AuthorKind,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    SlaState,
)
from app.cases.routing import Routing, derive_routing
from app.cases.sla import extend_for_pause, resolution_due
from app.servicemodel import load_service_model

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "CS"
REFERENCE_DIGITS = 7
_REFERENCE = re.compile(r"^CS\d{7,12}$")
#: The longest comment, note or resolution text, in one place: the forms refuse more, the store keeps no more.
MAX_COMMENT = 10_000
_DUMMY_HASH = hashlib.sha256(b"no such case").hexdigest()

#: Called inside a write transaction with the session, the case as changed and the event (None when raised):
#: queues the emails about it (app.cases.outbox.enqueue), so they commit or roll back with the change.
MailHook = Callable[[Session, Case, "CaseEvent | None"], None]

_CASE_FIELDS = (
    "name", "email", "organisation", "party_id", "no_party_id", "unregistered_organisation",
    "no_organisation_name", "market_participant_id", "no_market_participant_id", "cra_market_role",
    "category", "subcategory", "subject", "description", "url", "impact", "urgency",
)  # fmt: skip


def format_reference(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number:0{REFERENCE_DIGITS}d}"


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is enough: no slow hash needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_reference(reference: str) -> str | None:
    ref = (reference or "").strip().upper()
    return ref if _REFERENCE.match(ref) else None


@dataclass(frozen=True)
class CaseQuery:
    """Filters for the console's queue; empty tuples mean 'any'."""

    statuses: tuple[CaseStatus, ...] = ()
    priorities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    resolver_groups: tuple[str, ...] = ()
    sla_states: tuple[SlaState, ...] = ()  # computed, so filtered after the SQL query
    text: str = ""  # matches reference, subject or email
    order: str = "sla_due"  # "sla_due" | "created" | "-created"
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class CasePage:
    items: tuple[Case, ...]
    total: int


def _to_event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(
        id=row.id,
        kind=EventKind(row.kind),
        author_kind=AuthorKind(row.author_kind),
        author=row.author,
        internal=row.internal,
        body=row.body,
        from_status=CaseStatus(row.from_status) if row.from_status else None,
        to_status=CaseStatus(row.to_status) if row.to_status else None,
        created_at=row.created_at,
    )


def _to_case(row: CaseRow, *, events: str = "none") -> Case:
    """events: 'none' | 'public' (the raiser's view) | 'all' (staff)."""
    loaded = () if events == "none" else tuple(_to_event(e) for e in row.events if events == "all" or not e.internal)
    return Case(
        id=row.id,
        reference=row.reference,
        **{name: getattr(row, name) for name in _CASE_FIELDS},
        type=row.type,
        report_to=row.report_to,
        priority=row.priority,
        channel=row.channel,
        steps=tuple(row.steps or ()),
        scenario_id=row.scenario_id,
        status=CaseStatus(row.status),
        resolver_group=row.resolver_group,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sla_due_at=row.sla_due_at,
        paused_seconds=row.paused_seconds,
        paused_at=row.paused_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        conversation_id=row.conversation_id,
        account_id=row.account_id,
        organisation_id=row.organisation_id,
        reopened_at=row.reopened_at,
        events=loaded,
    )


class CaseStore(PortalMixin, ConversationMixin, ActivityMixin, RateLimitMixin):
    """The case store. ``clock`` returns the current aware datetime (tests pass a fake)."""

    # -- raising and reading ---------------------------------------------------------------
    def create_case(self, clean: Mapping[str, Any], mail: MailHook | None = None) -> tuple[Case, str]:
        """Create a case from validated form values in one transaction; returns it and its tracking token.
        ``clean`` may name the raiser's ``account_id`` and ``organisation_id``."""
        routing: Routing | None = clean.get("routing") or derive_routing(clean, load_service_model())
        if routing is None:
            raise ValueError("case values cannot be routed: validate them with validate_case_form first")
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self._write() as s:
            number = s.execute(
                update(CounterRow).where(CounterRow.name == "case").values(value=CounterRow.value + 1)
                .returning(CounterRow.value)
            ).scalar_one()  # fmt: skip
            conversation_id = clean.get("conversation_id")
            conversation = s.get(ConversationRow, conversation_id, with_for_update=True) if conversation_id else None
            row = CaseRow(
                reference=format_reference(number),
                token_hash=hash_token(token),
                **{name: clean.get(name) for name in _CASE_FIELDS},
                type=routing.type,
                report_to=routing.report_to,
                priority=routing.priority,
                channel=routing.channel,
                steps=list(routing.steps),
                scenario_id=routing.scenario_id,
                status=CaseStatus.NEW.value,
                created_at=now,
                updated_at=now,
                sla_due_at=resolution_due(routing.priority, now),
                paused_seconds=0,
                conversation_id=conversation.id if conversation else None,
                account_id=clean.get("account_id"),
                organisation_id=clean.get("organisation_id"),
            )
            for flag in ("no_party_id", "no_organisation_name", "no_market_participant_id"):
                setattr(row, flag, bool(clean.get(flag)))
            row.events.append(
                CaseEventRow(
                    kind=EventKind.STATUS.value,
                    author_kind=AuthorKind.SYSTEM.value,
                    internal=False,
                    body="Case raised",
                    to_status=CaseStatus.NEW.value,
                    created_at=now,
                )
            )
            s.add(row)
            if conversation is not None:
                conversation.case_reference = row.reference
                conversation.updated_at = now
            s.flush()
            case = _to_case(row, events="public")
            if mail is not None:
                mail(s, case, None)
        logger.info("case %s raised: %s %s via %s", case.reference, case.type, case.priority, routing.source)
        return case, token

    def get_case(self, reference: str, token: str) -> Case:
        """The raiser's view (no internal notes). CaseNotFound for a missing case or a wrong token alike."""
        with self._read() as s:
            row = self._row_for_raiser(s, reference, token)
            return _to_case(row, events="public")

    def get_case_for_staff(self, reference: str) -> Case:
        """Everything, internal notes included; the caller has checked the staff member's rights."""
        with self._read() as s:
            return _to_case(self._row(s, reference), events="all")

    def reissue_token(
        self, reference: str, email: str, mail: Callable[[Session, Case, str | None], None] | None = None,
    ) -> tuple[Case, str | None] | None:
        """A new tracking token when reference and email match (old links stop working); else None.
        A case raised with an account keeps no usable token: its page needs the raiser's sign-in (token None)."""
        with self._write() as s:
            ref = normalise_reference(reference)
            row = s.scalars(select(CaseRow).where(CaseRow.reference == ref).with_for_update()).first() if ref else None
            if row is None or row.email.casefold() != (email or "").strip().casefold():
                return None
            token: str | None = None
            if row.account_id is None:
                token = secrets.token_urlsafe(32)
                row.token_hash = hash_token(token)
            case = _to_case(row, events="public")
            if mail is not None:
                mail(s, case, token)
            return case, token

    # -- updates -----------------------------------------------------------------------------
    def add_comment(
        self,
        reference: str,
        body: str,
        *,
        author_kind: AuthorKind,
        author: str | None = None,
        internal: bool = False,
        token: str | None = None,
        account: tuple[int, int | None] | None = None,
        mail: MailHook | None = None,
    ) -> tuple[Case, CaseEvent]:
        """A comment (or, with internal=True, a staff note). Raisers present their token, or ``account``
        (account id, organisation id or None) when the case is theirs or their organisation's to see.

        A raiser's reply to a case Awaiting Information moves it back to In Progress and restarts the clock.
        """
        body = (body or "").strip()
        if not body:
            raise ValueError("a comment needs some text")
        if author_kind == AuthorKind.RAISER and internal:
            raise ValueError("raisers cannot write internal notes")
        now = self.now()
        with self._write() as s:
            if author_kind == AuthorKind.RAISER and account is not None:
                row = self._row_for_account(s, reference, *account, lock=True)
            elif author_kind == AuthorKind.RAISER:
                row = self._row_for_raiser(s, reference, token or "", lock=True)
            else:
                row = self._row(s, reference, lock=True)
            if row.status == CaseStatus.CLOSED:
                raise CaseClosed(row.reference)
            event = CaseEventRow(
                kind=(EventKind.NOTE if internal else EventKind.COMMENT).value,
                author_kind=author_kind.value,
                author=author,
                internal=internal,
                body=body[:MAX_COMMENT],
                created_at=now,
            )
            row.events.append(event)
            if author_kind == AuthorKind.RAISER and row.status == CaseStatus.AWAITING_INFORMATION:
                self._set_status(row, CaseStatus.IN_PROGRESS, now, AuthorKind.SYSTEM, None, "Reply received")
            row.updated_at = now
            s.flush()
            case = _to_case(row, events="public" if author_kind == AuthorKind.RAISER else "all")
            if mail is not None:
                mail(s, case, _to_event(event))
            return case, _to_event(event)

    def change_status(
        self,
        reference: str,
        status: CaseStatus,
        *,
        author_kind: AuthorKind = AuthorKind.STAFF,
        author: str | None = None,
        note: str = "",
        mail: MailHook | None = None,
    ) -> tuple[Case, CaseEvent]:
        """Move a case along its lifecycle; Resolved needs a resolution note. Pauses/resumes the SLA clock."""
        status = CaseStatus(status)
        note = (note or "").strip()[:MAX_COMMENT]
        if status == CaseStatus.RESOLVED and not note:
            raise InvalidTransition("resolving a case needs a resolution note")
        now = self.now()
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            event = self._set_status(row, status, now, author_kind, author, note)
            row.updated_at = now
            s.flush()
            case = _to_case(row, events="all")
            if mail is not None:
                mail(s, case, _to_event(event))
            return case, _to_event(event)

    def assign(self, reference: str, resolver_group: str | None, *, author: str | None = None) -> Case:
        """Set the resolver group (the console checks it is one the service model knows)."""
        now = self.now()
        with self._write() as s:
            row = self._row(s, reference, lock=True)
            row.resolver_group = resolver_group
            row.events.append(
                CaseEventRow(
                    kind=EventKind.ASSIGNMENT.value,
                    author_kind=AuthorKind.STAFF.value,
                    author=author,
                    internal=True,
                    body=f"Assigned to {resolver_group}" if resolver_group else "Unassigned",
                    created_at=now,
                )
            )
            row.updated_at = now
            s.flush()
            return _to_case(row, events="all")

    # -- queries for the console --------------------------------------------------------------
    def list_cases(self, query: CaseQuery | None = None) -> CasePage:
        q = query or CaseQuery()
        stmt = select(CaseRow)
        if q.statuses:
            stmt = stmt.where(CaseRow.status.in_([CaseStatus(x).value for x in q.statuses]))
        if q.priorities:
            stmt = stmt.where(CaseRow.priority.in_(q.priorities))
        if q.categories:
            stmt = stmt.where(CaseRow.category.in_(q.categories))
        if q.resolver_groups:
            stmt = stmt.where(CaseRow.resolver_group.in_(q.resolver_groups))
        if q.text.strip():
            like = f"%{q.text.strip().lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(CaseRow.reference).like(like),
                    func.lower(CaseRow.subject).like(like),
                    func.lower(CaseRow.email).like(like),
                )
            )
        order = {
            "sla_due": (CaseRow.sla_due_at, CaseRow.id),
            "created": (CaseRow.created_at, CaseRow.id),
            "-created": (CaseRow.created_at.desc(), CaseRow.id.desc()),
        }[q.order]
        stmt = stmt.order_by(*order)
        with self._read() as s:
            if q.sla_states:
                now = self.now()
                wanted = set(q.sla_states)
                rows = [r for r in s.scalars(stmt) if _to_case(r).sla_state(now) in wanted]
                return CasePage(tuple(_to_case(r) for r in rows[q.offset : q.offset + q.limit]), len(rows))
            total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
            rows = list(s.scalars(stmt.offset(q.offset).limit(q.limit)))
            return CasePage(tuple(_to_case(r) for r in rows), total)

    def status_counts(self) -> dict[CaseStatus, int]:
        with self._read() as s:
            counts = dict(s.execute(select(CaseRow.status, func.count()).group_by(CaseRow.status)).all())
        return {status: int(counts.get(status.value, 0)) for status in CaseStatus}

    # -- helpers -------------------------------------------------------------------------------
    def _row(self, s: Session, reference: str, *, lock: bool = False) -> CaseRow:
        ref = normalise_reference(reference)
        stmt = select(CaseRow).where(CaseRow.reference == ref).options(selectinload(CaseRow.events))
        row = s.scalars(stmt.with_for_update() if lock else stmt).first() if ref else None
        if row is None:
            raise CaseNotFound(reference)
        return row

    def _row_for_raiser(self, s: Session, reference: str, token: str, *, lock: bool = False) -> CaseRow:
        """The case only with its token. A missing case and a wrong token do the same work (one small query,
        one hash comparison), so timing cannot tell whether a reference exists; only then is the case loaded."""
        ref = normalise_reference(reference)
        stmt = select(CaseRow.token_hash).where(CaseRow.reference == ref)
        stored = s.scalar(stmt if ref else stmt.where(false()))
        matches = hmac.compare_digest(stored or _DUMMY_HASH, hash_token(token or ""))
        if stored is None or not matches:
            raise CaseNotFound(reference)
        row = self._row(s, reference, lock=lock)
        if lock and not hmac.compare_digest(row.token_hash, hash_token(token or "")):  # reissued meanwhile
            raise CaseNotFound(reference)
        return row

    def _set_status(
        self,
        row: CaseRow,
        status: CaseStatus,
        now: Any,
        author_kind: AuthorKind,
        author: str | None,
        note: str,
    ) -> CaseEventRow:
        current = CaseStatus(row.status)
        if status not in TRANSITIONS[current]:
            raise InvalidTransition(f"{current} -> {status}")
        if current == CaseStatus.AWAITING_INFORMATION and row.paused_at is not None:
            row.sla_due_at = extend_for_pause(row.sla_due_at, row.priority, row.paused_at, now)
            row.paused_seconds += int((now - row.paused_at).total_seconds())
            row.paused_at = None
        if status == CaseStatus.AWAITING_INFORMATION:
            row.paused_at = now
        if status == CaseStatus.RESOLVED:
            row.resolved_at = now
        elif status == CaseStatus.IN_PROGRESS and current == CaseStatus.RESOLVED:
            row.sla_due_at = extend_for_pause(row.sla_due_at, row.priority, row.resolved_at or now, now)
            row.resolved_at = None  # reopened: the clock resumes where it stopped, and the queue flags it
            row.reopened_at = now
        if status == CaseStatus.CLOSED:
            row.closed_at = now
        row.status = status.value
        event = CaseEventRow(
            kind=EventKind.STATUS.value,
            author_kind=author_kind.value,
            author=author,
            internal=False,
            body=note,
            from_status=current.value,
            to_status=status.value,
            created_at=now,
        )
        row.events.append(event)
        logger.info("case %s: %s -> %s", row.reference, current, status)
        return event
