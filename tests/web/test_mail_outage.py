"""SMTP down: the case is still created (201) and its email waits in the outbox table, retried with backoff by the
worker (or `flask cases retry-mail`) until SMTP is back; a message the server refuses for good is given up."""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FakeClock, gen_account, sign_in, use_token

from app import create_app

CASE = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip


class SmtpStub(socketserver.ThreadingTCPServer):
    """A minimal SMTP responder on loopback that keeps what it is sent; ``refuse`` answers a code instead."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int, refuse: str | None = None) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = refuse  # "greeting" (421 at connect) | "data" (451 after DATA) | None
        super().__init__(("127.0.0.1", port), _SmtpHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpStub

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        if self.server.refuse == "greeting":
            self.reply("421 stub: service not available")
            return
        self.reply("220 stub ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline(1000):
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-stub")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "NOOP", "RSET", "MAIL"):
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                if self.server.refuse == "data":
                    self.reply("451 stub: try again later")
                else:
                    msg = email.message_from_bytes(data, policy=email.policy.default)
                    self.server.messages.append((recipients, msg))  # type: ignore[arg-type]
                    self.reply("250 queued")
                recipients = []
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port() -> Iterator[int]:
    yield free_port()


@pytest.fixture
def mail_app(app_config: dict, smtp_port: int):
    return create_app({**app_config, "KB_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"})


def outbox(app):
    return app.extensions["kb"].outbox


def raise_case(app, **overrides: str) -> dict:
    client = app.test_client()
    use_token(app, client, app.extensions["kb"].accounts.by_email("ada@example.com") or gen_account(app))
    r = client.post("/api/cases", json={**CASE, **overrides})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("outage", ["closed port", "greeting", "data"])
def test_case_is_created_while_smtp_is_down_and_mail_waits_in_the_outbox(mail_app, smtp_port, outage) -> None:
    stub = None if outage == "closed port" else SmtpStub(smtp_port, refuse=outage)
    try:
        body = raise_case(mail_app)
    finally:
        if stub:
            stub.stop()
    assert mail_app.extensions["kb"].case_store.get_case_for_staff(body["reference"]).subject == CASE["subject"]
    assert outbox(mail_app).pending() == 1
    assert not list(Path(mail_app.config["KB_OUTBOX_DIR"]).glob("**/*.eml"))  # not mistaken for delivered


def test_retry_mail_sends_waiting_mail_once_smtp_is_back(mail_app, smtp_port) -> None:
    first = raise_case(mail_app, subject="First while down")
    second = raise_case(mail_app, subject="Second while down")
    runner = mail_app.test_cli_runner()
    still_down = runner.invoke(args=["cases", "retry-mail"])
    assert still_down.exit_code == 0 and "0 delivered, 2 still pending" in still_down.output

    stub = SmtpStub(smtp_port)
    try:
        result = runner.invoke(args=["cases", "retry-mail"])
        again = runner.invoke(args=["cases", "retry-mail"])
    finally:
        stub.stop()
    assert result.exit_code == 0 and "2 delivered, 0 still pending" in result.output
    assert "0 delivered, 0 still pending" in again.output  # each message is sent once
    assert [(to, msg["Subject"].split("]")[0]) for to, msg in stub.messages] == [
        (["ada@example.com"], f"[{first['reference']}"),
        (["ada@example.com"], f"[{second['reference']}"),
    ]
    assert first["tracking_url"] in stub.messages[0][1].get_content()


def test_the_worker_retries_with_backoff_and_gives_up_on_a_permanent_refusal(mail_app, smtp_port) -> None:
    clock = FakeClock(outbox(mail_app).now())
    outbox(mail_app)._clock = clock
    raise_case(mail_app, subject="While down")
    assert outbox(mail_app).deliver() == 0  # not due yet: the next try waits 30 s
    stub = SmtpStub(smtp_port)
    try:
        assert outbox(mail_app).deliver() == 0
        clock.advance(seconds=31)
        assert outbox(mail_app).deliver() == 1
        assert outbox(mail_app).pending() == 0 and len(stub.messages) == 1
    finally:
        stub.stop()
    refusing = SmtpStub(smtp_port, refuse="greeting")  # 421: temporary
    try:
        raise_case(mail_app, subject="Refused for now")
        assert outbox(mail_app).pending() == 1
    finally:
        refusing.stop()


def test_case_form_confirms_while_smtp_is_down(mail_app) -> None:
    client = mail_app.test_client()
    sign_in(client, gen_account(mail_app))
    with client.session_transaction() as session:
        session["_csrf"] = "t"
    r = client.post("/cases/form", data={**CASE, "csrf_token": "t", "action": "submit"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/cases/confirmation")
    assert "Case received" in client.get("/cases/confirmation").get_data(as_text=True)
    assert outbox(mail_app).pending() == 1
