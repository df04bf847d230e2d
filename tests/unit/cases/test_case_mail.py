from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cases import AuthorKind, CaseStatus
from app.cases.forms import validate_case_form
from app.cases.mail import Delivery, Mailer
from app.cases.notify import Notifier
from app.cases.outbox import Outbox
from app.cases.service import CaseService
from app.cases.store import CaseStore

FROM = "MHHS Service Desk <desk@example.org>"


class FakeSMTP:
    """Stands in for smtplib.SMTP; records what it was asked to do."""

    sent: list[Any] = []
    fail = False

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port
        self.logged_in: tuple[str, str] | None = None

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def ehlo(self) -> None:
        pass

    def has_extn(self, name: str) -> bool:
        return False

    def login(self, user: str, password: str) -> None:
        self.logged_in = (user, password)

    def send_message(self, msg: Any) -> None:
        if FakeSMTP.fail:
            raise ConnectionRefusedError("down")
        FakeSMTP.sent.append((self, msg))


@pytest.fixture(autouse=True)
def _reset_fake() -> None:
    FakeSMTP.sent = []
    FakeSMTP.fail = False


def read_eml(path: Path) -> email.message.EmailMessage:
    with open(path, "rb") as fh:
        return email.message_from_binary_file(fh, policy=email.policy.default)  # type: ignore[return-value]


def test_without_smtp_each_message_is_one_eml_in_the_outbox(tmp_path: Path) -> None:
    mailer = Mailer(None, tmp_path / "outbox", FROM)
    assert mailer.send("ada@example.com", "Hello", "Body ✓") == Delivery.OUTBOX
    assert mailer.send("ada@example.com", "Again", "Body") == Delivery.OUTBOX
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    msg = read_eml(files[0])
    assert msg["To"] == "ada@example.com" and msg["From"] == FROM and msg["Message-ID"]
    assert "Body ✓" in msg.get_content()


def test_smtp_url_is_used_with_credentials(tmp_path: Path) -> None:
    mailer = Mailer("smtp://user%40x:p%2Fw@mail.example:2525", tmp_path, FROM, smtp_factory=FakeSMTP)
    assert mailer.send("ada@example.com", "Hi", "Body") == Delivery.SENT
    client, msg = FakeSMTP.sent[0]
    assert (client.host, client.port, client.logged_in) == ("mail.example", 2525, ("user@x", "p/w"))
    assert msg["Subject"] == "Hi"
    assert not list(tmp_path.rglob("*.eml"))


def test_smtp_failure_keeps_the_message_for_retry(tmp_path: Path) -> None:
    FakeSMTP.fail = True
    mailer = Mailer("smtp://mail.example", tmp_path, FROM, smtp_factory=FakeSMTP)
    assert mailer.send("ada@example.com", "Hi", "Body") == Delivery.PENDING
    assert len(mailer.pending()) == 1
    assert mailer.retry_pending() == (0, 1)
    FakeSMTP.fail = False
    assert mailer.retry_pending() == (1, 0)
    assert FakeSMTP.sent[0][1]["To"] == "ada@example.com"
    assert mailer.pending() == []


def test_a_successful_send_also_delivers_what_was_pending(tmp_path: Path) -> None:
    mailer = Mailer("smtp://mail.example", tmp_path, FROM, smtp_factory=FakeSMTP)
    FakeSMTP.fail = True
    mailer.send("ada@example.com", "While down", "Body")
    FakeSMTP.fail = False
    assert mailer.send("ada@example.com", "Back up", "Body") == Delivery.SENT
    assert [m["Subject"] for _, m in FakeSMTP.sent] == ["Back up", "While down"]
    assert mailer.pending() == []


def test_outbox_files_keep_links_readable(tmp_path: Path) -> None:
    mailer = Mailer(None, tmp_path, FROM)
    link = "https://kb.example/cases/CS0000001?token=" + "x" * 43
    mailer.send("ada@example.com", "Hi", f"Track it:\n{link}\n")
    [path] = tmp_path.glob("*.eml")
    assert link in path.read_text(encoding="utf-8")


def test_permanently_refused_message_does_not_block_the_queue(tmp_path: Path) -> None:
    import smtplib

    mailer = Mailer("smtp://mail.example", tmp_path, FROM, smtp_factory=FakeSMTP)
    FakeSMTP.fail = True
    mailer.send("bad@example.com", "First", "Body")
    mailer.send("ada@example.com", "Second", "Body")
    FakeSMTP.fail = False
    original = FakeSMTP.send_message

    def refuse_bad(self: FakeSMTP, msg: Any) -> None:
        if msg["To"] == "bad@example.com":
            raise smtplib.SMTPRecipientsRefused({"bad@example.com": (550, b"no such user")})
        original(self, msg)

    FakeSMTP.send_message = refuse_bad  # type: ignore[method-assign]
    try:
        assert mailer.retry_pending() == (1, 0)
    finally:
        FakeSMTP.send_message = original  # type: ignore[method-assign]
    assert len(list((tmp_path / "failed").glob("*.eml"))) == 1
    assert FakeSMTP.sent[0][1]["Subject"] == "Second"


def test_unreachable_smtp_server_goes_to_pending(tmp_path: Path) -> None:
    mailer = Mailer("smtp://127.0.0.1:1", tmp_path, FROM, timeout=2)
    assert mailer.send("ada@example.com", "Hi", "Body") == Delivery.PENDING


def make_service(engine: Any, clock: Any, tmp_path: Path) -> tuple[CaseService, Path]:
    outbox = tmp_path / "outbox"
    mailer = Mailer(None, outbox, FROM)
    return CaseService(CaseStore(engine, clock=clock), Notifier("https://kb.example/"),
                       Outbox(engine, mailer, clock=clock)), outbox


def test_raising_a_case_mails_a_confirmation_with_a_link_to_the_case_page(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    service, outbox = make_service(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())
    case, token = service.raise_case({**clean, "account_id": 1})
    [path] = outbox.glob("*.eml")
    msg = read_eml(path)
    assert case.reference in msg["Subject"]
    body = msg.get_content()
    assert f"https://kb.example/cases/{case.reference}\n" in body
    assert token not in body  # the page needs the raiser's sign-in, not a secret in the link
    assert "Monday 1 December 2025, 09:00 (UK time)" in body
    assert service.outbox is not None and service.outbox.pending() == 0


def test_every_update_email_links_to_the_case_page_and_a_reopening_is_mailed(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    service, outbox = make_service(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())
    case, _ = service.raise_case({**clean, "account_id": 7})
    service.change_status(case.reference, CaseStatus.RESOLVED, author="agent", note="Invitation re-sent.")
    clock.advance(days=1)
    service.reopen(case.reference, "Still no invitation.", (7, None), "ada@example.com")
    msgs = [read_eml(p) for p in sorted(outbox.glob("*.eml"))]
    assert [m["Subject"].split("]")[1].split(":")[0].strip() for m in msgs] == [
        "Case received", "Status", "Reopened"]
    assert all(f"https://kb.example/cases/{case.reference}" in m.get_content() for m in msgs)


def test_every_desk_update_mails_the_raiser_but_notes_do_not(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    service, outbox = make_service(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())
    case, token = service.raise_case(clean)
    service.change_status(case.reference, CaseStatus.IN_PROGRESS, author="agent")
    service.reply_as_staff(case.reference, "We have re-sent the invitation.", author="agent")
    service.add_note(case.reference, "internal: DIP ticket 42", author="agent")
    service.comment_as_raiser(case.reference, token, "Thanks!")
    bodies = [read_eml(p).get_content() for p in sorted(outbox.glob("*.eml"))]
    assert len(bodies) == 3  # confirmation, status, staff reply
    assert "Its status is now: In Progress." in bodies[1]
    assert "We have re-sent the invitation." in bodies[2]
    assert all("DIP ticket 42" not in b for b in bodies)
    assert all(token not in b for b in bodies[1:])


def test_mail_failure_never_loses_the_case(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    class BrokenNotifier(Notifier):
        def case_created(self, case: Any) -> Any:
            raise OSError("disk full")

    store = CaseStore(engine, clock=clock)
    service = CaseService(store, BrokenNotifier("https://kb.example"), Outbox(engine, Mailer(None, tmp_path, FROM)))
    clean, _ = validate_case_form(gen_case_form())
    case, token = service.raise_case(clean)
    assert store.get_case(case.reference, token).reference == case.reference


def test_lost_link_is_sent_only_to_the_case_email(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    service, outbox = make_service(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())
    case, _ = service.raise_case(clean)
    assert not service.resend_link(case.reference, "mallory@example.com")
    assert service.resend_link(case.reference, "ada@example.com")
    msgs = [read_eml(p) for p in sorted(outbox.glob("*.eml"))]
    assert len(msgs) == 2 and msgs[1]["To"] == "ada@example.com"
    assert "new tracking link" in msgs[1]["Subject"]


def test_raiser_comment_needs_token_through_the_service(
    engine: Any, clock: Any, tmp_path: Path, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    from app.cases import CaseNotFound

    service, _ = make_service(engine, clock, tmp_path)
    clean, _ = validate_case_form(gen_case_form())
    case, _ = service.raise_case(clean)
    with pytest.raises(CaseNotFound):
        service.comment_as_raiser(case.reference, "wrong", "hello")
    assert service.store.get_case_for_staff(case.reference).events[-1].author_kind == AuthorKind.SYSTEM
