"""The glossary as Elexon's portal shows it: A-Z and 0-9 navigation, paging, a page per term."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.content.repository import LETTERS, PER_PAGE_CHOICES
from app.web.deps import services
from app.web.params import glossary_params, glossary_query

bp = Blueprint("glossary", __name__)


@bp.get("/glossary/")
def index():
    letter, page, per_page = glossary_params(request.args)
    q = glossary_query(request.args)
    s = services()
    result = s.content.glossary_page(letter, page, per_page, q)
    return render_template("glossary/index.html", result=result, letter=letter, letters=LETTERS,
                           in_use=s.content.letters_in_use(), choices=PER_PAGE_CHOICES, q=q)


@bp.get("/glossary/<slug>")
def term(slug: str):
    s = services()
    t = s.content.get_term(slug)
    if t is None:
        abort(404)
    see_also = [x for x in (s.content.get_term(x) for x in t.see_also) if x is not None]
    return render_template("glossary/term.html", term=t, see_also=see_also)
