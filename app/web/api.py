"""The JSON API: search, articles, glossary and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from app.content.models import Article, Status
from app.web.deps import services
from app.web.openapi import openapi_document
from app.web.params import glossary_params, glossary_query, query_param, search_params

bp = Blueprint("api", __name__, url_prefix="/api")


def article_json(a: Article, with_html: bool = False) -> dict:
    data = {
        "slug": a.slug, "title": a.title, "summary": a.summary, "category": a.category, "tags": list(a.tags),
        "status": a.status.value, "owner": a.owner,
        "reviewed": a.reviewed.isoformat() if a.reviewed else None,
        "review_by": a.review_by.isoformat() if a.review_by else None,
        "related": list(a.related), "scenarios": list(a.scenarios), "topics": list(a.topics),
        "service_requests": list(a.service_requests), "url": a.url,
    }
    if with_html:
        data["html"] = a.html
        data["headings"] = [{"level": h.level, "text": h.text, "anchor": h.anchor} for h in a.headings]
    return data


@bp.get("/search")
def search():
    q, mode, category, page, per_page = search_params(request.args)
    r = services().search.search(q, mode=mode, limit=per_page, category=category, offset=(page - 1) * per_page)
    return jsonify({
        "query": r.query, "mode": r.mode, "results": [h.as_json() for h in r.hits], "suggestion": r.suggestion,
        "total": r.total, "page": page, "per_page": per_page,
        "took_ms": round(r.took_ms, 2), "degraded": r.degraded, "notice": r.notice,
    })


@bp.get("/suggest")
def suggest():
    q = query_param(request.args, required=False)
    return jsonify({"suggestions": [s.as_json() for s in services().search.suggest(q)]})


@bp.get("/articles")
def articles():
    items = sorted(services().content.published(), key=lambda a: a.slug)
    return jsonify({"total": len(items), "articles": [article_json(a) for a in items]})


@bp.get("/articles/<slug>")
def article(slug: str):
    repo = services().content
    a = repo.get_article(slug)
    if a is not None and a.status is Status.RETIRED:
        replacement = repo.get_article(a.replaced_by) if a.replaced_by else None
        if replacement is None or not replacement.is_public:
            replacement = None
        return jsonify({"error": f"Article '{slug}' has been retired.", "status": 410,
                        "replaced_by": replacement.slug if replacement else None,
                        "replacement_url": replacement.url if replacement else None}), 410
    if a is None or not a.is_public:
        abort(404, description=f"No published article '{slug}'.")
    return jsonify(article_json(a, with_html=True))


@bp.get("/glossary")
def glossary():
    letter, page, per_page = glossary_params(request.args)
    result = services().content.glossary_page(letter, page, per_page, glossary_query(request.args))
    return jsonify({
        "total": result.total, "page": result.page, "per_page": result.per_page or result.total,
        "terms": [{"term": t.term, "acronym": t.acronym, "slug": t.slug, "url": t.url, "definition": t.definition}
                  for t in result.terms],
    })


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
