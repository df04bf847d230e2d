"""Home, article, category pages and "Was this helpful?" votes."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy.exc import SQLAlchemyError

from app.cases.forms import trim
from app.cases.routing import Routing, derive_routing
from app.cases.sla import target_for
from app.content.models import Article, Status
from app.content.repository import ContentRepository
from app.servicemodel import ServiceModel
from app.web import auth
from app.web.cases import allowed
from app.web.deps import services

logger = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

REASON_MAX = 500
#: The browser remembers which article versions it has voted on, so one reader gives one vote per version.
VOTES_COOKIE = "kb_votes"
VOTES_KEPT = 200
VOTES_MAX_AGE = 365 * 24 * 3600
#: Long articles get a contents list.
TOC_MIN_HEADINGS = 3


def popular_articles(published: list[Article], count: int = 8) -> list[Article]:
    """The articles the home page leads with (and a search with no match offers): getting help first, then
    those covering the most scenarios."""
    return sorted(published, key=lambda a: (a.category != "getting-help", -len(a.scenarios), a.title))[:count]


@bp.get("/")
def home():
    s = services()
    published = s.content.published()
    counts = {c: len(s.content.in_category(c)) for c in s.content.categories}
    useful = popular_articles(published)
    return render_template("pages/home.html", categories=s.content.categories.values(), counts=counts,
                           useful=useful, total=len(published))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer with the site's icon, not a 404."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.get("/articles/")
def article_index():
    s = services()
    groups = [(c, s.content.in_category(c.slug)) for c in s.content.categories.values()]
    return render_template("pages/articles.html", groups=groups)


@dataclass(frozen=True)
class CaseRoute:
    """One way an article hands over to a case: the routing the service model gives it, and the form link."""

    id: str
    label: str
    routing: Routing
    target: str
    url: str


def case_routes(article: Article, model: ServiceModel) -> list[CaseRoute]:
    """The routed DIP scenarios and service requests an article covers, in its own order. Self-help-only
    scenarios (not a support issue) get none: the article is the answer."""
    out = []
    for sid in (*article.scenarios, *article.service_requests):
        scenario, request_ = model.scenarios.get(sid), model.service_requests.get(sid)
        if scenario is None and request_ is None:
            continue
        category = (scenario or request_).category
        routing = derive_routing({"scenario_id": sid, "category": category}, model)
        if routing is None or routing.source == "category":
            continue
        label = scenario.description if scenario else request_.name
        link = url_for("cases.form", **({"scenario": sid} if scenario else {"sr": sid}), category=category)
        out.append(CaseRoute(sid, label, routing, target_for(routing.priority).text, link))
    return out


def readable_article(repo: ContentRepository, slug: str) -> Article:
    """The article this visitor may read: 404 for unknown slugs and, unless staff, drafts; 410 when retired."""
    a = repo.get_article(slug)
    if a is None:
        abort(404)
    if a.status is Status.RETIRED:
        replacement = repo.get_article(a.replaced_by) if a.replaced_by else None
        if replacement is not None and not replacement.is_public:
            replacement = None
        abort(make_response(render_template("pages/retired.html", article=a, replacement=replacement), 410))
    if not a.is_public and not auth.is_staff():
        abort(404)
    return a


def _vote_key(article: Article, version: str | None) -> str:
    return f"{article.slug}@{(version or 'unversioned')[:12]}"


def _votes_given() -> list[str]:
    return [v for v in (request.cookies.get(VOTES_COOKIE) or "").split("|") if v][-VOTES_KEPT:]


def _private_if_draft(article: Article, html: str):
    """Staff-only pages must never be kept by a shared cache."""
    resp = make_response(html)
    if not article.is_public:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/articles/<slug>")
def article(slug: str):
    s = services()
    repo = s.content
    a = readable_article(repo, slug)
    last_change = s.history.last_change(a.path, s.source.fingerprint)
    voted = request.args.get("voted")
    if voted not in ("yes", "no") and _vote_key(a, last_change.hash if last_change else None) in _votes_given():
        voted = "before"
    return _private_if_draft(a, render_template(
        "pages/article.html", article=a, category=repo.categories.get(a.category),
        related=repo.related(a), terms=repo.terms_in(a), routes=case_routes(a, s.model),
        toc=[h for h in a.headings if h.level <= 3] if len(a.headings) >= TOC_MIN_HEADINGS else [],
        voted=voted, asking_why=request.args.get("feedback") == "no", last_change=last_change,
    ))


@bp.get("/articles/<slug>/history")
def history(slug: str):
    s = services()
    a = readable_article(s.content, slug)
    return _private_if_draft(a, render_template(
        "pages/history.html", article=a, commits=s.history.commits(a.path, s.source.fingerprint),
        available=s.history.available,
    ))


@bp.post("/articles/<slug>/vote")
def vote(slug: str):
    s = services()
    a = s.content.get_article(slug)
    if a is None or not a.is_public:
        abort(404)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        abort(400, description="Choose yes or no.")
    reason = trim(request.form.get("reason") or "")[:REASON_MAX] or None
    last = s.history.last_change(a.path, s.source.fingerprint)  # so the helpful rate can be shown per version
    key, given = _vote_key(a, last.hash if last else None), _votes_given()
    if key not in given:
        try:
            # Votes feed the helpful rate and the gaps report: a script must not be able to skew them.
            if allowed("article-vote"):
                s.case_store.record_vote(slug, helpful == "yes", reason, last.hash if last else None)
        except SQLAlchemyError as exc:  # feedback is for reports: never turn it into an error page
            logger.warning("vote on %s not recorded (%s)", slug, type(exc).__name__)
    resp = redirect(url_for("pages.article", slug=slug, voted=helpful) + "#feedback")
    if key not in given:
        resp.set_cookie(VOTES_COOKIE, "|".join([*given, key][-VOTES_KEPT:]), max_age=VOTES_MAX_AGE,
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return resp


@bp.get("/categories/<slug>")
def category(slug: str):
    s = services()
    c = s.content.categories.get(slug)
    if c is None:
        abort(404)
    return render_template("pages/category.html", category=c, articles=s.content.in_category(slug))
