"""Major incidents in public: /status, /status/<reference>, the Atom feed, GET /api/status, following by email,
and the banner on every page while one is open. Everything works without JavaScript."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.cases.db import describe
from app.cases.sla import describe_due, target_for
from app.incidents import Incident, IncidentNotFound, InvalidIncident
from app.incidents.reports import describe_duration
from app.incidents.status import service_states
from app.web import console_incidents
from app.web.account_auth import current_account
from app.web.cases import enforce
from app.web.deps import services
from app.web.incident_cli import incident_cli
from app.web.openapi import ERROR, _json, register_paths

logger = logging.getLogger(__name__)

bp = Blueprint("status", __name__)

#: Resolved incidents stay on the status page, the feed and the API this long.
RECENT = timedelta(days=30)


def _incidents():
    return services().incidents


def _now() -> datetime:
    return _incidents().store.now()


def _recent() -> list[Incident]:
    """Open incidents and those resolved or closed in the last 30 days, newest first."""
    return _incidents().store.list(since=_now() - RECENT)


def _incident_or_404(reference: str) -> Incident:
    try:
        return _incidents().store.get(reference)
    except IncidentNotFound:
        abort(404, description=f"There is no major incident {reference[:20]}.")


def _view(incident: Incident, now: datetime) -> dict[str, Any]:
    names = _incidents().catalogue.services
    return {"incident": incident, "service_names": [names[s].name if s in names else s for s in incident.services],
            "sla_status": incident.sla_status(now).value, "due_text": describe_due(incident.sla_due_at),
            "target": target_for(incident.severity).text}


@bp.get("/status")
def index():
    now = _now()
    incidents = _recent()
    return render_template("status/index.html", services=service_states(_incidents().catalogue, incidents),
                           open=[_view(i, now) for i in incidents if i.is_open],
                           resolved=[_view(i, now) for i in incidents if not i.is_open])


def _render_incident(incident: Incident, *, errors: dict[str, str] | None = None, email: str = "",
                     status: int = 200):
    return render_template("status/incident.html", **_view(incident, _now()), errors=errors or {},
                           email=email), status


@bp.get("/status/<reference>")
def incident(reference: str):
    return _render_incident(_incident_or_404(reference))


@bp.post("/status/<reference>/follow")
def follow(reference: str):
    """A signed-in participant follows in one click, at their verified address; anyone else leaves an address
    and gets a confirmation link, and nothing more until it is clicked."""
    incident = _incident_or_404(reference)
    account = current_account()
    if account is not None:
        _incidents().follow_signed_in(incident.reference, account.email)
        flash(f"Following {incident.reference}: every update and the resolution go to {account.email}.", "info")
        return redirect(url_for("status.incident", reference=incident.reference))
    email = (request.form.get("email") or "").strip()[:254]
    try:
        if "@" not in email:  # only requests that would send an email count against the limit
            raise InvalidIncident("email", "Enter a valid email address, like name@example.com.")
        enforce("incident-follow", "Too many follow requests from your network. Please try later.")
        _incidents().follow_by_email(incident.reference, email)
    except InvalidIncident as exc:
        return _render_incident(incident, errors={"email": exc.message}, email=email, status=400)
    flash(f"Check your inbox: we sent a link to {email} to confirm you want updates on {incident.reference}. "
          "If you already confirmed, nothing changes.", "info")
    return redirect(url_for("status.incident", reference=incident.reference))


@bp.get("/status/follow/<token>")
def confirm(token: str):
    found = _incidents().confirm_follower(token)
    if found is None:
        abort(404, description="This confirmation link is not valid: you may have unfollowed since. "
                               "Follow the incident again from its status page.")
    follower, incident = found
    return render_template("status/followed.html", incident=incident, follower=follower)


@bp.route("/status/unfollow/<token>", methods=["GET", "POST"])
def unfollow(token: str):
    """GET asks (so that link scanners in mail systems unfollow nobody); the button POSTs."""
    found = _incidents().store.follower(token)
    if request.method == "POST":
        done = _incidents().unfollow(token)
        return render_template("status/unfollowed.html", incident=found[1] if found else None, done=done)
    if found is None:
        return render_template("status/unfollowed.html", incident=None, done=False)
    return render_template("status/unfollow.html", incident=found[1], follower=found[0], token=token)


@bp.get("/status/feed.atom")
def feed():
    now = _now()
    incidents = _recent()
    entries = sorted(((i, u) for i in incidents for u in i.public_updates), key=lambda e: e[1].created_at,
                     reverse=True)
    body = render_template("status/feed.xml", entries=entries, updated=entries[0][1].created_at if entries else now,
                           base_url=services().config["KB_BASE_URL"].rstrip("/"))
    return Response(body, mimetype="application/atom+xml")


def incident_json(incident: Incident, now: datetime) -> dict[str, Any]:
    return {
        "reference": incident.reference, "title": incident.title, "severity": incident.severity,
        "state": incident.state.value, "started_at": incident.started_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "services": list(incident.services), "impact": incident.impact, "next_steps": incident.next_steps,
        "sla_due": incident.sla_due_at.isoformat(), "sla_status": incident.sla_status(now).value,
        "url": url_for("status.incident", reference=incident.reference),
        "updates": [{"at": u.created_at.isoformat(), "text": u.text} for u in incident.public_updates],
    }


@bp.get("/api/status")
def api_status():
    now = _now()
    incidents = _recent()
    return jsonify({
        "services": [{"id": s.id, "name": s.name, "state": s.state.value}
                     for s in service_states(_incidents().catalogue, incidents)],
        "incidents": [incident_json(i, now) for i in incidents],
    })


@bp.get("/api/status/<reference>")
def api_incident(reference: str):
    return jsonify(incident_json(_incident_or_404(reference), _now()))


@bp.after_request
def _cache(resp: Response) -> Response:
    """Status changes by the minute: caches must ask again."""
    if request.path.startswith(("/status", "/api/status")):
        resp.headers["Cache-Control"] = "no-cache"
    return resp


def open_incidents() -> list[Incident]:
    """For the banner on every page: any failure (the database is down) means no banner, never a broken page."""
    try:
        return _incidents().store.list(open_only=True)
    except Exception as exc:  # logged briefly: with the database down this happens on every page
        logger.warning("no incident banner: could not read open incidents (%s)", describe(exc))
        return []


STATUS_INCIDENT = {"type": "object", "required": [
    "reference", "title", "severity", "state", "started_at", "resolved_at", "services", "impact", "next_steps",
    "sla_due", "sla_status", "url", "updates"], "properties": {
    "reference": {"type": "string"}, "title": {"type": "string"}, "severity": {"enum": ["P1", "P2"]},
    "state": {"enum": ["open", "resolved", "closed"]}, "started_at": {"type": "string"},
    "resolved_at": {"type": ["string", "null"]}, "services": {"type": "array", "items": {"type": "string"}},
    "impact": {"type": "string"}, "next_steps": {"type": ["string", "null"]}, "sla_due": {"type": "string"},
    "sla_status": {"enum": ["In SLA", "Breached"]}, "url": {"type": "string"},
    "updates": {"type": "array", "items": {"type": "object", "required": ["at", "text"], "properties": {
        "at": {"type": "string"}, "text": {"type": "string"}}}}}}

register_paths({
    "/api/status": {"get": {
        "summary": "Service states derived from open major incidents; open incidents and those of the last 30 days",
        "responses": {"200": _json({"type": "object", "required": ["services", "incidents"], "properties": {
            "services": {"type": "array", "items": {"type": "object", "required": ["id", "name", "state"],
                                                    "properties": {"id": {"type": "string"},
                                                                   "name": {"type": "string"},
                                                                   "state": {"enum": ["operational", "degraded",
                                                                                      "outage"]}}}},
            "incidents": {"type": "array", "items": STATUS_INCIDENT}}})}}},
    "/api/status/{reference}": {"get": {
        "summary": "One major incident with its public updates",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json(STATUS_INCIDENT), "404": _json(ERROR, "No such incident")}}},
})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(console_incidents.bp)
    app.cli.add_command(incident_cli)
    app.jinja_env.globals["open_incidents"] = open_incidents
    app.jinja_env.filters["duration"] = describe_duration
