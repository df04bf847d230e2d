"""The transactional outbox: an email is a row written in the same transaction as the case change it reports,
then delivered (SMTP or an .eml file, through the Mailer) with retries. A crash after the commit loses nothing:
the next delivery run, in this process or another, sends what is left."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from app.cases.mail import Mailer
from app.cases.models import OutboxRow
from app.cases.storebase import Clock, StoreBase, utc_now

logger = logging.getLogger(__name__)

#: A claimed message is not picked up by another worker for this long (a crash mid-send retries after it).
CLAIM = timedelta(minutes=2)
MAX_ATTEMPTS = 10
BATCH = 50


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def enqueue(session: Session, mails: Iterable[Mail], now: datetime) -> list[int]:
    """Add messages to the outbox inside the caller's transaction; returns their ids."""
    rows = [OutboxRow(to=m.to[:254], subject=m.subject[:300], body=m.body, created_at=now, attempts=0,
                      next_attempt_at=now) for m in mails]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


class Outbox(StoreBase):
    def __init__(self, engine: Engine, mailer: Mailer, clock: Clock = utc_now) -> None:
        super().__init__(engine, clock)
        self.mailer = mailer

    def deliver(self, ids: Sequence[int] | None = None, limit: int = BATCH, *, retry_all: bool = False) -> int:
        """Send due messages (only ``ids`` when given; every waiting one with ``retry_all``, as when an operator knows
        SMTP is back), oldest first; returns how many were delivered."""
        now = self.now() + (backoff(MAX_ATTEMPTS) if retry_all else timedelta(0))
        stmt = select(OutboxRow.id).where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None),
                                          OutboxRow.next_attempt_at <= now)
        if ids is not None:
            if not ids:
                return 0
            stmt = stmt.where(OutboxRow.id.in_(list(ids)))
        with self._read() as s:
            due = list(s.scalars(stmt.order_by(OutboxRow.id).limit(limit)))
        delivered = 0
        for message_id in due:
            row = self._claim(message_id, now)
            if row is not None and self._send(row):
                delivered += 1
        return delivered

    def pending(self) -> int:
        """Messages not yet delivered (and not given up on)."""
        with self._read() as s:
            return int(s.scalar(select(func.count()).where(OutboxRow.sent_at.is_(None),
                                                            OutboxRow.failed_at.is_(None))) or 0)

    def _claim(self, message_id: int, due_by: datetime) -> OutboxRow | None:
        """Take a message for this worker: moves its next attempt ahead so no other worker sends it too."""
        now = self.now()
        with self._write() as s:
            claimed = s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == message_id, OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None),
                       OutboxRow.next_attempt_at <= due_by)
                .values(next_attempt_at=max(now, due_by) + CLAIM, attempts=OutboxRow.attempts + 1)
            ).rowcount
            return s.get(OutboxRow, message_id) if claimed == 1 else None

    def _send(self, row: OutboxRow) -> bool:
        error, permanent = None, False
        try:
            self.mailer.deliver(self.mailer.build(row.to, row.subject, row.body))
        except smtplib.SMTPResponseException as exc:
            error, permanent = f"SMTP {exc.smtp_code}", exc.smtp_code >= 500
        except smtplib.SMTPRecipientsRefused:
            error, permanent = "recipients refused", True
        except (OSError, smtplib.SMTPException) as exc:
            error = type(exc).__name__
        now = self.now()
        with self._write() as s:
            live = s.get(OutboxRow, row.id, with_for_update=True)
            if live is None:
                return False
            if error is None:
                live.sent_at = now
                logger.info("outbox message %d delivered", row.id)
                return True
            live.last_error = error
            if permanent or live.attempts >= MAX_ATTEMPTS:
                live.failed_at = now
                logger.error("outbox message %d given up after %d attempt(s) (%s)", row.id, live.attempts, error)
            else:
                live.next_attempt_at = now + backoff(live.attempts)
                logger.warning("outbox message %d not delivered (%s); retry at %s", row.id, error,
                               live.next_attempt_at.isoformat(timespec="seconds"))
            return False
