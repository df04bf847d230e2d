"""Staff sign-in: /console/login and POST /console/logout, the session clock, and the helpers every
page uses: is_staff(), current_staff() and the require_role() decorator.

The session (Flask's signed cookie) holds the staff id, the account's session nonce (changed on
logout, deactivation and password change, so an old cookie stops working), when the session
started and when it was last used. It ends after KB_SESSION_MINUTES without activity, and after
MAX_SESSION_HOURS whatever happens.
"""
from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.console.accounts import InvalidLogin, LoginThrottled, Role, Staff, StaffAccounts, normalise_email
from app.web.deps import services

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/console")

SESSION_KEYS = ("staff_id", "staff_nonce", "staff_since", "staff_seen")
MAX_SESSION_HOURS = 12
#: Refresh the last-seen time at most this often, so the cookie is not rewritten on every request.
TOUCH_SECONDS = 30
EMAIL_MAX = 254
PASSWORD_MAX = 1024  # longer input is refused before it reaches the (deliberately slow) hash

F = TypeVar("F", bound=Callable[..., Any])


def accounts() -> StaffAccounts:
    return services().staff


def _now() -> float:
    return time.time()


def _end_session() -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)
    g.kb_staff = None


def _session_staff() -> Staff | None:
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    now = _now()
    idle = now - float(session.get("staff_seen", 0))
    age = now - float(session.get("staff_since", 0))
    if idle > int(current_app.config["KB_SESSION_MINUTES"]) * 60 or age > MAX_SESSION_HOURS * 3600:
        logger.info("staff %s session expired", staff_id)
        _end_session()
        g.kb_session_expired = True
        return None
    staff = accounts().get(int(staff_id))
    nonce = str(session.get("staff_nonce", ""))
    if staff is None or not staff.active or not hmac.compare_digest(staff.session_nonce, nonce):
        _end_session()
        return None
    if idle > TOUCH_SECONDS:
        session["staff_seen"] = int(now)
    return staff


def current_staff() -> Staff | None:
    """The signed-in staff member for this request, or None (no session, expired, or deactivated)."""
    if "kb_staff" not in g:
        g.kb_staff = _session_staff()
    return g.kb_staff


def is_staff() -> bool:
    """For templates and public pages: any failure (say, the database is down) means "not staff"."""
    try:
        return current_staff() is not None
    except Exception:
        logger.exception("could not check the staff session")
        return False


def has_role(*roles: Role | str) -> bool:
    staff = current_staff()
    return staff is not None and staff.has_role(*roles)


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console: never another site, whatever the query string says."""
    if not target:
        return None
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith("/console")
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):  # no header injection via Location
        return None
    if parts.path.rstrip("/") in ("/console/login", "/console/logout"):
        return None
    return target


def deny() -> Response:
    """What an anonymous request to a staff-only page gets: the login page (or 401 for JSON)."""
    if getattr(g, "kb_session_expired", False):
        flash("Your session expired. Please sign in again.", "info")
    if request.path.startswith("/console/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": "Sign in as staff to use this.", "status": 401}), 401  # type: ignore[return-value]
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=safe_next(target.rstrip("?") if target else None)))


def require_staff() -> Response | None:
    """before_request of every staff-only blueprint: deny unless someone is signed in."""
    if current_staff() is None:
        return deny()
    return None


def require_role(*roles: Role | str) -> Callable[[F], F]:
    """Let the view run only for signed-in staff with one of ``roles`` (else login, or 403)."""
    wanted = tuple(Role(r) for r in roles)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return deny()
            if not staff.has_role(*wanted):
                logger.warning("staff %d (%s) refused %s", staff.id, staff.role, request.endpoint)
                abort(403, description="Your role does not allow this.")
            return view(*args, **kwargs)

        wrapped.kb_roles = wanted  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


#: A browser that signed in to an account carries this signed cookie (the accounts it signed in to), so
#: guessing that account's password from elsewhere never slows its owner down here.
DEVICE_COOKIE = "kb_device"
DEVICE_DAYS = 90
DEVICE_ACCOUNTS = 5


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="kb-staff-device")


def _device_accounts() -> list[str]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        accounts = _devices().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def _remember_device(resp: Response, email: str) -> Response:
    accounts = [email, *(a for a in _device_accounts() if a != email)][:DEVICE_ACCOUNTS]
    resp.set_cookie(DEVICE_COOKIE, _devices().dumps(accounts), max_age=DEVICE_DAYS * 86400, path="/console",
                    httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return resp


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(next_url or url_for("console.queue"))
        return render_template("console/login.html", next=next_url, email="", error=None)
    email = (request.form.get("email") or "").strip()[:EMAIL_MAX]
    password = request.form.get("password") or ""
    try:
        if len(password) > PASSWORD_MAX:
            raise InvalidLogin()
        staff = accounts().authenticate(email, password, request.remote_addr or "unknown",
                                        trusted=normalise_email(email) in _device_accounts())
    except LoginThrottled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        error = f"Too many failed sign-in attempts. Try again in about {minutes} minute{'s' if minutes > 1 else ''}."
        resp = current_app.make_response(
            (render_template("console/login.html", next=next_url, email=email, error=error), 429))
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except InvalidLogin:
        return render_template("console/login.html", next=next_url, email=email,
                               error="That email and password do not match an active staff account."), 401
    session.clear()  # a fresh session (and CSRF token) at sign-in: no fixation
    now = int(_now())
    session.update(staff_id=staff.id, staff_nonce=staff.session_nonce, staff_since=now, staff_seen=now)
    g.kb_staff = staff
    flash(f"Signed in as {staff.email}.", "info")
    return _remember_device(redirect(next_url or url_for("console.queue")), staff.email)


@bp.post("/logout")
def logout():
    staff = current_staff()
    if staff is not None:
        accounts().end_sessions(staff.id)  # the cookie is useless from now on, even if copied
        logger.info("staff %d signed out", staff.id)
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    from app.web.staff_cli import staff_cli

    app.register_blueprint(bp)
    # Looked up at call time, so tests that patch auth.is_staff see the same answer in templates.
    app.jinja_env.globals.update(is_staff=lambda: is_staff(), current_staff=lambda: current_staff(),
                                 has_role=has_role, Role=Role)
    app.cli.add_command(staff_cli)
