"""Major incidents in the console (/console/incidents): declare, update, resolve, close, link cases, report.

Every signed-in staff member may read them; only case workers (agents, admins) may change them.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.cases.routing import known_categories
from app.cases.sla import describe_due, target_for
from app.console.accounts import ALL_ROLES, CASE_WORKERS
from app.incidents import Incident, IncidentClosed, IncidentNotFound, InvalidIncident, InvalidIncidentTransition
from app.incidents.reports import incident_report
from app.web.auth import current_staff, require_role, require_staff
from app.web.deps import services

bp = Blueprint("incidents", __name__, url_prefix="/console/incidents")
bp.before_request(require_staff)  # deny by default, as the rest of the console

#: Who may declare, update, resolve and close (the console's case workers).
INCIDENT_ROLES = CASE_WORKERS
TEXT_MAX = 10_000
#: "Raised in the last ..." choices of the bulk-link filter, in hours ("" = since the incident started).
SINCE_HOURS = ("", "1", "4", "12", "24", "72")
DECLARE_FIELDS = ("title", "scenario", "severity", "contact_name", "reported", "impact", "next_steps")


def _incidents():
    return services().incidents


def _staff_email() -> str:
    staff = current_staff()
    if staff is None:
        abort(401)
    return staff.email


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()[:TEXT_MAX]


def _incident_or_404(reference: str) -> Incident:
    try:
        return _incidents().store.get(reference)
    except IncidentNotFound:
        abort(404, description=f"There is no major incident {reference}.")


@bp.get("/")
@require_role(*ALL_ROLES)
def index():
    store = _incidents().store
    now = store.now()
    return render_template("console/incidents/index.html", incidents=store.list(since=now - timedelta(days=90)),
                           now=now)


def _render_new(form: dict[str, Any], errors: dict[str, str], status: int = 200):
    s = services()
    return render_template("console/incidents/new.html", form=form, errors=errors,
                           scenarios=list(s.model.major_incidents.values()),
                           catalogue=list(s.incidents.catalogue.services.values()),
                           targets={p: target_for(p).text for p in ("P1", "P2")}), status


@bp.get("/new")
@require_role(*INCIDENT_ROLES)
def new():
    return _render_new({"severity": "P1", "services": []}, {})


@bp.post("/")
@require_role(*INCIDENT_ROLES)
def declare():
    form: dict[str, Any] = {name: _form(name) for name in DECLARE_FIELDS}
    form["services"] = request.form.getlist("services")
    try:
        incident = _incidents().declare(
            title=form["title"], impact=form["impact"], severity=form["severity"], scenario=form["scenario"],
            services=form["services"], contact_name=form["contact_name"], reported=form["reported"],
            next_steps=form["next_steps"], author=_staff_email())
    except InvalidIncident as exc:
        return _render_new(form, {exc.field: exc.message}, 400)
    flash(f"Major incident {incident.reference} declared. It is on the public status page now.", "info")
    return redirect(url_for("incidents.incident", reference=incident.reference))


def _render_incident(incident: Incident, *, errors: dict[str, str] | None = None,
                     form: dict[str, Any] | None = None, status: int = 200):
    s = services()
    service = s.incidents
    store = service.store
    now = store.now()
    categories = known_categories(s.model)
    category = request.args.get("category", "")
    category = category if category in categories else ""
    since_arg = request.args.get("since", "")
    since_arg = since_arg if since_arg in SINCE_HOURS else ""
    since = now - timedelta(hours=int(since_arg)) if since_arg else incident.started_at
    queue = store.unlinked_open_cases(categories=(category,) if category else (), since=since)
    suggested = {c.reference for c in service.suggested_cases(incident)}
    staff = current_staff()
    return render_template(
        "console/incidents/incident.html", incident=incident, now=now, sla_status=incident.sla_status(now),
        due_text=describe_due(incident.sla_due_at), target=target_for(incident.severity).text,
        scenario=s.model.major_incidents.get(incident.scenario_id or ""),
        service_names={sid: svc.name for sid, svc in service.catalogue.services.items()},
        linked=store.linked_cases(incident.id), queue=queue, suggested=suggested, categories=categories,
        filters={"category": category, "since": since_arg}, since_choices=SINCE_HOURS,
        report=incident_report(incident, store.counts(incident.id), now),
        can_act=staff is not None and staff.has_role(*INCIDENT_ROLES), errors=errors or {}, form=form or {},
    ), status


@bp.get("/<reference>")
@require_role(*ALL_ROLES)
def incident(reference: str):
    return _render_incident(_incident_or_404(reference))


def _back(incident: Incident, anchor: str = ""):
    return redirect(url_for("incidents.incident", reference=incident.reference) + anchor)


@bp.post("/<reference>/update")
@require_role(*INCIDENT_ROLES)
def update(reference: str):
    incident = _incident_or_404(reference)
    form = {"text": _form("text"), "internal_note": _form("internal_note"), "next_steps": _form("next_steps")}
    try:
        _incidents().post_update(incident.reference, form["text"], internal_note=form["internal_note"],
                                 next_steps=form["next_steps"] if "next_steps" in request.form else None,
                                 author=_staff_email())
    except InvalidIncident as exc:
        return _render_incident(incident, errors={exc.field: exc.message}, form=form, status=400)
    except IncidentClosed as exc:
        return _render_incident(incident, errors={"text": str(exc)}, form=form, status=409)
    flash("Update published; followers have been emailed.", "info")
    return _back(incident, "#history")


@bp.post("/<reference>/resolve")
@require_role(*INCIDENT_ROLES)
def resolve(reference: str):
    incident = _incident_or_404(reference)
    form = {"resolution": _form("resolution")}
    try:
        result = _incidents().resolve(incident.reference, form["resolution"], author=_staff_email())
    except InvalidIncident as exc:
        return _render_incident(incident, errors={"resolution": exc.message}, form=form, status=400)
    except InvalidIncidentTransition as exc:
        return _render_incident(incident, errors={"resolution": str(exc)}, form=form, status=409)
    flash(f"{incident.reference} resolved. Followers were emailed; {len(result.cases_resolved)} linked case(s) "
          f"resolved and {result.raisers_emailed} raiser(s) emailed.", "info")
    return _back(incident)


@bp.post("/<reference>/close")
@require_role(*INCIDENT_ROLES)
def close(reference: str):
    incident = _incident_or_404(reference)
    try:
        _incidents().close(incident.reference, text=_form("text"), author=_staff_email())
    except InvalidIncidentTransition as exc:
        return _render_incident(incident, errors={"close": str(exc)}, status=409)
    flash(f"{incident.reference} closed.", "info")
    return _back(incident)


@bp.post("/<reference>/link")
@require_role(*INCIDENT_ROLES)
def link(reference: str):
    incident = _incident_or_404(reference)
    chosen = request.form.getlist("case")[:500]
    if not chosen:
        return _render_incident(incident, errors={"case": "Tick at least one case to link."}, status=400)
    try:
        linked = _incidents().link_cases(incident.reference, chosen, author=_staff_email())
    except IncidentClosed as exc:
        return _render_incident(incident, errors={"case": str(exc)}, status=409)
    flash(f"{len(linked)} case(s) linked to {incident.reference}; they are resolved with it.", "info")
    return _back(incident, "#linked")
