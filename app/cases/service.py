"""CaseService: the store plus notifications, so every caller (web, API, console) mails the raiser alike.

Mail goes out after the transaction commits; a mail failure is logged and never undoes or blocks
the case (the Mailer keeps undelivered messages for retry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.cases.notify import Notifier
from app.cases.records import AuthorKind, Case, CaseEvent, CaseStatus
from app.cases.store import CaseStore

logger = logging.getLogger(__name__)


class CaseService:
    def __init__(self, store: CaseStore, notifier: Notifier | None = None) -> None:
        self.store = store
        self.notifier = notifier

    def raise_case(self, clean: Mapping[str, Any]) -> tuple[Case, str]:
        """Create the case (one transaction), then send the confirmation with its tracking link."""
        case, token = self.store.create_case(clean)
        self._notify(lambda n: n.case_created(case, token), case.reference)
        return case, token

    def comment_as_raiser(self, reference: str, token: str, body: str) -> Case:
        """The raiser's own comment: no email back to them."""
        case, _ = self.store.add_comment(reference, body, author_kind=AuthorKind.RAISER, token=token)
        return case

    def reply_as_staff(self, reference: str, body: str, author: str) -> Case:
        case, event = self.store.add_comment(reference, body, author_kind=AuthorKind.STAFF, author=author)
        self._updated(case, event)
        return case

    def add_note(self, reference: str, body: str, author: str) -> Case:
        """Internal note: staff only, never mailed."""
        case, _ = self.store.add_comment(reference, body, author_kind=AuthorKind.STAFF, author=author, internal=True)
        return case

    def change_status(self, reference: str, status: CaseStatus, author: str, note: str = "") -> Case:
        case, event = self.store.change_status(
            reference, status, author_kind=AuthorKind.STAFF, author=author, note=note
        )
        self._updated(case, event)
        return case

    def resend_link(self, reference: str, email: str) -> bool:
        """Issue a new tracking link to the case's own address when reference and email match."""
        issued = self.store.reissue_token(reference, email)
        if issued is None:
            return False
        case, token = issued
        self._notify(lambda n: n.new_link(case, token), case.reference)
        return True

    def _updated(self, case: Case, event: CaseEvent) -> None:
        self._notify(lambda n: n.case_updated(case, event), case.reference)

    def _notify(self, send: Any, reference: str) -> None:
        if self.notifier is None:
            return
        try:
            send(self.notifier)
        except Exception:  # a notification must never fail the update it reports
            logger.exception("could not send or queue mail for case %s", reference)
