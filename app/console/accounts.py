"""Staff accounts: roles, scrypt password hashes, and throttled, logged logins. No Flask here."""
from __future__ import annotations

import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.cases.storebase import Clock, StoreBase, utc_now
from app.console.models import LoginFailureRow, StaffRow

logger = logging.getLogger(__name__)

PASSWORD_MIN = 12  # ASVS 2.1.1
PASSWORD_MAX = 128
#: zxcvbn's 0-4 estimate; 3 means "safely unguessable: moderate protection from offline slow-hash attacks".
PASSWORD_SCORE = 3
#: Words of this site that make a password guessable for it, whatever a general dictionary says.
SITE_WORDS = ("mhhs", "elexon", "dip", "service desk", "servicedesk", "knowledge base", "console", "staff",
              "settlement", "half hourly")
HASH_METHOD = "scrypt"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
#: Failed-login rows older than this are deleted as new ones arrive.
FAILURE_RETENTION = timedelta(days=1)


class Role(StrEnum):
    AGENT = "agent"
    KNOWLEDGE_MANAGER = "knowledge_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: Who may do what in the console; everyone signed in may read the queue, cases and SLA report.
CASE_WORKERS = (Role.AGENT, Role.ADMIN)
KNOWLEDGE_ROLES = (Role.KNOWLEDGE_MANAGER, Role.ADMIN)
ALL_ROLES = tuple(Role)


class AccountError(Exception):
    """Base class of the account errors the web edge turns into messages."""


class InvalidLogin(AccountError):
    """Wrong email or password, or a deactivated account: deliberately one message for all three."""


class LoginThrottled(AccountError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after}s")
        self.retry_after = retry_after


class InvalidAccount(AccountError):
    """Bad email, role or password when creating or changing an account."""


class StaffNotFound(AccountError):
    pass


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    role: Role
    active: bool
    session_nonce: str
    created_at: datetime
    last_login_at: datetime | None

    def has_role(self, *roles: Role | str) -> bool:
        return self.active and self.role in {Role(r) for r in roles}


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most ``per_account`` failures per email and IP, and ``per_ip`` per IP, within ``window``.

    Across all addresses, an account's failures beyond ``account_free`` in the window make each further
    attempt from an untrusted browser wait 2, 4, 8 ... seconds (at most ``account_max_delay``) after the
    last failure; a browser the account signed in from before is trusted, so guessing from elsewhere never
    locks the right password out. The account's owner is emailed at ``notify_after`` failures."""

    per_account: int = 5
    per_ip: int = 30
    window: timedelta = timedelta(minutes=15)
    account_free: int = 5
    account_max_delay: timedelta = timedelta(minutes=5)
    notify_after: int = 10


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _personal_words(email: str) -> list[str]:
    """The email, its local part and the name parts in it (ada.lovelace@ -> ada, lovelace)."""
    email = normalise_email(email)
    local = email.split("@", 1)[0]
    return [w for w in dict.fromkeys([email, local, *re.split(r"[._+-]+", local)]) if len(w) >= 3]


def check_password_rules(password: str, email: str = "") -> None:
    """Long enough, not built on the account's email or name, and hard to guess (zxcvbn score >= 3)."""
    if len(password) < PASSWORD_MIN:
        raise InvalidAccount(f"Passwords need at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise InvalidAccount(f"Passwords can be at most {PASSWORD_MAX} characters.")
    folded = password.casefold()
    personal = _personal_words(email)
    if any(len(w) >= 4 and w in folded for w in personal):
        raise InvalidAccount("The password must not contain your email address or name.")
    from zxcvbn import zxcvbn  # a dictionary of about 30,000 words: load it only when a password is set

    result = zxcvbn(password[:100], user_inputs=[*personal, *SITE_WORDS])
    if result["score"] < PASSWORD_SCORE:
        feedback = result.get("feedback") or {}
        hints = " ".join(filter(None, [feedback.get("warning"), *(feedback.get("suggestions") or [])]))
        raise InvalidAccount("That password is too easy to guess (strength "
                             f"{result['score']} of 4, at least {PASSWORD_SCORE} needed). {hints}".strip()
                             + " Try a few unrelated words, or a longer phrase.")
    rest = folded
    for word in sorted([*personal, *SITE_WORDS], key=len, reverse=True):
        rest = rest.replace(word, "")
    if rest != folded and len(re.sub(r"[^a-z]", "", rest)) < 4:
        raise InvalidAccount("The password must not be made of this site's name (MHHS, Elexon, DIP ...), your "
                             "name and digits or symbols.")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so a login takes as long either way."""
    return hash_password(secrets.token_urlsafe(16))


def _to_staff(row: StaffRow) -> Staff:
    return Staff(row.id, row.email, Role(row.role), row.active, row.session_nonce, row.created_at, row.last_login_at)


class StaffAccounts(StoreBase):
    """Staff accounts in the cases database. ``clock`` returns aware datetimes (tests pass a fake)."""

    def __init__(self, engine: Engine, clock: Clock = utc_now, throttle: ThrottlePolicy | None = None,
                 notify: Callable[[str, str, str], object] | None = None) -> None:
        super().__init__(engine, clock)
        self.throttle = throttle or ThrottlePolicy()
        self.notify = notify  # (to, subject, body): tells an account's owner about failed sign-ins

    # -- accounts ----------------------------------------------------------------------------
    def add(self, email: str, role: Role | str, password: str) -> Staff:
        email = normalise_email(email)
        if not _EMAIL.match(email) or len(email) > 254:
            raise InvalidAccount("Enter a valid email address.")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidAccount(f"Role must be one of: {', '.join(r.value for r in Role)}.") from None
        check_password_rules(password, email)
        row = StaffRow(email=email, password_hash=hash_password(password), role=role.value, active=True,
                       session_nonce=secrets.token_hex(16), created_at=self.now())
        try:
            with self._write() as s:
                s.add(row)
                s.flush()
                staff = _to_staff(row)
        except IntegrityError:
            raise InvalidAccount("A staff member with that email already exists.") from None
        logger.info("staff account %d created with role %s", staff.id, staff.role)
        return staff

    def get(self, staff_id: int) -> Staff | None:
        with self._read() as s:
            row = s.get(StaffRow, staff_id)
            return None if row is None else _to_staff(row)

    def by_email(self, email: str) -> Staff | None:
        with self._read() as s:
            row = s.scalars(select(StaffRow).where(StaffRow.email == normalise_email(email))).first()
            return None if row is None else _to_staff(row)

    def list(self) -> list[Staff]:
        with self._read() as s:
            return [_to_staff(r) for r in s.scalars(select(StaffRow).order_by(StaffRow.email))]

    def set_active(self, staff_id: int, active: bool) -> Staff:
        """Deactivating ends the member's sessions at once (their nonce changes)."""
        with self._write() as s:
            row = s.get(StaffRow, staff_id, with_for_update=True)
            if row is None:
                raise StaffNotFound(str(staff_id))
            row.active = active
            row.session_nonce = secrets.token_hex(16)
            s.flush()
            staff = _to_staff(row)
        logger.info("staff account %d %s", staff_id, "activated" if active else "deactivated")
        return staff

    def set_password(self, email: str, password: str) -> Staff:
        check_password_rules(password, email)
        with self._write() as s:
            row = s.scalars(select(StaffRow).where(StaffRow.email == normalise_email(email))).first()
            if row is None:
                raise StaffNotFound(email)
            row.password_hash = hash_password(password)
            row.session_nonce = secrets.token_hex(16)
            s.flush()
            staff = _to_staff(row)
        logger.info("staff account %d password changed", staff.id)
        return staff

    def end_sessions(self, staff_id: int) -> None:
        """Log out everywhere: sessions carrying the old nonce stop working."""
        with self._write() as s:
            row = s.get(StaffRow, staff_id, with_for_update=True)
            if row is not None:
                row.session_nonce = secrets.token_hex(16)

    # -- logging in ----------------------------------------------------------------------------
    def authenticate(self, email: str, password: str, ip: str, *, trusted: bool = False) -> Staff:
        """The staff member, or InvalidLogin / LoginThrottled. Every failure is recorded and logged.

        ``trusted``: the browser has signed in to this account before, so the account-wide delay (meant for
        guessing spread over many addresses) does not apply to it; its own per-address limit still does."""
        email = normalise_email(email)[:254]
        ip = (ip or "unknown")[:64]
        now = self.now()
        self._check_throttle(email, ip, now, trusted=trusted)
        with self._read() as s:
            row = s.scalars(select(StaffRow).where(StaffRow.email == email)).first()
            stored = row.password_hash if row is not None else _dummy_hash()
        ok = check_password_hash(stored, password or "") and row is not None and row.active
        if not ok or row is None:
            with self._write() as s:
                s.add(LoginFailureRow(email=email, ip=ip, created_at=now))
                s.execute(delete(LoginFailureRow).where(LoginFailureRow.created_at < now - FAILURE_RETENTION))
                s.flush()
                failures = s.scalar(select(func.count()).where(
                    LoginFailureRow.email == email, LoginFailureRow.created_at >= now - self.throttle.window)) or 0
            reason = "unknown email" if row is None else "inactive account" if not row.active else "wrong password"
            logger.warning("staff login failed (%s) for %r from %s", reason, email, ip)
            if row is not None and failures == self.throttle.notify_after:
                self._tell_owner(row.email, failures)
            raise InvalidLogin()
        with self._write() as s:
            s.execute(delete(LoginFailureRow).where(LoginFailureRow.email == email, LoginFailureRow.ip == ip))
            fresh = s.get(StaffRow, row.id, with_for_update=True)
            if fresh is None or not fresh.active:  # deleted or deactivated in the last few milliseconds
                raise InvalidLogin()
            fresh.last_login_at = now
            s.flush()
            staff = _to_staff(fresh)
        logger.info("staff %d logged in from %s", staff.id, ip)
        return staff

    def _tell_owner(self, email: str, failures: int) -> None:
        if self.notify is None:
            return
        minutes = int(self.throttle.window.total_seconds() // 60)
        try:
            self.notify(email, "Failed sign-ins to your MHHS service desk console account",
                        f"There have been {failures} failed attempts to sign in to the console as {email} in the "
                        f"last {minutes} minutes.\n\nIf they were not you, someone may be guessing your password: "
                        "tell an administrator and change it (flask --app app staff password). Sign-ins from other "
                        "browsers are being slowed down; yours, once you have signed in from it, is not affected.\n")
        except Exception:  # a mail outage must not turn a failed sign-in into an error page
            logger.exception("could not tell the owner of a staff account about failed sign-ins")

    def _check_throttle(self, email: str, ip: str, now: datetime, *, trusted: bool) -> None:
        policy = self.throttle
        since = now - policy.window
        with self._read() as s:
            recent = select(func.count(), func.min(LoginFailureRow.created_at),
                            func.max(LoginFailureRow.created_at)).where(LoginFailureRow.created_at >= since)
            per_account, first_account, _ = s.execute(
                recent.where(LoginFailureRow.email == email, LoginFailureRow.ip == ip)
            ).one()
            per_ip, first_ip, _ = s.execute(recent.where(LoginFailureRow.ip == ip)).one()
            on_account, _, last_on_account = s.execute(recent.where(LoginFailureRow.email == email)).one()
        until = None
        if per_account >= policy.per_account:
            until = first_account + policy.window
        elif per_ip >= policy.per_ip:
            until = first_ip + policy.window
        elif not trusted and on_account >= policy.account_free:
            delay = min(timedelta(seconds=2 ** (on_account - policy.account_free + 1)), policy.account_max_delay)
            if now < last_on_account + delay:
                until = last_on_account + delay
        if until is not None:
            retry_after = max(1, math.ceil((until - now).total_seconds()))
            logger.warning("staff login throttled for %r from %s (%d here, %d from this address, %d on the account)",
                           email, ip, per_account, per_ip, on_account)
            raise LoginThrottled(retry_after)
