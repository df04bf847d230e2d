"""The desk's reports as pure functions over plain records: deflection, KCS, articles, SLA compliance.

Each returns small frozen dataclasses; :func:`Table` rows feed both the HTML tables and the CSV export.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from app.cases.records import Case, CaseStatus, Conversation, SlaState, Vote
from app.cases.sla import LONDON, sla_state
from app.console.store import CaseLink, KnowledgeRequest
from app.content.models import Article

#: A conversation with no case and no "yes" is judged once this long has passed since it was last active.
POTENTIAL_AFTER = timedelta(days=7)
PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True)
class Table:
    """A report as rows: what the HTML table and the CSV export both show."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_of(moment: datetime) -> str:
    return london_date(moment).strftime("%Y-%m")


# -- deflection ------------------------------------------------------------------------------------
class Outcome(StrEnum):
    CONFIRMED = "confirmed"  # "Did this solve it?" yes, and no case
    POTENTIAL = "potential"  # no case within POTENTIAL_AFTER and never said no
    ESCALATED = "escalated"  # a case was raised from the conversation
    ABANDONED = "abandoned"  # said "no" or was offered a case, then neither raised one nor came back
    OUT_OF_SCOPE = "out_of_scope"  # every answer was "not about MHHS": not a deflection either way
    PENDING = "pending"  # too recent to judge


def classify_conversation(c: Conversation, now: datetime, potential_after: timedelta = POTENTIAL_AFTER) -> Outcome:
    if c.case_reference:
        return Outcome.ESCALATED
    if c.feedback == "yes":
        return Outcome.CONFIRMED
    if now - c.updated_at < potential_after:
        return Outcome.PENDING
    if c.feedback == "no" or (c.turns and c.turns[-1].action == "raise_case"):
        return Outcome.ABANDONED
    if c.turns and all(t.action == "out_of_scope" for t in c.turns):
        return Outcome.OUT_OF_SCOPE
    return Outcome.POTENTIAL


@dataclass(frozen=True)
class FunnelWeek:
    week: date  # the Monday (London time) the conversations started in
    conversations: int
    confirmed: int
    potential: int
    escalated: int
    abandoned: int
    out_of_scope: int
    pending: int

    @property
    def judged(self) -> int:
        return self.confirmed + self.potential + self.escalated + self.abandoned

    @property
    def success_rate(self) -> float | None:
        """Self-service success: conversations that ended without a case, of those we can judge."""
        return rate(self.confirmed + self.potential, self.judged)


def deflection_funnel(conversations: Iterable[Conversation], now: datetime,
                      potential_after: timedelta = POTENTIAL_AFTER) -> list[FunnelWeek]:
    """One row per week that had conversations, oldest first."""
    weeks: dict[date, Counter[Outcome]] = defaultdict(Counter)
    for c in conversations:
        weeks[week_start(london_date(c.created_at))][classify_conversation(c, now, potential_after)] += 1
    return [
        FunnelWeek(week, sum(n.values()), n[Outcome.CONFIRMED], n[Outcome.POTENTIAL], n[Outcome.ESCALATED],
                   n[Outcome.ABANDONED], n[Outcome.OUT_OF_SCOPE], n[Outcome.PENDING])
        for week, n in sorted(weeks.items())
    ]


def funnel_total(weeks: Sequence[FunnelWeek]) -> FunnelWeek | None:
    if not weeks:
        return None
    return FunnelWeek(weeks[0].week, *(sum(getattr(w, f) for w in weeks) for f in (
        "conversations", "confirmed", "potential", "escalated", "abandoned", "out_of_scope", "pending")))


def funnel_table(weeks: Sequence[FunnelWeek]) -> Table:
    return Table(
        ("Week starting", "Conversations", "Self-help confirmed", "Potential (no case within 7 days)",
         "Escalated to a case", "Abandoned", "Out of scope", "Too recent to judge", "Self-service success rate"),
        tuple((w.week.isoformat(), w.conversations, w.confirmed, w.potential, w.escalated, w.abandoned,
               w.out_of_scope, w.pending, percent(w.success_rate)) for w in weeks),
    )


# -- KCS -------------------------------------------------------------------------------------------
def is_finished(case: Case) -> bool:
    return case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def finished_at(case: Case) -> datetime | None:
    return case.resolved_at or case.closed_at


@dataclass(frozen=True)
class KcsMonth:
    month: str
    finished: int
    known: int  # resolved with an existing article linked
    new: int  # flagged "no article exists"
    unlinked: int

    @property
    def link_rate(self) -> float | None:
        return rate(self.known, self.finished)


@dataclass(frozen=True)
class KcsReport:
    finished: int  # resolved or closed cases
    known: int
    new: int
    unlinked: int
    total_links: int
    articles_linked: int
    reused_links: int  # links to an article some earlier case was already linked to
    top_articles: tuple[tuple[str, int], ...]
    months: tuple[KcsMonth, ...]

    @property
    def link_rate(self) -> float | None:
        """KCS link rate: resolved or closed cases with an article linked."""
        return rate(self.known, self.finished)

    @property
    def reuse_rate(self) -> float | None:
        return rate(self.reused_links, self.total_links)

    @property
    def new_share(self) -> float | None:
        return rate(self.new, self.known + self.new)


def kcs_report(cases: Iterable[Case], links: Iterable[CaseLink], requests: Iterable[KnowledgeRequest],
               top: int = 10) -> KcsReport:
    """Known = linked to an article (linking wins over a "no article" flag); new = flagged; else unlinked."""
    linked_cases: dict[int, set[str]] = defaultdict(set)
    ordered_links = sorted(links, key=lambda link: (link.created_at, link.case_id, link.slug))
    seen: set[str] = set()
    reused = 0
    for link in ordered_links:
        linked_cases[link.case_id].add(link.slug)
        if link.slug in seen:
            reused += 1
        seen.add(link.slug)
    flagged = {r.case_id for r in requests if r.case_id is not None}
    months: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for case in cases:
        end = finished_at(case)
        if not is_finished(case) or end is None:
            continue
        kind = "known" if case.id in linked_cases else "new" if case.id in flagged else "unlinked"
        months[month_of(end)][kind] += 1
        totals[kind] += 1
    per_article = Counter(link.slug for link in ordered_links)
    return KcsReport(
        finished=sum(totals.values()), known=totals["known"], new=totals["new"], unlinked=totals["unlinked"],
        total_links=len(ordered_links), articles_linked=len(per_article), reused_links=reused,
        top_articles=tuple(sorted(per_article.items(), key=lambda kv: (-kv[1], kv[0]))[:top]),
        months=tuple(KcsMonth(m, sum(n.values()), n["known"], n["new"], n["unlinked"])
                     for m, n in sorted(months.items())),
    )


def kcs_table(report: KcsReport) -> Table:
    return Table(
        ("Month resolved", "Resolved or closed", "Known (article linked)", "New (no article existed)",
         "Unlinked", "Link rate"),
        tuple((m.month, m.finished, m.known, m.new, m.unlinked, percent(m.link_rate)) for m in report.months),
    )


# -- articles --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleStat:
    slug: str
    title: str
    status: str
    owner: str
    views: int
    helpful: int
    unhelpful: int
    linked_cases: int
    review_by: date | None
    overdue: bool

    @property
    def helpful_rate(self) -> float | None:
        return rate(self.helpful, self.helpful + self.unhelpful)


def is_review_overdue(article: Article, today: date) -> bool:
    return article.is_public and article.review_by is not None and article.review_by < today


def article_stats(articles: Iterable[Article], views: Mapping[str, int], votes: Iterable[Vote],
                  link_counts: Mapping[str, int], today: date) -> list[ArticleStat]:
    """One row per article, most viewed first."""
    helpful: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    for v in votes:
        (helpful if v.helpful else unhelpful)[v.slug] += 1
    stats = [
        ArticleStat(a.slug, a.title, a.status.value, a.owner, int(views.get(a.slug, 0)), helpful[a.slug],
                    unhelpful[a.slug], int(link_counts.get(a.slug, 0)), a.review_by, is_review_overdue(a, today))
        for a in articles
    ]
    return sorted(stats, key=lambda s: (-s.views, -s.linked_cases, s.title.casefold()))


def articles_table(stats: Sequence[ArticleStat]) -> Table:
    return Table(
        ("Article", "Slug", "Status", "Owner", "Views", "Helpful", "Not helpful", "Helpful rate", "Linked cases",
         "Review by", "Review overdue"),
        tuple((s.title, s.slug, s.status, s.owner, s.views, s.helpful, s.unhelpful, percent(s.helpful_rate),
               s.linked_cases, s.review_by.isoformat() if s.review_by else "", "yes" if s.overdue else "no")
              for s in stats),
    )


def overdue_reviews(articles: Iterable[Article], today: date) -> list[Article]:
    """Published articles past their review date, longest overdue first."""
    due = [a for a in articles if is_review_overdue(a, today)]
    return sorted(due, key=lambda a: (a.review_by, a.title.casefold()))


def overdue_table(articles: Sequence[Article], today: date) -> Table:
    return Table(
        ("Article", "Slug", "Owner", "Review by", "Days overdue"),
        tuple((a.title, a.slug, a.owner, a.review_by.isoformat() if a.review_by else "",
               (today - a.review_by).days if a.review_by else "") for a in articles),
    )


# -- SLA -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SlaCell:
    month: str  # the month cases were resolved or closed in (London time)
    priority: str
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        return rate(self.met, self.total)


def sla_compliance(cases: Iterable[Case], now: datetime) -> list[SlaCell]:
    """Resolved or closed cases per month and priority that met or breached their resolution target."""
    counts: dict[tuple[str, str], Counter[SlaState]] = defaultdict(Counter)
    for case in cases:
        end = finished_at(case)
        if not is_finished(case) or end is None:
            continue
        counts[(month_of(end), case.priority)][sla_state(case, now)] += 1
    return [
        SlaCell(month, priority, n[SlaState.MET], n[SlaState.BREACHED])
        for (month, priority), n in sorted(counts.items(), key=lambda kv: (kv[0][0], PRIORITIES.index(kv[0][1])
                                                                            if kv[0][1] in PRIORITIES else 9))
    ]


def sla_by_priority(cells: Iterable[SlaCell]) -> list[SlaCell]:
    """All months together, one cell per priority (month "all")."""
    met: Counter[str] = Counter()
    breached: Counter[str] = Counter()
    for c in cells:
        met[c.priority] += c.met
        breached[c.priority] += c.breached
    return [SlaCell("all", p, met[p], breached[p]) for p in PRIORITIES if met[p] or breached[p]]


def open_breaches(cases: Iterable[Case], now: datetime) -> Counter[str]:
    """Open cases already past their target, per priority."""
    return Counter(c.priority for c in cases if c.status.is_open and sla_state(c, now) == SlaState.BREACHED)


def sla_table(cells: Sequence[SlaCell]) -> Table:
    return Table(
        ("Month", "Priority", "Met", "Breached", "Compliance"),
        tuple((c.month, c.priority, c.met, c.breached, percent(c.compliance)) for c in cells),
    )
