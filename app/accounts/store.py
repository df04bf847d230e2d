"""Accounts: organisations, participant accounts, one-time codes and personal access tokens. No Flask here."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import AccessTokenRow, AccountRow, OneTimeCodeRow, OrganisationRow
from app.cases.db import UNAVAILABLE, describe
from app.cases.forms import is_valid_email
from app.cases.storebase import StoreBase

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
TOKEN_PREFIX = "kb_"  # nosec B105 # a marker that tells our tokens apart, not a secret
NAME_MAX = 100
PURPOSES = ("register", "login")


class AccountError(Exception):
    """Base class of the account errors the web edge and the CLI turn into messages."""


class InvalidAccount(AccountError):
    """Bad input creating an account; ``field`` names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    party_id: str
    market_participant_ids: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    first_name: str
    last_name: str
    organisation: Organisation | None
    unregistered_organisation: str | None
    org_admin: bool
    org_viewer: bool
    session_nonce: str
    created_at: datetime
    last_login_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.id if self.organisation else None

    @property
    def sees_organisation(self) -> bool:
        """Organisation admins, and members their admin marked, see every case of their organisation."""
        return self.organisation is not None and (self.org_admin or self.org_viewer)

    @property
    def scope(self) -> tuple[int, int | None]:
        """(account id, organisation id or None): what object-level checks on cases compare against."""
        return self.id, self.organisation_id if self.sees_organisation else None


@dataclass(frozen=True)
class AccessToken:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _code_hash(email: str, purpose: str, code: str) -> str:
    return sha256(f"{purpose}:{email}:{code}")


def _organisation(row: OrganisationRow | None) -> Organisation | None:
    if row is None:
        return None
    return Organisation(row.id, row.name, row.party_id, tuple(row.market_participant_ids or ()),
                        tuple(row.roles or ()))


def _token(row: AccessTokenRow) -> AccessToken:
    return AccessToken(row.id, row.name, row.created_at, row.last_used_at, row.revoked_at)


class Accounts(StoreBase):
    """Participant accounts in the cases database. ``clock`` returns aware datetimes (tests pass a fake)."""

    # -- organisations -------------------------------------------------------------------------------
    def import_organisations(self, rows: Iterable[dict[str, object]]) -> tuple[int, int]:
        """Add or update organisations by Party ID; returns (added, updated)."""
        added = updated = 0
        with self._write() as s:
            for r in rows:
                party_id = str(r["party_id"]).strip().upper()
                row = s.scalars(select(OrganisationRow).where(OrganisationRow.party_id == party_id)).first()
                if row is None:
                    row = OrganisationRow(party_id=party_id)
                    s.add(row)
                    added += 1
                else:
                    updated += 1
                row.name = str(r["name"]).strip()[:200]
                row.market_participant_ids = list(r.get("market_participant_ids") or [])  # type: ignore[call-overload]
                row.roles = list(r.get("roles") or [])  # type: ignore[call-overload]
        logger.info("organisations imported: %d added, %d updated", added, updated)
        return added, updated

    def search_organisations(self, text: str, limit: int = 10) -> list[Organisation]:
        """Organisations whose name or Party ID contains ``text`` (case-insensitive), best first."""
        text = " ".join((text or "").split())[:100].lower()
        if not text:
            return []
        like = f"%{text}%"
        stmt = (select(OrganisationRow)
                .where(or_(func.lower(OrganisationRow.name).like(like),
                           func.lower(OrganisationRow.party_id).like(like)))
                .order_by(func.lower(OrganisationRow.party_id) != text, OrganisationRow.name).limit(limit))  # fmt: skip
        with self._read() as s:
            return [o for o in map(_organisation, s.scalars(stmt)) if o is not None]

    def organisation_by_party_id(self, party_id: str) -> Organisation | None:
        with self._read() as s:
            return _organisation(self._org(s, party_id))

    @staticmethod
    def _org(s: Session, party_id: str | None) -> OrganisationRow | None:
        pid = (party_id or "").strip().upper()
        return s.scalars(select(OrganisationRow).where(OrganisationRow.party_id == pid)).first() if pid else None

    # -- accounts ---------------------------------------------------------------------------------------
    def add(self, email: str, first_name: str, last_name: str, *, party_id: str | None = None,
            unregistered_organisation: str | None = None, org_admin: bool = False) -> Account:
        """Create a verified account (the caller has checked the email with a code, or is an operator)."""
        email = normalise_email(email)
        first, last = " ".join((first_name or "").split()), " ".join((last_name or "").split())
        if not is_valid_email(email) or len(email) > 254:
            raise InvalidAccount("email", "Enter an email address in the correct format, like name@example.com")
        if not first or len(first) > NAME_MAX:
            raise InvalidAccount("first_name", "Enter your first name (at most 100 characters)")
        if not last or len(last) > NAME_MAX:
            raise InvalidAccount("last_name", "Enter your last name (at most 100 characters)")
        unregistered = " ".join((unregistered_organisation or "").split())[:200] or None
        now = self.now()
        try:
            with self._write() as s:
                org = self._org(s, party_id)
                if party_id and org is None:
                    raise InvalidAccount("party_id", f"No organisation with Party ID {party_id.strip().upper()}; "
                                                     "import it with `flask --app app org import FILE` first")
                row = AccountRow(email=email, first_name=first, last_name=last, organisation_id=org.id if org else None,
                                 unregistered_organisation=None if org else unregistered, org_admin=bool(org_admin),
                                 org_viewer=False, session_nonce=secrets.token_hex(16), accepted_terms_at=now,
                                 created_at=now)
                s.add(row)
                s.flush()
                account = self._account(s, row)
        except IntegrityError:
            raise InvalidAccount("email", "An account with that email address already exists") from None
        logger.info("account %d created", account.id)
        return account

    def get(self, account_id: int) -> Account | None:
        with self._read() as s:
            row = s.get(AccountRow, account_id)
            return self._account(s, row) if row else None

    def by_email(self, email: str) -> Account | None:
        with self._read() as s:
            row = s.scalars(select(AccountRow).where(AccountRow.email == normalise_email(email))).first()
            return self._account(s, row) if row else None

    def record_login(self, account_id: int) -> None:
        with self._write() as s:
            s.execute(update(AccountRow).where(AccountRow.id == account_id).values(last_login_at=self.now()))

    def end_sessions(self, account_id: int) -> None:
        """Sign out everywhere: every session signed with the old nonce stops working."""
        with self._write() as s:
            s.execute(update(AccountRow).where(AccountRow.id == account_id)
                      .values(session_nonce=secrets.token_hex(16)))

    def members(self, organisation_id: int) -> list[Account]:
        with self._read() as s:
            rows = s.scalars(select(AccountRow).where(AccountRow.organisation_id == organisation_id)
                             .order_by(AccountRow.last_name, AccountRow.first_name))
            return [self._account(s, r) for r in rows]

    def set_viewer(self, admin: Account, member_id: int, viewer: bool) -> bool:
        """An organisation admin lets a member of the same organisation see its cases (or stops it)."""
        if not admin.org_admin or admin.organisation_id is None:
            return False
        with self._write() as s:
            done = s.execute(update(AccountRow).where(AccountRow.id == member_id,
                                                      AccountRow.organisation_id == admin.organisation_id)
                             .values(org_viewer=viewer)).rowcount
        return done == 1

    @staticmethod
    def _account(s: Session, row: AccountRow) -> Account:
        org = _organisation(s.get(OrganisationRow, row.organisation_id)) if row.organisation_id else None
        return Account(row.id, row.email, row.first_name, row.last_name, org, row.unregistered_organisation,
                       row.org_admin, row.org_viewer, row.session_nonce, row.created_at, row.last_login_at)

    # -- one-time codes ------------------------------------------------------------------------------------
    def issue_code(self, email: str, purpose: str) -> str:
        """A fresh 6-digit code for ``email``; earlier unused codes for the same purpose stop working."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown code purpose {purpose!r}")
        email = normalise_email(email)
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        now = self.now()
        with self._write() as s:
            s.execute(update(OneTimeCodeRow).where(OneTimeCodeRow.email == email, OneTimeCodeRow.purpose == purpose,
                                                   OneTimeCodeRow.used_at.is_(None)).values(used_at=now))
            s.add(OneTimeCodeRow(email=email, purpose=purpose, code_hash=_code_hash(email, purpose, code), attempts=0,
                                 created_at=now, expires_at=now + CODE_LIFETIME))
        return code

    def check_code(self, email: str, purpose: str, code: str) -> bool:
        """True once for the latest live code; a wrong code uses up one of its CODE_TRIES tries."""
        email = normalise_email(email)
        code = "".join((code or "").split())
        now = self.now()
        with self._write() as s:
            row = s.scalars(select(OneTimeCodeRow).where(
                OneTimeCodeRow.email == email, OneTimeCodeRow.purpose == purpose, OneTimeCodeRow.used_at.is_(None),
                OneTimeCodeRow.expires_at > now).order_by(OneTimeCodeRow.id.desc()).with_for_update()).first()
            if row is None or row.attempts >= CODE_TRIES:
                return False
            row.attempts += 1
            if not hmac.compare_digest(row.code_hash, _code_hash(email, purpose, code)):
                return False
            row.used_at = now
            return True

    # -- personal access tokens ---------------------------------------------------------------------------
    def create_token(self, account_id: int, name: str) -> tuple[AccessToken, str]:
        """A new token; the secret is returned once and only its hash is stored."""
        name = " ".join((name or "").split())[:NAME_MAX] or "API token"
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as s:
            row = AccessTokenRow(account_id=account_id, name=name, token_hash=sha256(secret), created_at=self.now())
            s.add(row)
            s.flush()
            return _token(row), secret

    def tokens(self, account_id: int) -> list[AccessToken]:
        with self._read() as s:
            rows = s.scalars(select(AccessTokenRow).where(AccessTokenRow.account_id == account_id)
                             .order_by(AccessTokenRow.id.desc()))
            return [_token(r) for r in rows]

    def revoke_token(self, account_id: int, token_id: int) -> bool:
        with self._write() as s:
            done = s.execute(update(AccessTokenRow).where(AccessTokenRow.id == token_id,
                                                          AccessTokenRow.account_id == account_id,
                                                          AccessTokenRow.revoked_at.is_(None))
                             .values(revoked_at=self.now())).rowcount
        return done == 1

    def authenticate_token(self, secret: str) -> Account | None:
        """The account of a live token (recording its use), else None."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return None
        with self._read() as s:
            row = s.scalars(select(AccessTokenRow).where(AccessTokenRow.token_hash == sha256(secret),
                                                         AccessTokenRow.revoked_at.is_(None))).first()
            account_row = s.get(AccountRow, row.account_id) if row else None
            if row is None or account_row is None:
                return None
            account = self._account(s, account_row)
        try:
            with self._write() as s:
                s.execute(update(AccessTokenRow).where(AccessTokenRow.id == row.id).values(last_used_at=self.now()))
        except UNAVAILABLE as exc:  # a read-only database still lets the token read cases
            logger.warning("could not record a token's use (%s)", describe(exc))
        return account
