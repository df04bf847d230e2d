"""The raiser's side of the store once cases belong to accounts: their cases (and their organisation's, for
those allowed to see them), reopening a resolved case within the window, and closing it automatically after."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from app.cases.errors import CaseNotFound, InvalidTransition
from app.cases.models import CaseDraftRow, CaseRow
from app.cases.records import AuthorKind, Case, CaseStatus
from app.cases.sla import DAY, add_clock_time
from app.cases.storebase import StoreBase

if TYPE_CHECKING:
    from app.cases.store import MailHook

#: A resolved case may be reopened by its raiser for this many business days, then it closes by itself.
REOPEN_BUSINESS_DAYS = 10
DRAFT_LIFETIME = timedelta(days=1)
AUTO_CLOSE_NOTE = f"Closed automatically {REOPEN_BUSINESS_DAYS} business days after it was resolved."


class ReopenWindowClosed(InvalidTransition):
    """The case is not resolved, or was resolved more than REOPEN_BUSINESS_DAYS business days ago (409)."""


def reopen_deadline(resolved_at: datetime) -> datetime:
    return add_clock_time(resolved_at, REOPEN_BUSINESS_DAYS * DAY, business=True)


def can_reopen(case: Case, now: datetime) -> bool:
    return case.status == CaseStatus.RESOLVED and case.resolved_at is not None and now < reopen_deadline(
        case.resolved_at)


class PortalMixin(StoreBase):
    def _row_for_account(self, s: Session, reference: str, account_id: int, organisation_id: int | None,
                         *, lock: bool = False) -> CaseRow:
        """The case when the account raised it, or it belongs to ``organisation_id`` (an organisation viewer);
        CaseNotFound otherwise, exactly as for a case that does not exist."""
        row = self._row(s, reference, lock=lock)  # type: ignore[attr-defined]
        mine = row.account_id == account_id
        ours = organisation_id is not None and row.organisation_id == organisation_id
        if not (mine or ours):
            raise CaseNotFound(reference)
        return row

    def get_case_for_account(self, reference: str, account_id: int, organisation_id: int | None = None) -> Case:
        from app.cases.store import _to_case

        with self._read() as s:
            return _to_case(self._row_for_account(s, reference, account_id, organisation_id), events="public")

    def list_for_account(self, account_id: int, organisation_id: int | None = None,
                         open_only: bool | None = None, limit: int = 500) -> list[Case]:
        """The account's cases (and its organisation's when ``organisation_id`` is given), latest update first;
        ``open_only`` True: open cases, False: resolved and closed ones, None: all."""
        from app.cases.store import _to_case

        who = CaseRow.account_id == account_id
        if organisation_id is not None:
            who = or_(who, CaseRow.organisation_id == organisation_id)
        stmt = select(CaseRow).where(who)
        finished = [CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value]
        if open_only is True:
            stmt = stmt.where(CaseRow.status.not_in(finished))
        elif open_only is False:
            stmt = stmt.where(CaseRow.status.in_(finished))
        with self._read() as s:
            rows = s.scalars(stmt.order_by(CaseRow.updated_at.desc(), CaseRow.id.desc()).limit(limit))
            return [_to_case(r) for r in rows]

    def reopen(self, reference: str, reason: str, *, account: tuple[int, int | None], author: str | None = None,
               mail: MailHook | None = None) -> Case:
        """The raiser reopens a resolved case within the window: back to In Progress, the SLA clock resumes
        where resolving stopped it, and the queue flags it as reopened."""
        from app.cases.store import MAX_COMMENT, _to_case, _to_event

        reason = (reason or "").strip()[:MAX_COMMENT]
        if not reason:
            raise ValueError("say why the case needs reopening")
        now = self.now()
        with self._write() as s:
            row = self._row_for_account(s, reference, *account, lock=True)
            if not can_reopen(_to_case(row), now):
                raise ReopenWindowClosed(row.reference)
            event = self._set_status(row, CaseStatus.IN_PROGRESS, now, AuthorKind.RAISER,  # type: ignore[attr-defined]
                                     author, reason)
            row.updated_at = now
            s.flush()
            case = _to_case(row, events="public")
            if mail is not None:
                mail(s, case, _to_event(event))
            return case

    def close_expired_resolutions(self, mail: MailHook | None = None) -> list[str]:
        """Close every case resolved more than REOPEN_BUSINESS_DAYS business days ago; returns their references."""
        from app.cases.store import _to_case, _to_event

        now = self.now()
        closed: list[str] = []
        with self._write() as s:
            stmt = (select(CaseRow).where(CaseRow.status == CaseStatus.RESOLVED.value,
                                          CaseRow.resolved_at <= now - timedelta(days=REOPEN_BUSINESS_DAYS))
                    .options(selectinload(CaseRow.events)).with_for_update())  # fmt: skip
            for row in s.scalars(stmt):
                if row.resolved_at is None or now < reopen_deadline(row.resolved_at):
                    continue
                set_status = self._set_status  # type: ignore[attr-defined]
                event = set_status(row, CaseStatus.CLOSED, now, AuthorKind.SYSTEM, None, AUTO_CLOSE_NOTE)
                row.updated_at = now
                s.flush()
                if mail is not None:
                    mail(s, _to_case(row, events="public"), _to_event(event))
                closed.append(row.reference)
        return closed

    # -- drafts carried through sign-in -------------------------------------------------------------------
    def save_draft(self, data: dict[str, str]) -> str:
        """Keep a case form draft server-side; returns its id (forgets drafts older than a day)."""
        now = self.now()
        draft_id = secrets.token_urlsafe(32)
        with self._write() as s:
            s.execute(delete(CaseDraftRow).where(CaseDraftRow.created_at < now - DRAFT_LIFETIME))
            s.add(CaseDraftRow(id=draft_id, data=data, created_at=now))
        return draft_id

    def take_draft(self, draft_id: str) -> dict[str, Any] | None:
        """The draft, once: it is deleted as it is read."""
        with self._write() as s:
            row = s.get(CaseDraftRow, draft_id[:43])
            if row is None:
                return None
            data = dict(row.data)
            s.delete(row)
            return data
