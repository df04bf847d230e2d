"""Participant sign-in state: the account of this request (session cookie or API Bearer token), the
inactivity clock, and where to send someone who must sign in first.

The session holds the account id, its session nonce (changed by "sign out everywhere", so every
other session ends), when it started and when it was last used. It ends after KB_SESSION_MINUTES
without activity, and after MAX_SESSION_HOURS whatever happens.
"""
from __future__ import annotations

import hmac
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from app.accounts.store import Account
from app.web.auth import MAX_SESSION_HOURS, TOUCH_SECONDS
from app.web.deps import services

logger = logging.getLogger(__name__)

SESSION_KEYS = ("account_id", "account_nonce", "account_since", "account_seen")
#: What the assistant (or the case form) handed over, kept across sign-in and registration.
DRAFT_KEY = "case_draft"


def _end() -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)
    g.kb_account = None


def _session_account() -> Account | None:
    account_id = session.get("account_id")
    if account_id is None:
        return None
    now = time.time()
    idle = now - float(session.get("account_seen", 0))
    age = now - float(session.get("account_since", 0))
    if idle > int(current_app.config["KB_SESSION_MINUTES"]) * 60 or age > MAX_SESSION_HOURS * 3600:
        logger.info("account %s session expired", account_id)
        _end()
        g.kb_account_expired = True
        return None
    account = services().accounts.get(int(account_id))
    if account is None or not hmac.compare_digest(account.session_nonce, str(session.get("account_nonce", ""))):
        _end()
        return None
    if idle > TOUCH_SECONDS:
        session["account_seen"] = int(now)
    return account


def current_account() -> Account | None:
    """The signed-in participant for this request, or None (no session, expired, or signed out everywhere)."""
    if "kb_account" not in g:
        g.kb_account = _session_account()
    return g.kb_account


def signed_in_account() -> Account | None:
    """For templates: any failure (the database is down, say) means "not signed in"."""
    try:
        return current_account()
    except Exception:
        logger.exception("could not check the account session")
        return None


def start_session(account: Account) -> None:
    """A fresh session (no fixation) that keeps only the case draft being carried through sign-in."""
    draft = session.get(DRAFT_KEY)
    session.clear()
    if draft:
        session[DRAFT_KEY] = draft
    now = int(time.time())
    session.update(account_id=account.id, account_nonce=account.session_nonce, account_since=now, account_seen=now)
    g.kb_account = account
    services().accounts.record_login(account.id)


def end_session() -> None:
    session.clear()
    g.kb_account = None


def safe_next(target: str | None) -> str | None:
    """A path on this site only, never another site and never the sign-in pages themselves."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    if parts.path.startswith(("/account/login", "/account/register", "/account/logout")):
        return None
    return target


def sign_in_first(next_url: str | None = None, message: str = "Sign in, or register, to continue.") -> Response:
    """Send an anonymous visitor to sign in, and back to ``next_url`` (this page when it is a GET) afterwards."""
    if getattr(g, "kb_account_expired", False):
        message = "Your session expired. Please sign in again."
    flash(message, "info")
    if next_url is None and request.method == "GET":
        next_url = request.full_path.rstrip("?")
    return redirect(url_for("account.login", next=safe_next(next_url)))


def keep_draft(values: dict[str, Any]) -> None:
    """Remember what was handed over to the case form (server-side; the cookie holds its id) until the visitor
    has signed in or registered."""
    data = {str(k)[:50]: str(v)[:10_000] for k, v in list(values.items())[:40] if k not in ("csrf_token", "action")}
    session[DRAFT_KEY] = services().case_store.save_draft(data)


def take_draft() -> dict[str, Any]:
    """The draft kept before sign-in (once), or {}."""
    draft_id = session.pop(DRAFT_KEY, None)
    return (services().case_store.take_draft(str(draft_id)) or {}) if draft_id else {}


def bearer_account() -> Account | None:
    """The account of the request's `Authorization: Bearer <token>` header, or None (missing, wrong, revoked)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return services().accounts.authenticate_token(secret.strip())
