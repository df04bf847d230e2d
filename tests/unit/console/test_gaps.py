from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
import yaml

from app.cases.records import CaseStatus, Vote
from app.console.gaps import (
    GapItem,
    GapSource,
    article_stub,
    collect_gap_items,
    gaps_table,
    group_gaps,
    similarity,
    tokens,
)
from app.console.searchlog import SearchGap, is_poor_search
from app.console.store import CaseLink, KnowledgeRequest
from app.content.frontmatter import split_document

from .conftest import T0, gen_case, gen_conversation


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Webhook not working", "webhooks not working?", 1.0),
        ("webhook", "webhook not working", 0.5),
        ("certificate upload fails", "How do I renew my certificate", 0.25),
        ("the and of", "webhook", 0.0),
    ],
)
def test_token_set_similarity(a, b, expected):
    assert similarity(tokens(a), tokens(b)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("entry", "poor"),
    [
        (("keyword", 0, None), True),
        (("keyword", 3, 0.1), False),
        (("semantic", 3, 0.2), True),
        (("semantic", 3, 0.6), False),
    ],
)
def test_poor_searches(entry, poor):
    assert is_poor_search(*entry) is poor


def test_collects_every_source_of_gaps():
    resolved_unlinked = gen_case(id=1, reference="CS0000001", status=CaseStatus.RESOLVED, resolved_at=T0)
    resolved_linked = gen_case(id=2, reference="CS0000002", status=CaseStatus.RESOLVED, resolved_at=T0)
    still_open = gen_case(id=3, reference="CS0000003")
    items = collect_gap_items(
        searches=[SearchGap("webhook timeout", 3, T0, T0 + timedelta(days=1))],
        conversations=[gen_conversation("a", question="Webhook times out", case_reference="CS0000001"),
                       gen_conversation("b", case_reference="CS0000002"),
                       gen_conversation("c", case_reference="CS0000003"),
                       gen_conversation("d")],
        cases=[resolved_unlinked, resolved_linked, still_open],
        links=[CaseLink(2, "webhook-not-working", None, T0)],
        requests=[KnowledgeRequest(1, 1, "CS0000001", "Webhook timeout after 30s", None, None, T0)],
        votes=[Vote("a", None, False, "Says nothing about timeouts", T0), Vote("a", None, False, None, T0),
               Vote("a", None, True, "great", T0)],
    )
    assert [(i.source, i.text, i.ref, i.count) for i in items] == [
        (GapSource.SEARCH, "webhook timeout", None, 3),
        (GapSource.ASSISTANT, "Webhook times out", "CS0000001", 1),
        (GapSource.NO_ARTICLE, "Webhook timeout after 30s", "CS0000001", 1),
        (GapSource.UNHELPFUL, "Says nothing about timeouts", "a", 1),
    ]


def _item(text: str, source: GapSource = GapSource.SEARCH, days: int = 0, ref: str | None = None) -> GapItem:
    return GapItem(source, text, T0 + timedelta(days=days), ref)


def test_groups_similar_wording_biggest_first_with_a_stable_key():
    items = [
        _item("webhook not working"),
        _item("Webhook not working", days=1),
        _item("Our webhooks are not working at all", GapSource.ASSISTANT, days=2, ref="CS0000009"),
        _item("webhook not receiving messages"),  # shares too few words
        _item("webhook", GapSource.NO_ARTICLE, days=3),
        _item("certificate renewal"),
        _item("the and"),  # no usable words
    ]
    groups = group_gaps(items)
    assert [g.size for g in groups] == [4, 1, 1]
    top = groups[0]
    assert top.title == "webhook not working"
    assert top.sources == {GapSource.SEARCH: 2, GapSource.ASSISTANT: 1, GapSource.NO_ARTICLE: 1}
    assert top.refs == ("CS0000009",) and top.keywords(2) == ["webhook", "work"]
    assert group_gaps(list(reversed(items)))[0].key == top.key
    row = gaps_table(groups).rows[0]
    assert row[:7] == (top.key, "webhook not working", 4, 2, 1, 1, 0)


def test_article_stub_is_a_draft_the_content_loader_accepts_with_user_text_escaped():
    group = group_gaps([_item("webhook: <script>alert(1)</script> not working"),
                        _item("Webhook not working [click](javascript:alert(1))", days=1)])[0]
    stub = article_stub(group, category="messaging", owner="km@example.com", today=dt.date(2025, 12, 1))
    meta, body, _, _ = split_document(stub)
    assert meta["status"] == "draft" and meta["category"] == "messaging" and meta["owner"] == "km@example.com"
    assert meta["title"].startswith("Webhook") and meta["review_by"] == dt.date(2026, 5, 30)
    assert "webhook" in meta["tags"]
    assert "<script>" not in body and r"\<script\>" in body and r"\[click\]" in body
    assert yaml.safe_load(stub.split("---")[1])["summary"].startswith("TODO")
