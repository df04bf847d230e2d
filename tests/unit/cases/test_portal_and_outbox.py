"""The raiser's side of the store (their cases, reopening, auto-close) and the transactional outbox, on SQLite
and PostgreSQL."""
from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app.cases import CaseNotFound, CaseStatus
from app.cases.forms import validate_case_form
from app.cases.mail import Mailer
from app.cases.notify import Notifier
from app.cases.outbox import MAX_ATTEMPTS, Mail, Outbox, enqueue
from app.cases.portal import ReopenWindowClosed
from app.cases.service import CaseService
from app.cases.store import CaseStore


@pytest.fixture
def raise_as(store: CaseStore, gen_case_form: Callable[..., dict[str, Any]]):
    def make(account_id: int, organisation_id: int | None = None, **overrides: Any):
        clean, errors = validate_case_form(gen_case_form(**overrides))
        assert not errors
        return store.create_case({**clean, "account_id": account_id, "organisation_id": organisation_id})[0]

    return make


def test_an_account_sees_its_cases_and_an_organisation_viewer_its_organisations(store, raise_as) -> None:
    mine = raise_as(1, 10, subject="Mine")
    colleague = raise_as(2, 10, subject="Colleague's")
    other = raise_as(3, 20, subject="Other organisation")
    assert [c.reference for c in store.list_for_account(1)] == [mine.reference]
    assert {c.reference for c in store.list_for_account(1, 10)} == {mine.reference, colleague.reference}
    with pytest.raises(CaseNotFound):
        store.get_case_for_account(other.reference, 1, 10)
    with pytest.raises(CaseNotFound):
        store.get_case_for_account(colleague.reference, 1)  # not an organisation viewer
    assert store.get_case_for_account(colleague.reference, 1, 10).subject == "Colleague's"


def test_reopen_only_within_ten_business_days_and_auto_close_after(store, raise_as, clock) -> None:
    case = raise_as(1)
    store.change_status(case.reference, CaseStatus.RESOLVED, note="Done")
    clock.advance(days=4)  # Friday
    reopened = store.reopen(case.reference, "Still broken", account=(1, None))
    assert reopened.status == CaseStatus.IN_PROGRESS and reopened.reopened_at == clock.now
    with pytest.raises(CaseNotFound):
        store.reopen(case.reference, "not mine", account=(2, None))
    store.change_status(case.reference, CaseStatus.RESOLVED, note="Done again")
    clock.advance(days=13)  # 9 business days later
    assert store.close_expired_resolutions() == []
    clock.advance(days=1)
    with pytest.raises(ReopenWindowClosed):
        store.reopen(case.reference, "too late", account=(1, None))
    assert store.close_expired_resolutions() == [case.reference]
    assert store.get_case_for_staff(case.reference).status == CaseStatus.CLOSED


class FlakySmtp:
    """Fails ``fail`` times, then delivers."""

    def __init__(self, fail: int, error: Exception) -> None:
        self.fail, self.error, self.sent = fail, error, []

    def deliver(self, msg: email.message.EmailMessage) -> None:
        if self.fail:
            self.fail -= 1
            raise self.error
        self.sent.append(msg)


def make_outbox(engine: Engine, clock: Any, tmp_path: Path, smtp: FlakySmtp | None = None) -> Outbox:
    mailer = Mailer(None, tmp_path / "outbox", "Desk <desk@example.org>")
    if smtp is not None:
        mailer.deliver = smtp.deliver  # type: ignore[method-assign]
    return Outbox(engine, mailer, clock=clock)


def test_a_queued_email_commits_and_rolls_back_with_its_change(engine, store, clock, tmp_path, gen_case_form) -> None:
    outbox = make_outbox(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())

    def fail_after_queueing(session: Any, case: Any, event: Any) -> None:
        enqueue(session, [Mail(case.email, "hello", "body")], clock())
        raise RuntimeError("the transaction fails after the email was queued")

    with pytest.raises(RuntimeError):
        store.create_case(clean, mail=fail_after_queueing)
    assert outbox.pending() == 0 and store.list_cases().total == 0
    service = CaseService(store, Notifier("https://kb.example"), outbox)
    service.raise_case(clean)
    [path] = (tmp_path / "outbox").glob("*.eml")
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert "Case received" in msg["Subject"] and outbox.pending() == 0


def test_delivery_retries_with_backoff_and_each_message_is_sent_once(engine, clock, tmp_path) -> None:
    smtp = FlakySmtp(2, ConnectionRefusedError("down"))
    outbox = make_outbox(engine, clock, tmp_path, smtp)
    with outbox._write() as s:
        enqueue(s, [Mail("ada@example.com", "One", "1"), Mail("ada@example.com", "Two", "2")], clock())
    assert outbox.deliver() == 0  # both fail once
    assert outbox.deliver() == 0  # not due yet
    clock.advance(seconds=31)
    assert outbox.deliver() == 2
    clock.advance(hours=2)
    assert outbox.deliver() == 0 and outbox.pending() == 0
    assert [m["Subject"] for m in smtp.sent] == ["One", "Two"]


def test_a_permanent_refusal_or_too_many_attempts_gives_up(engine, clock, tmp_path) -> None:
    refused = make_outbox(engine, clock, tmp_path, FlakySmtp(1, smtplib.SMTPDataError(550, b"no such user")))
    with refused._write() as s:
        enqueue(s, [Mail("nobody@example.com", "Refused", "x")], clock())
    assert refused.deliver() == 0 and refused.pending() == 0  # given up: never retried
    flaky = make_outbox(engine, clock, tmp_path, FlakySmtp(MAX_ATTEMPTS, OSError("down")))
    with flaky._write() as s:
        enqueue(s, [Mail("ada@example.com", "Flaky", "x")], clock())
    for _ in range(MAX_ATTEMPTS):
        flaky.deliver()
        clock.advance(hours=2)
    assert flaky.pending() == 0


def test_a_claimed_message_is_not_sent_by_a_second_worker(engine, clock, tmp_path) -> None:
    outbox = make_outbox(engine, clock, tmp_path)
    with outbox._write() as s:
        [message_id] = enqueue(s, [Mail("ada@example.com", "Once", "x")], clock())
    assert outbox._claim(message_id, clock()) is not None
    assert outbox._claim(message_id, clock()) is None  # another worker finds it taken
