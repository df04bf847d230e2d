"""Participant accounts at /account: register and sign in with a one-time code, sign out (everywhere),
my cases, the organisation's members, personal access tokens; and the privacy and terms pages."""
from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from app.accounts.store import CODE_TRIES, Account, InvalidAccount
from app.cases.forms import is_valid_email, parse_bool
from app.cases.portal import reopen_deadline
from app.web.account_auth import (
    current_account,
    end_session,
    safe_next,
    sign_in_first,
    signed_in_account,
    start_session,
)
from app.web.cases import allowed, case_view
from app.web.deps import services
from app.web.ratelimit import rate_limit

logger = logging.getLogger(__name__)

bp = Blueprint("account", __name__)

SENT = "We have sent a 6-digit code to {email}. It works for 10 minutes. Check your inbox (and spam folder)."
SENT_LOGIN = ("If {email} has an account, we have sent a 6-digit code to it. It works for 10 minutes. "
              "No code? Check the address, or register.")
BAD_CODE = ("That code is not right, or it has expired. Check it, or get a new code (a code works for 10 minutes "
            f"and {CODE_TRIES} tries).")
TOO_MANY = "Too many codes asked for. Please wait an hour and try again."
FIELD_MAX = {"first_name": 100, "last_name": 100, "email": 254, "code": 10, "org_q": 100, "party_id": 40,
             "unregistered_organisation": 200}


def _form() -> dict[str, Any]:
    values: dict[str, Any] = {k: " ".join((request.form.get(k) or "").split())[:n] for k, n in FIELD_MAX.items()}
    values["email"] = values["email"].lower()
    values["no_party_id"] = parse_bool(request.form.get("no_party_id"))
    values["accept"] = parse_bool(request.form.get("accept"))
    return values


def _send_code(email: str, purpose: str, account: Account | None) -> bool:
    """Email a code (or, when registering an address that already has an account, a note to sign in instead).
    Rate-limited per client address and per email address; False when a limit is reached."""
    if not allowed("code-address"):
        return False
    key = f"code-email:{email.lower()}"
    if not services().case_store.hit(key, *rate_limit("code-email")):
        return False
    mailer = services().mailer
    sign_in = services().config["KB_BASE_URL"].rstrip("/") + url_for("account.login")
    if purpose == "register" and account is not None:
        mailer.send(email, "You already have an MHHS Service Desk account",
                    f"Someone (we hope you) asked to register {email}, which already has an account.\n\n"
                    f"Sign in instead: {sign_in}\n\nIf it was not you, you can ignore this email.")
    elif purpose == "login" and account is None:
        pass  # nothing to sign in to; the page says the same as when a code was sent
    else:
        code = services().accounts.issue_code(email, purpose)
        mailer.send(email, f"Your MHHS Service Desk code: {code}",
                    f"Your one-time code is {code}\n\nIt works for 10 minutes. If you did not ask for it, "
                    "ignore this email: nobody can use it without access to your inbox.")
    return True


# -- registration --------------------------------------------------------------------------------------
@bp.route("/account/register", methods=["GET", "POST"])
def register():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_account() is not None:
            return redirect(next_url or url_for("account.cases"))
        return _render_register({"no_party_id": False, "accept": False}, {}, next_url)
    values = _form()
    action = request.form.get("action", "register")
    errors: dict[str, str] = {}
    if action == "search":
        return _render_register(values, {}, next_url, searched=True)
    if not values["first_name"]:
        errors["first_name"] = "Enter your first name"
    if not values["last_name"]:
        errors["last_name"] = "Enter your last name"
    if not is_valid_email(values["email"]):
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if action == "get_code":
        if errors:
            return _render_register(values, errors, next_url, status=400)
        if not _send_code(values["email"], "register", services().accounts.by_email(values["email"])):
            return _render_register(values, {"code": TOO_MANY}, next_url, status=429)
        return _render_register(values, {}, next_url, sent=SENT.format(email=values["email"]))
    org = services().accounts.organisation_by_party_id(values["party_id"]) if values["party_id"] else None
    if values["no_party_id"]:
        if not values["unregistered_organisation"]:
            errors["unregistered_organisation"] = "Enter your organisation's name"
    elif not values["party_id"]:
        errors["party_id"] = "Choose your organisation, or tick 'I do not have a Party ID'"
    elif org is None:
        errors["party_id"] = ("We do not know that Party ID. Search for your organisation, or tick "
                              "'I do not have a Party ID'")
    if not values["accept"]:
        errors["accept"] = "Confirm you have read the privacy policy and accept the terms and conditions"
    if not values["code"]:
        errors["code"] = "Enter the 6-digit code we emailed you (press 'Get code' first)"
    if errors:
        return _render_register(values, errors, next_url, status=400)
    if not services().accounts.check_code(values["email"], "register", values["code"]):
        return _render_register({**values, "code": ""}, {"code": BAD_CODE}, next_url, status=400)
    try:
        account = services().accounts.add(values["email"], values["first_name"], values["last_name"],
                                          party_id=None if values["no_party_id"] else values["party_id"],
                                          unregistered_organisation=values["unregistered_organisation"])
    except InvalidAccount as exc:
        return _render_register(values, {exc.field: str(exc)}, next_url, status=400)
    start_session(account)
    flash(f"Welcome, {account.first_name}: your account is ready.", "success")
    return redirect(next_url or url_for("account.cases"), code=303)


def _render_register(values: dict[str, Any], errors: dict[str, str], next_url: str | None, *, status: int = 200,
                     sent: str | None = None, searched: bool = False):
    q = values.get("org_q") or ""
    found = services().accounts.search_organisations(q) if searched and q else []
    chosen = services().accounts.organisation_by_party_id(values["party_id"]) if values.get("party_id") else None
    return render_template("account/register.html", values=values, errors=errors, next=next_url, sent=sent,
                           found=found, searched=searched, chosen=chosen), status


# -- sign in and out ---------------------------------------------------------------------------------------
@bp.route("/account/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_account() is not None:
            return redirect(next_url or url_for("account.cases"))
        return render_template("account/login.html", values={}, errors={}, next=next_url, sent=None)
    values = _form()
    email = values["email"]
    if not is_valid_email(email):
        return render_template("account/login.html", values=values, next=next_url, sent=None,
                               errors={"email": "Enter your email address, like name@example.com"}), 400
    account = services().accounts.by_email(email)
    if request.form.get("action") == "get_code":
        if not _send_code(email, "login", account):
            return render_template("account/login.html", values=values, errors={"code": TOO_MANY}, next=next_url,
                                   sent=None), 429
        return render_template("account/login.html", values=values, errors={}, next=next_url,
                               sent=SENT_LOGIN.format(email=email))
    if not values["code"]:
        return render_template("account/login.html", values=values, next=next_url, sent=None,
                               errors={"code": "Enter the 6-digit code we emailed you (press 'Get code' first)"}), 400
    if account is None or not services().accounts.check_code(email, "login", values["code"]):
        return render_template("account/login.html", values={**values, "code": ""}, errors={"code": BAD_CODE},
                               next=next_url, sent=None), 400
    start_session(account)
    flash(f"Signed in as {account.email}.", "info")
    return redirect(next_url or url_for("account.cases"), code=303)


@bp.post("/account/logout")
def logout():
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("account.login"), code=303)


@bp.post("/account/logout-everywhere")
def logout_everywhere():
    account = current_account()
    if account is not None:
        services().accounts.end_sessions(account.id)
        logger.info("account %d signed out everywhere", account.id)
    end_session()
    flash("You have signed out on every device.", "info")
    return redirect(url_for("account.login"), code=303)


# -- my cases and the organisation's ---------------------------------------------------------------------
SHOW = {"open": True, "resolved": False, "all": None}


@bp.get("/account/cases")
def cases():
    account = current_account()
    if account is None:
        return sign_in_first()
    show = request.args.get("show", "all") if request.args.get("show") in SHOW else "all"
    organisation = request.args.get("scope") == "organisation" and account.sees_organisation
    found = services().case_store.list_for_account(account.id, account.organisation_id if organisation else None,
                                                   SHOW[show])
    return render_template("account/cases.html", account=account, cases=found, show=show, organisation=organisation,
                           views={c.reference: case_view(c) for c in found})


@bp.route("/account/organisation", methods=["GET", "POST"])
def organisation():
    account = current_account()
    if account is None:
        return sign_in_first()
    if not account.org_admin or account.organisation is None:
        abort(404)
    if request.method == "POST":
        member = request.form.get("member", type=int) or 0
        if not services().accounts.set_viewer(account, member, request.form.get("viewer") == "yes"):
            abort(404)
        flash("Saved.", "info")
        return redirect(url_for("account.organisation"), code=303)
    return render_template("account/organisation.html", account=account,
                           members=services().accounts.members(account.organisation.id))


# -- personal access tokens ------------------------------------------------------------------------------
@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens():
    account = current_account()
    if account is None:
        return sign_in_first()
    created = None
    if request.method == "POST":
        _, created = services().accounts.create_token(account.id, request.form.get("name") or "")
    return render_template("account/tokens.html", tokens=services().accounts.tokens(account.id), created=created)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    account = current_account()
    if account is None:
        return sign_in_first(url_for("account.tokens"))
    if not services().accounts.revoke_token(account.id, token_id):
        abort(404)
    flash("Token revoked: it no longer works.", "info")
    return redirect(url_for("account.tokens"), code=303)


# -- policies ------------------------------------------------------------------------------------------------
@bp.get("/privacy")
def privacy():
    return render_template("account/privacy.html")


@bp.get("/terms")
def terms():
    return render_template("account/terms.html")


@bp.after_request
def _no_store(resp):
    """Account pages show personal data (and a new token once): never kept by a proxy or the browser's cache."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    from app.web.account_cli import account_cli, org_cli

    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_account=signed_in_account, reopen_deadline=reopen_deadline)
    app.cli.add_command(account_cli)
    app.cli.add_command(org_cli)
