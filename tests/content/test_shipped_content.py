"""The shipped knowledge base covers what the service definition plans, so coverage cannot silently regress."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.content.repository import ContentRepository
from app.servicemodel import load_service_model

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_ACRONYMS = (
    "MHHS DIP LDSO MPRS EES CSS DCC DTN SDS ADS VAS MDS LSS ISD DAH DUoS REP002a REP003 IF-021 IF-036 D0010 "
    "D0030 PUB DCP MDR CAB ECAB SLA OLA UC RACI KA CI BSC"
).split()


@pytest.fixture(scope="module")
def repo() -> ContentRepository:
    return ContentRepository(ROOT)


def test_every_shipped_file_loads(repo):
    assert [str(p) for p in repo.problems] == []


def test_at_least_sixty_substantial_published_articles(repo):
    published = repo.published()
    assert len(published) >= 60
    for a in published:
        assert a.word_count >= 150, f"{a.slug} has {a.word_count} words"
        assert a.summary and len(a.summary) <= 300, a.slug
        assert a.headings, f"{a.slug} has no headings"
        assert a.related, f"{a.slug} has no related links"
        assert a.owner and a.reviewed and a.review_by, a.slug


def test_every_knowledge_topic_is_covered(repo):
    covered = {t for a in repo.published() for t in a.topics}
    assert sorted(set(load_service_model().topics) - covered) == []


def test_every_dip_scenario_is_covered(repo):
    covered = {s for a in repo.published() for s in a.scenarios}
    assert sorted(set(load_service_model().scenarios) - covered) == []


def test_most_raised_service_requests_have_how_tos(repo):
    covered = {s for a in repo.published() for s in a.service_requests}
    assert sorted(set(load_service_model().service_requests) - covered) == []


def test_only_known_source_ids_are_cited(repo):
    known = load_service_model().known_ids()
    unknown = {(a.slug, i) for a in repo.all_articles() for i in a.covers() if i not in known}
    assert unknown == set()


def test_glossary_has_150_terms_and_every_service_definition_acronym(repo):
    assert len(repo.glossary) >= 150
    missing = [a for a in REQUIRED_ACRONYMS if repo.find_term(a) is None]
    assert missing == []
