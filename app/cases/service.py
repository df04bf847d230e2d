"""CaseService: the store plus notifications, so every caller (web, API, console) mails the raiser alike.

Each email is queued in the outbox inside the transaction that makes the change, then delivered straight
after the commit; what cannot be delivered now (SMTP down, a crash) is retried by the outbox worker. A mail
failure never undoes or blocks the case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.cases.notify import Notifier
from app.cases.outbox import Mail, Outbox, enqueue
from app.cases.records import AuthorKind, Case, CaseEvent, CaseStatus
from app.cases.store import CaseStore

logger = logging.getLogger(__name__)


class _Queued:
    """A mail hook for one store call: composes the emails, queues them, remembers their ids."""

    def __init__(self, compose: Callable[[Case, CaseEvent | None], list[Mail | None]], now: Any) -> None:
        self.compose, self.now, self.ids = compose, now, []

    def __call__(self, session: Session, case: Case, event: CaseEvent | None) -> None:
        try:
            mails = [m for m in self.compose(case, event) if m is not None]
        except Exception:  # a bug composing an email must never undo the change it reports
            logger.exception("could not compose mail for case %s", case.reference)
            return
        self.ids += enqueue(session, mails, self.now())


class CaseService:
    def __init__(self, store: CaseStore, notifier: Notifier | None = None, outbox: Outbox | None = None) -> None:
        self.store = store
        self.notifier = notifier
        self.outbox = outbox

    def raise_case(self, clean: Mapping[str, Any]) -> tuple[Case, str]:
        """Create the case and queue its confirmation in one transaction, then deliver it."""
        hook = self._hook(lambda n, case, _: [n.case_created(case)])
        case, token = self.store.create_case(clean, mail=hook)
        self._deliver(hook)
        return case, token

    def comment_as_raiser(self, reference: str, token: str, body: str,
                          account: tuple[int, int | None] | None = None) -> Case:
        """The raiser's own comment (by tracking token, or by account): no email back to them."""
        case, _ = self.store.add_comment(reference, body, author_kind=AuthorKind.RAISER, token=token,
                                         account=account)
        return case

    def reopen(self, reference: str, reason: str, account: tuple[int, int | None], author: str) -> Case:
        hook = self._updated_hook()
        case = self.store.reopen(reference, reason, account=account, author=author, mail=hook)
        self._deliver(hook)
        return case

    def reply_as_staff(self, reference: str, body: str, author: str) -> Case:
        hook = self._updated_hook()
        case, _ = self.store.add_comment(reference, body, author_kind=AuthorKind.STAFF, author=author, mail=hook)
        self._deliver(hook)
        return case

    def add_note(self, reference: str, body: str, author: str) -> Case:
        """Internal note: staff only, never mailed."""
        case, _ = self.store.add_comment(reference, body, author_kind=AuthorKind.STAFF, author=author, internal=True)
        return case

    def change_status(self, reference: str, status: CaseStatus, author: str, note: str = "") -> Case:
        hook = self._updated_hook()
        case, _ = self.store.change_status(reference, status, author_kind=AuthorKind.STAFF, author=author,
                                           note=note, mail=hook)
        self._deliver(hook)
        return case

    def close_expired_resolutions(self) -> list[str]:
        hook = self._updated_hook()
        closed = self.store.close_expired_resolutions(mail=hook)
        self._deliver(hook)
        return closed

    def resend_link(self, reference: str, email: str) -> bool:
        """Issue a new tracking link to the case's own address when reference and email match."""
        hook = self._hook(lambda n, case, token: [n.new_link(case, token)])
        issued = self.store.reissue_token(reference, email, mail=hook)
        self._deliver(hook)
        return issued is not None

    def _updated_hook(self) -> _Queued | None:
        return self._hook(lambda n, case, event: [n.case_updated(case, event)])

    def _hook(self, compose: Callable[[Notifier, Case, Any], list[Mail | None]]) -> _Queued | None:
        notifier = self.notifier
        if notifier is None or self.outbox is None:
            return None
        return _Queued(lambda case, extra: compose(notifier, case, extra), self.store.now)

    def _deliver(self, hook: _Queued | None) -> None:
        if hook is None or self.outbox is None or not hook.ids:
            return
        try:
            self.outbox.deliver(hook.ids)
        except Exception:  # the messages are safely queued: the outbox worker retries them
            logger.exception("could not deliver queued mail %s now; the outbox worker will retry", hook.ids)
