from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest

from app.cases.records import CaseStatus, SlaState, Vote
from app.console.reports import (
    Outcome,
    article_stats,
    articles_table,
    classify_conversation,
    deflection_funnel,
    funnel_table,
    funnel_total,
    kcs_report,
    open_breaches,
    overdue_reviews,
    sla_by_priority,
    sla_compliance,
)
from app.console.store import CaseLink, KnowledgeRequest
from app.content.models import Article, Status

from .conftest import T0, gen_case, gen_conversation

NOW = T0 + timedelta(days=30)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("conversation", "outcome"),
    [
        (gen_conversation(case_reference="CS0000001", feedback="yes"), Outcome.ESCALATED),
        (gen_conversation(feedback="yes", updated_at=NOW - timedelta(hours=1)), Outcome.CONFIRMED),
        (gen_conversation(feedback="no"), Outcome.ABANDONED),
        (gen_conversation(actions=("self_help", "raise_case")), Outcome.ABANDONED),
        (gen_conversation(actions=("out_of_scope",)), Outcome.OUT_OF_SCOPE),
        (gen_conversation(actions=("self_help",)), Outcome.POTENTIAL),
        (gen_conversation(actions=("redirect",)), Outcome.POTENTIAL),
        (gen_conversation(updated_at=NOW - 6 * DAY), Outcome.PENDING),
        (gen_conversation(feedback="no", updated_at=NOW - 6 * DAY), Outcome.PENDING),
        (gen_conversation(updated_at=NOW - 7 * DAY), Outcome.POTENTIAL),
    ],
)
def test_classifies_each_conversation(conversation, outcome):
    assert classify_conversation(conversation, NOW) is outcome


def test_funnel_counts_per_london_week_and_computes_success_rate():
    sunday_night_utc = datetime(2025, 11, 9, 23, 30, tzinfo=UTC)  # still Sunday in London (GMT)
    conversations = [
        gen_conversation("1", feedback="yes"),
        gen_conversation("2"),
        gen_conversation("3", case_reference="CS0000001"),
        gen_conversation("4", feedback="no"),
        gen_conversation("5", created_at=sunday_night_utc, actions=("out_of_scope",)),
        gen_conversation("6", created_at=T0 + 7 * DAY, updated_at=NOW - DAY),
    ]
    weeks = deflection_funnel(conversations, NOW)
    assert [(w.week.isoformat(), w.conversations, w.confirmed, w.potential, w.escalated, w.abandoned,
             w.out_of_scope, w.pending) for w in weeks] == [
        ("2025-11-03", 5, 1, 1, 1, 1, 1, 0),
        ("2025-11-10", 1, 0, 0, 0, 0, 0, 1),
    ]
    assert weeks[0].success_rate == pytest.approx(2 / 4)
    assert weeks[1].success_rate is None
    total = funnel_total(weeks)
    assert total.conversations == 6 and total.pending == 1
    table = funnel_table(weeks)
    assert table.rows[0][-1] == "50.0%" and table.rows[1][-1] == ""
    assert funnel_total([]) is None


def _finished(id_: int, when: datetime, *, priority: str = "P3", due: datetime | None = None,
              status: CaseStatus = CaseStatus.RESOLVED):
    return gen_case(id=id_, reference=f"CS{id_:07d}", priority=priority, status=status, resolved_at=when,
                    sla_due_at=due or when + DAY)


def test_kcs_counts_known_new_and_unlinked_and_article_reuse():
    cases = [
        _finished(1, T0),
        _finished(2, T0 + DAY),
        _finished(3, T0 + 2 * DAY),
        _finished(4, datetime(2025, 12, 2, tzinfo=UTC), status=CaseStatus.CLOSED),
        _finished(5, T0, status=CaseStatus.IN_PROGRESS),  # still open: not counted
    ]
    cases[3] = gen_case(**{**cases[3].__dict__, "resolved_at": None, "closed_at": datetime(2025, 12, 2, tzinfo=UTC)})
    links = [
        CaseLink(1, "webhook", None, T0),
        CaseLink(2, "webhook", None, T0 + DAY),
        CaseLink(2, "certs", None, T0 + DAY),
        CaseLink(4, "certs", None, T0 + 3 * DAY),
    ]
    requests = [KnowledgeRequest(1, 3, "CS0000003", "no article", None, None, T0),
                KnowledgeRequest(2, 1, "CS0000001", "flag and link", None, None, T0)]
    r = kcs_report(cases, links, requests)
    assert (r.finished, r.known, r.new, r.unlinked) == (4, 3, 1, 0)
    assert r.link_rate == pytest.approx(3 / 4)
    assert (r.total_links, r.articles_linked, r.reused_links) == (4, 2, 2)
    assert r.reuse_rate == pytest.approx(0.5)
    assert r.top_articles == (("certs", 2), ("webhook", 2))
    assert [(m.month, m.finished, m.known, m.new) for m in r.months] == [("2025-11", 3, 2, 1), ("2025-12", 1, 1, 0)]


def test_kcs_with_nothing_resolved_has_no_rates():
    r = kcs_report([gen_case()], [], [])
    assert r.finished == 0 and r.link_rate is None and r.reuse_rate is None


def test_sla_compliance_per_month_and_priority():
    cases = [
        _finished(1, T0, priority="P1", due=T0 + DAY),  # met
        _finished(2, T0, priority="P1", due=T0 - DAY),  # breached
        _finished(3, T0, priority="P3"),
        _finished(4, datetime(2025, 12, 1, 9, tzinfo=UTC), priority="P1"),
        gen_case(id=5, priority="P2", sla_due_at=NOW - DAY),  # open and breached
        gen_case(id=6, priority="P2", sla_due_at=NOW + 10 * DAY),
    ]
    cells = sla_compliance(cases, NOW)
    assert [(c.month, c.priority, c.met, c.breached) for c in cells] == [
        ("2025-11", "P1", 1, 1), ("2025-11", "P3", 1, 0), ("2025-12", "P1", 1, 0)]
    assert cells[0].compliance == pytest.approx(0.5)
    assert [(c.priority, c.met, c.breached) for c in sla_by_priority(cells)] == [("P1", 2, 1), ("P3", 1, 0)]
    assert open_breaches(cases, NOW) == {"P2": 1}
    assert cases[4].sla_state(NOW) is SlaState.BREACHED


def _article(slug: str, *, status: Status = Status.PUBLISHED, review_by: dt.date | None = None,
             owner: str = "Desk team") -> Article:
    return Article(slug=slug, title=slug.title(), summary="", category="messaging", tags=(), status=status,
                   owner=owner, reviewed=None, review_by=review_by, related=(), scenarios=(), topics=(),
                   service_requests=(), body="", html="", text="", headings=(), path=f"articles/{slug}.md")


def test_article_stats_join_views_votes_links_and_review_dates():
    today = dt.date(2025, 12, 1)
    articles = [_article("a", review_by=dt.date(2025, 11, 30)), _article("b", review_by=today),
                _article("c", status=Status.DRAFT, review_by=dt.date(2020, 1, 1))]
    votes = [Vote("a", None, True, None, T0), Vote("a", None, False, "too short", T0), Vote("a", None, True, None, T0)]
    stats = article_stats(articles, {"b": 10, "a": 3}, votes, {"a": 2}, today)
    assert [(s.slug, s.views, s.helpful, s.unhelpful, s.linked_cases, s.overdue) for s in stats] == [
        ("b", 10, 0, 0, 0, False), ("a", 3, 2, 1, 2, True), ("c", 0, 0, 0, 0, False)]
    assert stats[1].helpful_rate == pytest.approx(2 / 3) and stats[0].helpful_rate is None
    assert articles_table(stats).rows[1][7] == "66.7%"
    assert [a.slug for a in overdue_reviews(articles, today)] == ["a"]
