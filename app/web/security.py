"""CSRF tokens for HTML forms and security headers on every response."""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, current_app, request, session
from markupsafe import Markup

CSRF_FIELD = "csrf_token"
#: Browsers that have seen the site over HTTPS use nothing else for a year (production only).
HSTS = "max-age=31536000; includeSubDomains"


def csrf_token() -> str:
    token = session.get("_csrf")
    if not token:
        token = session["_csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % csrf_token()


def _check_csrf() -> None:
    """Every state-changing HTML form post must carry the session's token; JSON APIs are handled per route."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return
    if request.blueprint is None and request.endpoint is None:
        return
    sent = request.form.get(CSRF_FIELD, "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("_csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="Your form session expired. Please go back, reload the page and submit again.")


def _headers(resp: Response) -> Response:
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/console"):
        # Staff pages show raisers' personal data: never kept by a proxy or in the browser after sign-out.
        resp.headers["Cache-Control"] = "no-store"
    if current_app.config.get("KB_ENV") == "production":
        resp.headers.setdefault("Strict-Transport-Security", HSTS)
    return resp


def init_app(app: Flask) -> None:
    production = app.config.get("KB_ENV") == "production"
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=production)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.globals["csrf_token"] = csrf_token
