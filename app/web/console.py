"""The service-desk console at /console: the case queue, the case page and its actions, staff accounts.

Every route of this blueprint, and of the reports blueprint nested in it, needs a signed-in staff
member: checked once, in before_request (deny by default). Roles then narrow what each can do.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for

from app.cases import CaseClosed, CaseNotFound, CaseStatus, InvalidTransition, SlaState
from app.cases.forms import trim
from app.cases.records import TRANSITIONS, Case
from app.cases.routing import known_categories
from app.cases.sla import LONDON, describe_due, target_for
from app.cases.store import MAX_COMMENT, CaseQuery
from app.console.accounts import ALL_ROLES, CASE_WORKERS, AccountError, Role
from app.content.models import Article
from app.web import console_reports
from app.web.auth import current_staff, require_role, require_staff
from app.web.deps import services

logger = logging.getLogger(__name__)

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(require_staff)  # deny by default: applies to the nested reports blueprint too
bp.register_blueprint(console_reports.bp)

PER_PAGE = 50
OPEN = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFORMATION)
SEARCH_LIMIT = 8


def london(moment: datetime | None, fmt: str = "%a %-d %b %Y, %H:%M") -> str:  # as the raiser's pages write it
    return moment.astimezone(LONDON).strftime(fmt) if moment else ""


def _now() -> datetime:
    return services().case_store.now()


def _staff_name() -> str:
    staff = current_staff()
    if staff is None:  # before_request makes this unreachable; never act anonymously regardless
        abort(401)
    return staff.email


def _enum(value: str | None, kind: type, allowed: Any = None) -> Any:
    try:
        parsed = kind(value)
    except ValueError:
        return None
    return parsed if allowed is None or parsed in allowed else None


# -- queue ---------------------------------------------------------------------------------------
@bp.get("/")
@require_role(*ALL_ROLES)
def queue():
    s = services()
    args = request.args
    status_arg = args.get("status", "open")
    statuses: tuple[CaseStatus, ...] = OPEN if status_arg == "open" else () if status_arg == "all" else tuple(
        x for x in [_enum(status_arg, CaseStatus)] if x)
    if status_arg not in ("open", "all") and not statuses:
        status_arg = "open"
        statuses = OPEN
    groups = [g.name for g in s.model.resolver_groups.values()]
    categories = known_categories(s.model)
    priority = args.get("priority", "") if args.get("priority") in ("P1", "P2", "P3", "P4") else ""
    category = args.get("category", "") if args.get("category") in categories else ""
    group = args.get("group", "") if args.get("group") in groups else ""
    sla = _enum(args.get("sla"), SlaState)
    text = (args.get("q") or "").strip()[:200]
    page = max(1, min(args.get("page", 1, type=int) or 1, 10_000))
    query = CaseQuery(
        statuses=statuses, priorities=(priority,) if priority else (), categories=(category,) if category else (),
        resolver_groups=(group,) if group else (), sla_states=(sla,) if sla else (), text=text,
        limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
    )
    result = s.case_store.list_cases(query)
    now = _now()
    open_cases = s.case_store.list_cases(CaseQuery(statuses=OPEN, limit=100_000)).items
    sla_counts = Counter(c.sla_state(now) for c in open_cases)
    filters = {"status": status_arg, "priority": priority, "category": category, "group": group,
               "sla": sla.value if sla else "", "q": text}
    return render_template(
        "console/queue.html", cases=result.items, total=result.total, page=page,
        pages=max(1, -(-result.total // PER_PAGE)), filters=filters, now=now,
        status_counts=s.case_store.status_counts(), sla_counts=sla_counts, statuses=list(CaseStatus),
        sla_states=[SlaState.BREACHED, SlaState.NEARLY_BREACHED, SlaState.IN_SLA, SlaState.PAUSED, SlaState.MET],
        groups=groups, categories=categories,
    )


# -- a case --------------------------------------------------------------------------------------
def _case_or_404(reference: str) -> Case:
    try:
        return services().case_store.get_case_for_staff(reference)
    except CaseNotFound:
        abort(404, description="There is no case with that reference.")


def _article_choices(slugs: list[str]) -> list[Article]:
    content = services().content
    found = (content.get_article(slug) for slug in dict.fromkeys(slugs))
    return [a for a in found if a is not None and a.is_public]


def _safe_href(url: str | None) -> str | None:
    """A raiser's URL becomes a link only when it is plain http(s)."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def _render_case(case: Case, *, errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                 status: int = 200):
    s = services()
    conversation = s.case_store.get_conversation(case.conversation_id) if case.conversation_id else None
    shown = [slug for t in (conversation.turns if conversation else ()) for slug in t.articles]
    titles = {a.slug: a.title for a in _article_choices(shown)}
    links = s.console.links_for_case(case.id)
    link_titles = {link.slug: (s.content.get_article(link.slug).title if s.content.get_article(link.slug)
                               else link.slug) for link in links}
    q = (request.args.get("article_q") or "").strip()[:200]
    chosen = _article_choices(request.args.getlist("link") + list((form or {}).get("articles", [])))
    hits = []
    if q:
        response = s.search.search(q, mode="keyword", limit=SEARCH_LIMIT + len(chosen))
        chosen_slugs = {a.slug for a in chosen}
        hits = [h for h in response.hits if h.kind == "article" and h.slug not in chosen_slugs][:SEARCH_LIMIT]
    now = _now()
    return render_template(
        "console/case.html", case=case, conversation=conversation, article_titles=titles, links=links,
        link_titles=link_titles, requests=s.console.requests_for_case(case.id), now=now,
        sla_state=case.sla_state(now), target=target_for(case.priority), due_text=describe_due(case.sla_due_at),
        transitions=[t for t in CaseStatus if t in TRANSITIONS[case.status] and t != CaseStatus.RESOLVED],
        can_resolve=CaseStatus.RESOLVED in TRANSITIONS[case.status],
        groups=[g.name for g in s.model.resolver_groups.values()], url_href=_safe_href(case.url),
        article_q=q, hits=hits, chosen=chosen, errors=errors or {}, form=form or {},
        can_work=current_staff().has_role(*CASE_WORKERS),  # type: ignore[union-attr]
    ), status


@bp.get("/cases/<reference>")
@require_role(*ALL_ROLES)
def case(reference: str):
    return _render_case(_case_or_404(reference))


def _back(case: Case, anchor: str = ""):
    return redirect(url_for("console.case", reference=case.reference) + anchor)


def _text(name: str) -> str:
    return trim(request.form.get(name) or "")[:MAX_COMMENT]


@bp.post("/cases/<reference>/status")
@require_role(*CASE_WORKERS)
def change_status(reference: str):
    case = _case_or_404(reference)
    status = _enum(request.form.get("status"), CaseStatus)
    if status is None or status == CaseStatus.RESOLVED:
        return _render_case(case, errors={"status": "Choose a status (resolve a case with the form below)."},
                            form={"status_note": _text("note")}, status=400)
    try:
        services().cases.change_status(case.reference, status, _staff_name(), _text("note"))
    except InvalidTransition:
        return _render_case(case, errors={"status": f"A {case.status} case cannot move to {status}."},
                            form={"status_note": _text("note")}, status=409)
    flash(f"Status changed to {status}. The raiser has been told.", "info")
    return _back(case)


@bp.post("/cases/<reference>/assign")
@require_role(*CASE_WORKERS)
def assign(reference: str):
    case = _case_or_404(reference)
    group = request.form.get("group") or ""
    groups = [g.name for g in services().model.resolver_groups.values()]
    if group and group not in groups:
        return _render_case(case, errors={"group": "Choose a resolver group from the list."}, status=400)
    services().case_store.assign(case.reference, group or None, author=_staff_name())
    flash(f"Assigned to {group}." if group else "Resolver group cleared.", "info")
    return _back(case)


@bp.post("/cases/<reference>/note")
@require_role(*CASE_WORKERS)
def note(reference: str):
    return _comment(reference, internal=True)


@bp.post("/cases/<reference>/reply")
@require_role(*CASE_WORKERS)
def reply(reference: str):
    return _comment(reference, internal=False)


def _comment(reference: str, *, internal: bool):
    case = _case_or_404(reference)
    field = "note" if internal else "reply"
    body = _text("body")
    if not body:
        return _render_case(case, errors={field: "Write something first."}, status=400)
    try:
        if internal:
            services().cases.add_note(case.reference, body, _staff_name())
        else:
            services().cases.reply_as_staff(case.reference, body, _staff_name())
    except CaseClosed:
        return _render_case(case, errors={field: "This case is closed: it takes no more comments."},
                            form={field: body}, status=409)
    flash("Internal note added." if internal else "Reply sent: the raiser has been emailed.", "info")
    return _back(case, "#history")


@bp.post("/cases/<reference>/resolve")
@require_role(*CASE_WORKERS)
def resolve(reference: str):
    case = _case_or_404(reference)
    s = services()
    resolution = _text("resolution")
    slugs = list(dict.fromkeys(request.form.getlist("article")))[:20]
    no_article = request.form.get("no_article") == "yes"
    articles = _article_choices(slugs)
    errors = {}
    if not resolution:
        errors["resolution"] = "Write a resolution note: the raiser receives it."
    if len(articles) != len(slugs):
        errors["article"] = "Link only published knowledge articles."
    if no_article and slugs:
        errors["no_article"] = "Either link articles or flag that no article exists, not both."
    form = {"resolution": resolution, "articles": [a.slug for a in articles], "no_article": no_article,
            "gap_note": _text("gap_note")}
    if errors:
        return _render_case(case, errors=errors, form=form, status=400)
    try:
        resolved = s.cases.change_status(case.reference, CaseStatus.RESOLVED, _staff_name(), resolution)
    except InvalidTransition:
        return _render_case(case, errors={"resolution": f"A {case.status} case cannot be resolved."}, form=form,
                            status=409)
    if articles:
        s.console.link_articles(resolved.id, [a.slug for a in articles], _staff_name())
    if no_article:
        s.console.add_request(f"{case.subject}\n\n{case.description}", case_id=case.id,
                              case_reference=case.reference, note=form["gap_note"], created_by=_staff_name())
    flash("Case resolved. The raiser has been emailed"
          + (f"; {len(articles)} article(s) linked." if articles else
             "; a knowledge request was created for authors." if no_article else "."), "info")
    return _back(case)


# -- staff accounts (admins) -----------------------------------------------------------------------
@bp.get("/staff")
@require_role(Role.ADMIN)
def staff():
    return render_template("console/staff.html", staff=services().staff.list(), roles=list(Role), errors={},
                           form={})


@bp.post("/staff")
@require_role(Role.ADMIN)
def staff_add():
    email = (request.form.get("email") or "").strip()[:254]
    role = request.form.get("role") or ""
    password = request.form.get("password") or ""
    errors = {}
    if password != (request.form.get("confirm") or ""):
        errors["confirm"] = "The two passwords differ."
    else:
        try:
            services().staff.add(email, role, password[:1024])
        except AccountError as exc:
            field = "password" if "assword" in str(exc) else "role" if "Role" in str(exc) else "email"
            errors[field] = str(exc)
    if errors:
        return render_template("console/staff.html", staff=services().staff.list(), roles=list(Role), errors=errors,
                               form={"email": email, "role": role}), 400
    flash(f"Added {email.lower()} as {Role(role).label}.", "info")
    return redirect(url_for("console.staff"))


@bp.post("/staff/<int:staff_id>/active")
@require_role(Role.ADMIN)
def staff_active(staff_id: int):
    me = current_staff()
    active = request.form.get("active") == "yes"
    if me is not None and me.id == staff_id and not active:
        abort(409, description="You cannot deactivate your own account.")
    accounts = services().staff
    if accounts.get(staff_id) is None:
        abort(404, description="No such staff account.")
    changed = accounts.set_active(staff_id, active)
    flash(f"{changed.email} is now {'active' if active else 'deactivated'}.", "info")
    return redirect(url_for("console.staff"))


# -- hooks -----------------------------------------------------------------------------------------
def _count_article_view(response):
    """Count public article page views (for the articles report)."""
    if request.endpoint == "pages.article" and request.method == "GET" and response.status_code == 200:
        try:
            services().views.record(request.view_args["slug"])  # type: ignore[index]
        except Exception:  # a view count must never break the page
            logger.exception("could not count an article view")
    return response


def cases_resolved_by(slug: str) -> int:
    return services().console.cases_resolved_by(slug)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_count_article_view)
    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["due"] = describe_due  # SLA due times in the words the raiser sees
    app.jinja_env.globals["cases_resolved_by"] = cases_resolved_by
