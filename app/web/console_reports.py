"""Reports under /console/reports: HTML with server-drawn SVG charts, a CSV for each, and article stubs
for knowledge gaps. Nested in the console blueprint, so its sign-in check covers every route here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from app.cases.store import CaseQuery
from app.console import reports as r
from app.console.accounts import ALL_ROLES, KNOWLEDGE_ROLES
from app.console.charts import Series, bar_chart, horizontal_bar_chart
from app.console.export import to_csv
from app.console.gaps import GapGroup, article_stub, collect_gap_items, gaps_table, group_gaps
from app.console.searchlog import SearchGaps
from app.content.slugs import slugify
from app.web.auth import current_staff, require_role
from app.web.deps import services

bp = Blueprint("reports", __name__, url_prefix="/reports")

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "90"
MAX_ROWS = 100_000
#: The gaps report groups the most searched phrasings with poor results (the rest are counted, not grouped).
MAX_SEARCH_PHRASINGS = 1_000
GAPS_PER_PAGE = 50


def _period() -> tuple[str, datetime | None]:
    key = request.args.get("period", DEFAULT_PERIOD)
    if key not in PERIODS:
        key = DEFAULT_PERIOD
    days = PERIODS[key]
    return key, (services().case_store.now() - timedelta(days=days)) if days else None


def _cases(since: datetime | None) -> list:
    """Every open case, and finished ones that finished within the period."""
    cases = services().case_store.list_cases(CaseQuery(order="created", limit=MAX_ROWS)).items
    if since is None:
        return list(cases)
    return [c for c in cases if not r.is_finished(c) or (r.finished_at(c) or since) >= since]


def _today() -> dt.date:
    """Today in the UK, by the store's clock."""
    return r.london_date(services().case_store.now())


def _csv(table: r.Table, name: str) -> Response:
    stamp = services().case_store.now().strftime("%Y%m%d")
    return Response(to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


def _svg(svg: str) -> Markup:
    # B704: bar_chart escapes every label and title it draws (tested).
    return Markup(svg)  # nosec B704


@bp.get("/")
@require_role(*ALL_ROLES)
def index():
    overdue = r.overdue_reviews(services().content.all_articles(), _today())
    return render_template("console/reports/index.html", overdue=len(overdue))


# -- deflection -------------------------------------------------------------------------------------
def _funnel():
    s = services()
    period, since = _period()
    weeks = r.deflection_funnel(s.case_store.list_conversations(since=since, limit=MAX_ROWS), s.case_store.now())
    return period, weeks


@bp.get("/deflection")
@require_role(*KNOWLEDGE_ROLES)
def deflection():
    period, weeks = _funnel()
    labels = [w.week.strftime("%-d %b") for w in weeks]
    chart = bar_chart("Assistant conversations per week by outcome", labels, [
        Series("Self-help confirmed", tuple(w.confirmed for w in weeks), "#009E73"),
        Series("Potential (no case within 7 days)", tuple(w.potential for w in weeks), "#56B4E9"),
        Series("Escalated to a case", tuple(w.escalated for w in weeks), "#D55E00"),
        Series("Abandoned", tuple(w.abandoned for w in weeks), "#CC79A7"),
        Series("Out of scope", tuple(w.out_of_scope for w in weeks), "#6b7280"),
        Series("Too recent to judge", tuple(w.pending for w in weeks), "#E69F00"),
    ], stacked=True)
    rate_chart = bar_chart("Self-service success rate per week", labels,
                           [Series("Success rate", tuple(w.success_rate or 0 for w in weeks), "#0072B2")],
                           percent=True, height=200)
    return render_template("console/reports/deflection.html", period=period, weeks=weeks, total=r.funnel_total(weeks),
                           table=r.funnel_table(weeks), chart=_svg(chart), rate_chart=_svg(rate_chart))


@bp.get("/deflection.csv")
@require_role(*KNOWLEDGE_ROLES)
def deflection_csv():
    return _csv(r.funnel_table(_funnel()[1]), "deflection-funnel")


# -- KCS --------------------------------------------------------------------------------------------
def _kcs():
    s = services()
    period, since = _period()
    links = [link for link in s.console.list_links() if since is None or link.created_at >= since]
    return period, r.kcs_report(_cases(since), links, s.console.list_requests(since=since))


@bp.get("/kcs")
@require_role(*KNOWLEDGE_ROLES)
def kcs():
    period, report = _kcs()
    months = report.months
    chart = bar_chart("Resolved cases per month: known, new and unlinked", [m.month for m in months], [
        Series("Known (article linked)", tuple(m.known for m in months), "#009E73"),
        Series("New (no article existed)", tuple(m.new for m in months), "#D55E00"),
        Series("Unlinked", tuple(m.unlinked for m in months), "#6b7280"),
    ], stacked=True)
    content = services().content
    titles = {slug: (a.title if (a := content.get_article(slug)) else slug) for slug, _ in report.top_articles}
    return render_template("console/reports/kcs.html", period=period, report=report, table=r.kcs_table(report),
                           chart=_svg(chart), titles=titles)


@bp.get("/kcs.csv")
@require_role(*KNOWLEDGE_ROLES)
def kcs_csv():
    return _csv(r.kcs_table(_kcs()[1]), "kcs")


# -- knowledge gaps -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GapsReport:
    period: str
    groups: list[GapGroup]
    searches: SearchGaps  # what the search log held, and how much of it the groups show


def _gaps() -> GapsReport:
    s = services()
    period, since = _period()
    store = s.case_store
    searches = s.searches.poor_searches(since=since, limit=MAX_SEARCH_PHRASINGS)
    items = collect_gap_items(
        searches=searches.top, conversations=store.list_conversations(since=since, limit=MAX_ROWS),
        cases=_cases(since), links=s.console.list_links(), requests=s.console.list_requests(since=since),
        votes=store.list_votes(since=since),
    )
    return GapsReport(period, group_gaps(items), searches)


@bp.get("/gaps")
@require_role(*KNOWLEDGE_ROLES)
def gaps():
    report = _gaps()
    pages = max(1, -(-len(report.groups) // GAPS_PER_PAGE))
    page = request.args.get("page", "1")
    page = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    shown = report.groups[(page - 1) * GAPS_PER_PAGE: page * GAPS_PER_PAGE]
    return render_template("console/reports/gaps.html", period=report.period, groups=shown, page=page, pages=pages,
                           total_groups=len(report.groups), first=(page - 1) * GAPS_PER_PAGE + 1,
                           searches=report.searches, shown_searches=sum(g.count for g in report.searches.top))


@bp.get("/gaps.csv")
@require_role(*KNOWLEDGE_ROLES)
def gaps_csv():
    return _csv(gaps_table(_gaps().groups), "knowledge-gaps")


def _stub_category(group: GapGroup) -> str:
    """The category of an article the group's votes were about, else of the best search hit, else a default."""
    content = services().content
    for ref in group.refs:
        article = content.get_article(ref)
        if article is not None:
            return article.category
    hits = services().search.search(group.title, mode="keyword", limit=5).hits
    for hit in hits:
        article = content.get_article(hit.slug) if hit.kind == "article" else None
        if article is not None:
            return article.category
    return "getting-help" if "getting-help" in content.categories else next(iter(content.categories), "general")


@bp.get("/gaps/<key>.md")
@require_role(*KNOWLEDGE_ROLES)
def gap_stub(key: str):
    group = next((g for g in _gaps().groups if g.key == key), None)
    if group is None:
        abort(404, description="That knowledge gap is no longer in this period's report.")
    staff = current_staff()
    text = article_stub(group, category=_stub_category(group), owner=staff.email if staff else "",
                        today=_today())
    name = slugify(group.title, max_length=60) or "knowledge-request"
    return Response(text, mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{name}.md"'})


# -- articles -----------------------------------------------------------------------------------------
def _article_stats(since: datetime | None) -> list[r.ArticleStat]:
    s = services()
    views = s.views.totals(since.date() if since else None)
    return r.article_stats(s.content.all_articles(), views, s.case_store.list_votes(since=since),
                           s.console.link_counts(), _today())


@bp.get("/articles")
@require_role(*KNOWLEDGE_ROLES)
def articles():
    period, since = _period()
    stats = _article_stats(since)
    overdue = r.overdue_reviews(services().content.all_articles(), _today())
    top = stats[:15]
    content = services().content
    titles = [a.title if (a := content.get_article(s.slug)) else s.slug for s in top]
    chart = horizontal_bar_chart("Most viewed articles", titles,
                      [Series("Views", tuple(s.views for s in top), "#0072B2"),
                       Series("Linked cases", tuple(s.linked_cases for s in top), "#009E73")])
    return render_template("console/reports/articles.html", period=period, stats=stats, overdue=overdue,
                           today=_today(), chart=_svg(chart))


@bp.get("/articles.csv")
@require_role(*KNOWLEDGE_ROLES)
def articles_csv():
    return _csv(r.articles_table(_article_stats(_period()[1])), "articles")


@bp.get("/reviews.csv")
@require_role(*KNOWLEDGE_ROLES)
def reviews_csv():
    today = _today()
    return _csv(r.overdue_table(r.overdue_reviews(services().content.all_articles(), today), today), "overdue-reviews")


# -- SLA ---------------------------------------------------------------------------------------------
def _sla():
    period, since = _period()
    cases = _cases(since)
    now = services().case_store.now()
    return period, cases, r.sla_compliance(cases, now), now


@bp.get("/sla")
@require_role(*ALL_ROLES)
def sla():
    period, cases, cells, now = _sla()
    months = sorted({c.month for c in cells})
    by_key = {(c.month, c.priority): c for c in cells}
    chart = bar_chart("SLA compliance by month and priority", months, [
        Series(p, tuple((by_key[(m, p)].compliance or 0) if (m, p) in by_key else 0 for m in months))
        for p in r.PRIORITIES
    ], percent=True)
    return render_template("console/reports/sla.html", period=period, cells=cells, totals=r.sla_by_priority(cells),
                           open_breaches=r.open_breaches(cases, now), chart=_svg(chart), priorities=r.PRIORITIES)


@bp.get("/sla.csv")
@require_role(*ALL_ROLES)
def sla_csv():
    return _csv(r.sla_table(_sla()[2]), "sla-compliance")
