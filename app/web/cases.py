"""Raise a case (two doors and the form), its confirmation, and the raiser's tracking page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import TooManyRequests

from app.accounts.store import Account
from app.cases import CaseClosed, CaseNotFound
from app.cases.forms import CHECKBOXES, FIELD_BY_NAME, FIELDS, trim, validate_case_form
from app.cases.portal import ReopenWindowClosed, can_reopen, reopen_deadline
from app.cases.records import Case
from app.cases.routing import SERVICE_USERS, derive_routing
from app.cases.sla import describe_due, target_for
from app.cases.store import MAX_COMMENT
from app.search.matching import ListMatcher
from app.search.synonyms import Synonyms
from app.servicemodel import LEVELS, ServiceModel
from app.web.account_auth import current_account, keep_draft, sign_in_first, take_draft
from app.web.deps import services
from app.web.ratelimit import rate_limit

logger = logging.getLogger(__name__)

bp = Blueprint("cases", __name__)

PREFILL = ("category", "subcategory", "impact", "urgency", "subject", "description", "conversation_id")


def client_key(action: str) -> str:
    """Rate-limit key per client address (the proxy set-up decides what remote_addr holds)."""
    return f"{action}:{request.remote_addr or 'unknown'}"


def allowed(action: str) -> bool:
    """Count one hit against ``action``'s rate limit; False once it is exceeded."""
    return services().case_store.hit(client_key(action), *rate_limit(action))


def retry_after(action: str) -> int:
    """Seconds until the fixed window of ``action``'s limit starts again."""
    window = rate_limit(action)[1]
    return window - int(services().case_store.now().timestamp()) % window


def enforce(action: str, message: str) -> None:
    """429 with Retry-After once this client has used up the limit of ``action``."""
    if not allowed(action):
        raise TooManyRequests(message, retry_after=retry_after(action))


def raisers_case(reference: str, token: str) -> Case:
    """The case for the raiser holding its token. A wrong token counts against this client: once it has
    failed its "case-token" limit in the window, every check answers 429 until the window ends."""
    count, window = rate_limit("case-token")
    store = services().case_store
    if store.hits(client_key("case-token"), window) >= count:
        raise TooManyRequests("Too many wrong case links from your network. Please try again later.",
                              retry_after=retry_after("case-token"))
    try:
        return store.get_case(reference, token)
    except CaseNotFound:
        allowed("case-token")
        raise


def case_view(case: Case) -> dict[str, Any]:
    """What the raiser sees about the SLA clock, for templates and JSON alike."""
    now = services().case_store.now()
    return {
        "target": target_for(case.priority).text,
        "due_text": describe_due(case.sla_due_at),
        "sla_state": case.sla_state(now).value,
    }


def private(resp: Response) -> Response:
    """Pages whose URL or body holds a case token: never cached, never indexed, no referrer."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _category_groups(model: ServiceModel) -> list[tuple[str, list[str]]]:
    incident = list(dict.fromkeys(c.category for c in model.incident_categories.values()))
    return [
        ("DIP scenarios", model.scenario_categories()),
        ("Incidents", incident),
        ("Service requests", [SERVICE_USERS]),
    ]


def _subcategory_groups(model: ServiceModel) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for c in model.incident_categories.values():
        groups.setdefault(c.category, []).append(c.subcategory)
    return list(groups.items())


def _form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    model = services().model
    routing = None if errors.keys() & {"category", "scenario_id"} else derive_routing(values, model)
    sid = values.get("scenario_id") or ""
    return {
        "values": values,
        "errors": errors,
        "fields": FIELD_BY_NAME,
        "field_order": [f.name for f in FIELDS],
        "category_groups": _category_groups(model),
        "subcategory_groups": _subcategory_groups(model),
        "levels": LEVELS,
        "impact_labels": model.impact_labels,
        "impact_definitions": model.impact_definitions,
        "urgency_labels": model.urgency_labels,
        "routing": routing,
        "target": target_for(routing.priority).text if routing else None,
        "scenario": model.scenarios.get(sid),
        "service_request": model.service_requests.get(sid),
        "conversation_id": values.get("conversation_id") or "",
    }


_matchers: dict[int, tuple[Synonyms, ListMatcher]] = {}


def _catalogue_matcher(model: ServiceModel, synonyms: Synonyms) -> ListMatcher:
    """Service requests and routed DIP scenarios, matched with search's synonyms; rebuilt when those change."""
    cached = _matchers.get(id(model))
    if cached is None or cached[0] is not synonyms:
        texts = {sr.id: f"{sr.id} {sr.name} {sr.description}" for sr in model.service_requests.values()}
        texts |= {sc.id: f"{sc.id} {sc.category} {sc.description}" for sc in model.scenarios.values()
                  if not sc.self_help_only}
        cached = _matchers[id(model)] = (synonyms, ListMatcher(texts, synonyms))
    return cached[1]


@bp.get("/cases/new")
def new():
    """The two doors: report a service issue, or request a service from the catalogue."""
    s = services()
    model = s.model
    q = (request.args.get("q") or "").strip()[:100]
    found = _catalogue_matcher(model, s.search.synonyms).matches(q)
    requests = [model.service_requests[i] for i in found if i in model.service_requests]
    return render_template(
        "cases/new.html",
        q=q,
        service_requests=requests,
        scenarios=[model.scenarios[i] for i in found if i in model.scenarios] if q else [],
        total_requests=len(model.service_requests),
        category_groups=_category_groups(model)[:2],
        subcategory_groups=_subcategory_groups(model),
        levels=LEVELS,
        impact_labels=model.impact_labels,
        impact_definitions=model.impact_definitions,
        urgency_labels=model.urgency_labels,
    )


def profile_values(account: Account) -> dict[str, Any]:
    """The case form's "Requested by" and organisation fields, from the raiser's account."""
    values: dict[str, Any] = {"name": account.name, "email": account.email}
    org = account.organisation
    if org is not None:
        values.update(organisation=org.name, party_id=org.party_id,
                      market_participant_id=org.market_participant_ids[0] if org.market_participant_ids else "",
                      no_market_participant_id="" if org.market_participant_ids else "on",
                      cra_market_role=org.roles[0] if org.roles else "")
    else:
        values.update(no_party_id="on", unregistered_organisation=account.unregistered_organisation or "",
                      no_organisation_name="" if account.unregistered_organisation else "on",
                      no_market_participant_id="on")
    return values


def _prefill(data: Any) -> dict[str, Any]:
    """What a door or the assistant handed over (query string, form or kept draft), cleaned for the form."""
    values: dict[str, Any] = {
        name: (data.get(name) or "").strip()[: FIELD_BY_NAME[name].max_length]
        if name in FIELD_BY_NAME
        else (data.get(name) or "").strip()[:40]
        for name in PREFILL
    }
    values["scenario_id"] = (
        (data.get("scenario") or data.get("sr") or data.get("scenario_id") or "").strip().upper()[:20]
    )
    model = services().model
    sr = model.service_requests.get(values["scenario_id"])
    if sr is not None:
        values["category"] = values["category"] or sr.category
        values["subject"] = values["subject"] or sr.name
    scenario = model.scenarios.get(values["scenario_id"])
    if scenario is not None:
        values["category"] = values["category"] or scenario.category
    for level in ("impact", "urgency"):
        values[level] = values[level].capitalize() if values[level].capitalize() in LEVELS else ""
    return values


def _handed_over(data: Any, account: Account) -> dict[str, Any]:
    """The form as the raiser first sees it: their profile, then anything typed or handed over on top."""
    typed = {k: str(v) for k, v in data.items()
             if (k in FIELD_BY_NAME or k in CHECKBOXES) and k not in PREFILL and str(v).strip()}
    handed = {k: v for k, v in _prefill(data).items() if v}
    return {**profile_values(account), **typed, **handed, "email": account.email}


@bp.get("/cases/form")
def form():
    """The case form, pre-filled from the profile and the door chosen or the assistant's draft. Raising a case
    needs an account (section 4.2): without one, what was handed over is kept while the visitor signs in."""
    account = current_account()
    if account is None:
        if request.args:
            keep_draft(request.args.to_dict())
        return sign_in_first(url_for("cases.form"), "Sign in, or register, to raise a case. "
                                                     "What you have written so far is kept.")
    data = request.args.to_dict() or take_draft()
    return render_template("cases/form.html", **_form_context(_handed_over(data, account), {}))


@bp.post("/cases/form")
def submit():
    account = current_account()
    if account is None:  # a hand-over (or a form left open until the session ended): keep it through sign-in
        keep_draft(request.form.to_dict())
        return sign_in_first(url_for("cases.form"), "Sign in, or register, to raise a case. "
                                                     "What you have written so far is kept.")
    form_data = request.form
    action = form_data.get("action")
    if action not in ("submit", "preview"):  # a hand-over posted from the assistant
        return render_template("cases/form.html", **_form_context(_handed_over(form_data, account), {}))
    data = {**form_data.to_dict(), "email": account.email}  # mail goes to the verified address only
    clean, errors = validate_case_form(data, services().model)
    typed = {key: value for key, value in data.items() if key != "csrf_token"}
    if clean.get("party_id") and not typed.get("party_id"):
        typed["party_id"] = clean["party_id"]  # filled from "Organisation name/Party ID": show it
    if action == "preview":
        # "Check priority" without JavaScript: show routing for what is chosen so far, no errors yet.
        preview = {**typed, "impact": clean.get("impact") or "", "urgency": clean.get("urgency") or ""}
        return render_template("cases/form.html", **_form_context(preview, {}), previewed=True)
    if errors:
        return render_template("cases/form.html", **_form_context(typed, errors)), 400
    enforce("case-create", "Too many cases from your network in the last hour. Please try again later.")
    case, token = services().cases.raise_case({**clean, "account_id": account.id,
                                               "organisation_id": account.organisation_id})
    session["case_created"] = {"reference": case.reference, "token": token}
    return redirect(url_for("cases.confirmation"), code=303)


@bp.get("/cases/confirmation")
def confirmation():
    created = session.get("case_created")
    if not created:
        return redirect(url_for("cases.new"))
    try:
        case = services().case_store.get_case(created["reference"], created["token"])
    except CaseNotFound:
        session.pop("case_created", None)
        return redirect(url_for("cases.new"))
    link = url_for("cases.track", reference=case.reference, token=None if case.account_id else created["token"])
    return private(make_response(render_template("cases/confirmation.html", case=case, link=link, **case_view(case))))


NOT_FOUND = "We could not find that case. Check the link in your email, or find it under My cases."


def _raisers_case(reference: str, token: str) -> tuple[Case, Account | None]:
    """The case by its old tracking token, or as the signed-in account (or its organisation) may see it.
    404 alike for a case that does not exist and one that is someone else's."""
    account = None
    try:
        if token:
            return raisers_case(reference, token), None  # wrong tokens count against the client
        account = current_account()
        if account is None:
            raise CaseNotFound(reference)
        return services().case_store.get_case_for_account(reference, *account.scope), account
    except CaseNotFound:
        abort(404, description=NOT_FOUND)


def _render_track(case: Case, token: str, account: Account | None, *, errors: dict[str, str] | None = None,
                  comment: str = "", reason: str = "", status: int = 200) -> Response:
    s = services()
    links = [s.content.get_article(link.slug) for link in s.console.links_for_case(case.id)]
    now = s.case_store.now()
    html = render_template(
        "cases/track.html", case=case, token=token, errors=errors or {}, comment=comment, reason=reason,
        articles=[a for a in links if a is not None and a.is_public], account=account,
        can_reopen=account is not None and can_reopen(case, now),
        reopen_until=reopen_deadline(case.resolved_at) if case.resolved_at else None, **case_view(case))
    return private(make_response(html, status))


@bp.get("/cases/<reference>")
def track(reference: str):
    token = request.args.get("token", "")
    if not token and current_account() is None:
        return sign_in_first(message="Sign in to see your case.")
    case, account = _raisers_case(reference, token)
    return _render_track(case, token, account)


@bp.post("/cases/<reference>/comments")
def comment(reference: str):
    token = request.form.get("token", "")
    body = trim(request.form.get("body") or "")
    case, account = _raisers_case(reference, token)
    error = ""
    if not body:
        error = "Enter your comment"
    elif len(body) > MAX_COMMENT:
        error = f"Your comment must be {MAX_COMMENT:,} characters or fewer"
    if error:
        return _render_track(case, token, account, errors={"body": error}, comment=body, status=400)
    enforce("case-comment",
            "Too many comments from your network in the last hour. Please try again later.")
    try:
        services().cases.comment_as_raiser(reference, token, body, account.scope if account else None)
    except CaseClosed:
        return _render_track(case, token, account, comment=body, status=409,
                             errors={"body": "This case is closed. Please raise a new case."})
    flash("Your comment has been added.", "success")
    return redirect(url_for("cases.track", reference=case.reference, token=token or None, _anchor="history"),
                    code=303)


@bp.post("/cases/<reference>/reopen")
def reopen(reference: str):
    """The raiser reopens a resolved case within 10 business days of its resolution, saying why."""
    account = current_account()
    if account is None:
        return sign_in_first(url_for("cases.track", reference=reference))
    case, _ = _raisers_case(reference, "")
    reason = (request.form.get("reason") or "").strip()
    if not reason or len(reason) > MAX_COMMENT:
        message = "Say why the case needs reopening" if not reason else \
            f"Your reason must be {MAX_COMMENT:,} characters or fewer"
        return _render_track(case, "", account, errors={"reason": message}, reason=reason, status=400)
    try:
        services().cases.reopen(case.reference, reason, account.scope, account.email)
    except ReopenWindowClosed:
        return _render_track(case, "", account, reason=reason, status=409, errors={
            "reason": "This case can no longer be reopened (only within 10 business days of its resolution). "
                      "Please raise a new case."})
    flash("Your case has been reopened: the service desk will pick it up again.", "success")
    return redirect(url_for("cases.track", reference=case.reference, _anchor="history"), code=303)


@bp.route("/cases/link", methods=["GET", "POST"])
def lost_link():
    """Send a fresh tracking link to the case's own email address (answers the same either way)."""
    if request.method == "GET":
        return render_template("cases/link.html", values={}, errors={}, sent=False)
    reference = (request.form.get("reference") or "").strip()[:20]
    email = (request.form.get("email") or "").strip()[:254]
    errors = {}
    if not reference:
        errors["reference"] = "Enter your case reference, like CS0001234"
    if not email:
        errors["email"] = "Enter the email address you raised the case with"
    if errors:
        return render_template(
            "cases/link.html", values={"reference": reference, "email": email}, errors=errors, sent=False
        ), 400
    enforce("case-link", "Too many requests from your network in the last hour. Please try again later.")
    sent = services().cases.resend_link(reference, email)
    current_app.logger.info("lost-link request %s", "matched" if sent else "did not match")
    return render_template("cases/link.html", values={}, errors={}, sent=True)


@bp.app_template_filter("london_time")
def london_time(moment: Any) -> str:
    """An aware datetime as UK local time, e.g. 'Mon 24 Nov 2025, 09:00'."""
    from app.cases.sla import LONDON

    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


@bp.cli.command("retry-mail")
def retry_mail_command() -> None:
    """Send now every email still waiting (SMTP down earlier): the case emails in the outbox table, and one-time
    codes kept in outbox/pending. The server's worker retries by itself; this is for when you know SMTP is back."""
    sent = services().outbox.deliver(limit=100_000, retry_all=True)
    delivered, waiting = services().mailer.retry_pending()
    click.echo(f"{sent + delivered} delivered, {services().outbox.pending() + waiting} still pending")


@bp.cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace PATH if it already exists.")
def backup_command(path: Path, yes: bool) -> None:
    """Back up the cases database to PATH while the site keeps running (SQLite backup API or pg_dump)."""
    from app.cases.backup import BackupError, backup

    try:
        report = backup(services().case_store.engine, path, overwrite=yes)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up to {report.path}: {report.summary()}")


@bp.cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that already holds cases or other records.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the cases database (KB_DATABASE_URL) with the backup at PATH; stop the site first."""
    from app.cases.backup import BackupError, restore

    try:
        report = restore(services().case_store.engine, path, overwrite=yes)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored from {report.path}: {report.summary()}")
