"""The search results page."""
from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from app.content.repository import PER_PAGE_CHOICES
from app.search.service import MODES
from app.web.cases import allowed
from app.web.deps import services
from app.web.errors import FieldError
from app.web.pages import popular_articles
from app.web.params import search_params

logger = logging.getLogger(__name__)

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    s = services()
    q = (request.args.get("q") or "").strip()
    context = {"q": q, "mode": request.args.get("mode", "hybrid"), "category": request.args.get("category", ""),
               "categories": s.content.categories.values(), "modes": MODES, "response": None, "error": None,
               "per_page_choices": PER_PAGE_CHOICES, "per_page": 10, "page": 1}
    if not q:
        return render_template("search/results.html", **context)
    try:
        q, mode, category, page, per_page = search_params(request.args)
    except FieldError as exc:
        context["error"] = exc
        return render_template("search/results.html", **context), 400
    response = s.search.search(q, mode=mode, limit=per_page, category=category, offset=(page - 1) * per_page)
    try:
        counted = allowed("search-log")  # one client cannot flood the knowledge-gaps report
    except SQLAlchemyError as exc:  # the search log is for reports: losing an entry must not lose the page
        logger.warning("search not counted (%s)", type(exc).__name__)
        counted = False
    if counted:
        s.searches.record(q, mode, response.total, response.hits[0].score if response.hits else None)
    # The glossary box leads only when the query names a glossary term; other glossary hits rank in the list.
    term = s.content.find_term(q)
    lead = [h for h in response.hits[:1] if term is not None and h.kind == "glossary" and h.slug == term.slug]
    pages = max(1, -(-response.total // per_page))
    context.update(response=response, glossary=lead, articles=[h for h in response.hits if h not in lead],
                   page=page, per_page=per_page, pages=pages, first=(page - 1) * per_page + 1,
                   popular=popular_articles(s.content.published()) if not response.hits else [])
    return render_template("search/results.html", **context)
