"""Outgoing mail: SMTP when configured, else one .eml per message in the outbox folder.

A message SMTP refuses is kept in ``outbox/pending/`` and retried by :meth:`Mailer.retry_pending`,
so a mail outage never loses a notification or blocks raising a case.
"""

from __future__ import annotations

import email.policy
import email.utils
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_binary_file
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

RETRY_BATCH = 20  # pending messages retried after each successful send
SmtpFactory = Callable[[str, int, float], Any]  # (host, port, timeout) -> smtplib.SMTP-like


class Delivery(StrEnum):
    SENT = "sent"  # handed to the SMTP server
    OUTBOX = "outbox"  # written to the outbox folder (no SMTP configured)
    PENDING = "pending"  # SMTP failed; kept for retry_pending()


def _write_atomically(folder: Path, msg: EmailMessage) -> Path:
    """Write to a temporary name, fsync, then rename: a reader never sees half a message."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(msg.as_bytes(policy=email.policy.SMTP))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


class Mailer:
    """Sends plain-text mail. ``smtp_url``: smtp://[user:pass@]host[:port] (STARTTLS if offered),
    smtp+starttls:// (STARTTLS required) or smtps:// (TLS from the start); None writes to the outbox."""

    def __init__(
        self,
        smtp_url: str | None,
        outbox_dir: str | os.PathLike[str],
        mail_from: str,
        *,
        timeout: float = 10.0,
        smtp_factory: SmtpFactory | None = None,
    ) -> None:
        self.smtp_url = smtp_url or None
        self.outbox_dir = Path(outbox_dir)
        self.pending_dir = self.outbox_dir / "pending"
        self.failed_dir = self.outbox_dir / "failed"
        self.mail_from = mail_from
        self.timeout = timeout
        self._smtp_factory = smtp_factory

    def build(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.mail_from
        msg["To"] = to
        msg["Subject"] = " ".join(subject.split())
        msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = email.utils.make_msgid(domain=self._from_domain())
        msg["Auto-Submitted"] = "auto-generated"
        # 8bit keeps links readable in outbox files; quoted-printable only when a line is too long for SMTP.
        msg.set_content(body, cte="8bit" if all(len(line) < 900 for line in body.splitlines()) else "quoted-printable")
        return msg

    def deliver(self, msg: EmailMessage) -> None:
        """Hand one message over now (SMTP, or an .eml file when no SMTP is configured); raises on failure.
        The outbox (app.cases.outbox) retries what fails."""
        if not self.smtp_url:
            path = _write_atomically(self.outbox_dir, msg)
            logger.info("mail written to outbox %s", path.name)
            return
        self._deliver(msg)

    def send(self, to: str, subject: str, body: str) -> Delivery:
        return self.send_message(self.build(to, subject, body))

    def send_message(self, msg: EmailMessage) -> Delivery:
        if not self.smtp_url:
            path = _write_atomically(self.outbox_dir, msg)
            logger.info("mail written to outbox %s", path.name)
            return Delivery.OUTBOX
        try:
            self._deliver(msg)
        except (OSError, smtplib.SMTPException) as exc:
            path = _write_atomically(self.pending_dir, msg)
            logger.warning("SMTP delivery failed (%s); kept as %s for retry", type(exc).__name__, path.name)
            return Delivery.PENDING
        if self.pending():  # the server is back: catch up on a few older messages too
            self.retry_pending(limit=RETRY_BATCH)
        return Delivery.SENT

    def pending(self) -> list[Path]:
        return sorted(self.pending_dir.glob("*.eml")) if self.pending_dir.is_dir() else []

    def retry_pending(self, limit: int | None = None) -> tuple[int, int]:
        """Try every pending message again, oldest first; returns (delivered, still pending).

        A message the server refuses for good (5xx) moves to ``failed/`` so it cannot block the queue;
        a connection problem stops the run and leaves the rest for next time.
        """
        delivered = 0
        for path in self.pending()[:limit]:
            with open(path, "rb") as fh:
                msg = message_from_binary_file(fh, _class=EmailMessage, policy=email.policy.default)
            try:
                if self.smtp_url:
                    self._deliver(msg)  # type: ignore[arg-type]
                else:
                    _write_atomically(self.outbox_dir, msg)  # type: ignore[arg-type]
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code < 500:
                    logger.warning("retry of %s deferred (%s); stopping", path.name, exc.smtp_code)
                    break
                self._give_up(path, f"SMTP {exc.smtp_code}")
                continue
            except smtplib.SMTPRecipientsRefused:
                self._give_up(path, "recipients refused")
                continue
            except (OSError, smtplib.SMTPException) as exc:
                logger.warning("retry of %s failed (%s); stopping", path.name, type(exc).__name__)
                break
            path.unlink()
            delivered += 1
        return delivered, len(self.pending())

    def _give_up(self, path: Path, why: str) -> None:
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        os.replace(path, self.failed_dir / path.name)
        logger.error("mail %s refused for good (%s); moved to %s", path.name, why, self.failed_dir)

    # -- SMTP ------------------------------------------------------------------------------
    def _from_domain(self) -> str:
        address = email.utils.parseaddr(self.mail_from)[1]
        return address.rpartition("@")[2] or "localhost"

    def _deliver(self, msg: EmailMessage) -> None:
        if not self.smtp_url:
            raise smtplib.SMTPException("no SMTP URL configured")
        parts = urlsplit(self.smtp_url)
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise smtplib.SMTPException(f"unsupported mail URL scheme {scheme!r}")
        host = parts.hostname or "localhost"
        port = parts.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+starttls" else 25)
        context = ssl.create_default_context()
        if self._smtp_factory is not None:
            client = self._smtp_factory(host, port, self.timeout)
        elif scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=self.timeout)
        with client:
            client.ehlo()
            if scheme == "smtp+starttls" or (scheme == "smtp" and client.has_extn("starttls")):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(msg)
