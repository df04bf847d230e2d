"""Staff accounts: roles, scrypt password hashes, and throttled, logged logins. No Flask here."""
from __future__ import annotations

import logging
import re
import secrets
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
    """At most ``per_account`` failures per email and IP, and ``per_ip`` per IP, within ``window``."""

    per_account: int = 5
    per_ip: int = 30
    window: timedelta = timedelta(minutes=15)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidAccount(f"Passwords need at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise InvalidAccount(f"Passwords can be at most {PASSWORD_MAX} characters.")


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

    def __init__(self, engine: Engine, clock: Clock = utc_now, throttle: ThrottlePolicy | None = None) -> None:
        super().__init__(engine, clock)
        self.throttle = throttle or ThrottlePolicy()

    # -- accounts ----------------------------------------------------------------------------
    def add(self, email: str, role: Role | str, password: str) -> Staff:
        email = normalise_email(email)
        if not _EMAIL.match(email) or len(email) > 254:
            raise InvalidAccount("Enter a valid email address.")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidAccount(f"Role must be one of: {', '.join(r.value for r in Role)}.") from None
        check_password_rules(password)
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
        check_password_rules(password)
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
    def authenticate(self, email: str, password: str, ip: str) -> Staff:
        """The staff member, or InvalidLogin / LoginThrottled. Every failure is recorded and logged."""
        email = normalise_email(email)[:254]
        ip = (ip or "unknown")[:64]
        now = self.now()
        self._check_throttle(email, ip, now)
        with self._read() as s:
            row = s.scalars(select(StaffRow).where(StaffRow.email == email)).first()
            stored = row.password_hash if row is not None else _dummy_hash()
        ok = check_password_hash(stored, password or "") and row is not None and row.active
        if not ok or row is None:
            with self._write() as s:
                s.add(LoginFailureRow(email=email, ip=ip, created_at=now))
                s.execute(delete(LoginFailureRow).where(LoginFailureRow.created_at < now - FAILURE_RETENTION))
            reason = "unknown email" if row is None else "inactive account" if not row.active else "wrong password"
            logger.warning("staff login failed (%s) for %r from %s", reason, email, ip)
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

    def _check_throttle(self, email: str, ip: str, now: datetime) -> None:
        policy = self.throttle
        since = now - policy.window
        with self._read() as s:
            recent = select(func.count(), func.min(LoginFailureRow.created_at)).where(
                LoginFailureRow.created_at >= since
            )
            per_account, first_account = s.execute(
                recent.where(LoginFailureRow.email == email, LoginFailureRow.ip == ip)
            ).one()
            per_ip, first_ip = s.execute(recent.where(LoginFailureRow.ip == ip)).one()
        blocked = None
        if per_account >= policy.per_account:
            blocked = first_account
        elif per_ip >= policy.per_ip:
            blocked = first_ip
        if blocked is not None:
            retry_after = max(1, int((blocked + policy.window - now).total_seconds()))
            logger.warning("staff login throttled for %r from %s (%d/%d recent failures)",
                           email, ip, per_account, per_ip)
            raise LoginThrottled(retry_after)
