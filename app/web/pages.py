"""Home, article, category pages and "Was this helpful?" votes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.web.deps import services

bp = Blueprint("pages", __name__)

REASON_MAX = 500
#: Long articles get a contents list.
TOC_MIN_HEADINGS = 3


@bp.get("/")
def home():
    s = services()
    published = s.content.published()
    counts = {c: len(s.content.in_category(c)) for c in s.content.categories}
    useful = sorted(published, key=lambda a: (a.category != "getting-help", -len(a.scenarios), a.title))[:8]
    return render_template("pages/home.html", categories=s.content.categories.values(), counts=counts,
                           useful=useful, total=len(published))


@bp.get("/articles/")
def article_index():
    s = services()
    groups = [(c, s.content.in_category(c.slug)) for c in s.content.categories.values()]
    return render_template("pages/articles.html", groups=groups)


@bp.get("/articles/<slug>")
def article(slug: str):
    s = services()
    a = s.content.get_article(slug)
    if a is None or not a.is_public:
        abort(404)
    return render_template(
        "pages/article.html", article=a, category=s.content.categories.get(a.category),
        related=s.content.related(a), terms=s.content.terms_in(a),
        toc=[h for h in a.headings if h.level <= 3] if len(a.headings) >= TOC_MIN_HEADINGS else [],
        voted=request.args.get("voted"),
    )


@bp.post("/articles/<slug>/vote")
def vote(slug: str):
    s = services()
    a = s.content.get_article(slug)
    if a is None or not a.is_public:
        abort(404)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        abort(400, description="Choose yes or no.")
    reason = (request.form.get("reason") or "").strip()[:REASON_MAX] or None
    recorder = getattr(s, "records", None)
    if recorder is not None:
        recorder.record_vote(slug, helpful == "yes", reason, None)
    return redirect(url_for("pages.article", slug=slug, voted=helpful) + "#feedback")


@bp.get("/categories/<slug>")
def category(slug: str):
    s = services()
    c = s.content.categories.get(slug)
    if c is None:
        abort(404)
    return render_template("pages/category.html", category=c, articles=s.content.in_category(slug))
