"""The shipped knowledge base covers what the service definition plans, so coverage cannot silently regress."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cases.sla import target_for
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


def _paragraphs(repo):
    for a in repo.published():
        for para in a.body.split("\n\n"):
            yield a.slug, para


def test_the_72_hour_retry_period_is_only_ever_the_data_acquisition_hub_outage(repo):
    # The LLSD gives 72 hours for SC14 alone; telling senders not to resubmit because of it could lose data.
    wrong = [(slug, p[:80]) for slug, p in _paragraphs(repo) if "72 hours" in p and "Data Acquisition Hub" not in p]
    assert wrong == []
    told_not_to_resend = [slug for slug, p in _paragraphs(repo)
                          if re.search(r"(do not|don't|should not) resubmit", p, re.I)]
    assert told_not_to_resend == []


def test_one_name_for_each_thing(repo):
    text = {a.slug: a.body for a in repo.published()}
    assert [s for s, body in text.items() if "Volume Aggregation Service" in body] == []
    # procedures are due in the Operation Guides, the final example lists in the Operations Manual
    assert [s for s, body in text.items() if re.search(r"procedures?[^.]*Operations Manual", body)] == []


def test_articles_send_readers_to_this_sites_case_form_not_an_outside_portal(repo):
    assert [a.slug for a in repo.published() if "support.elexon.co.uk" in a.body] == []


def test_the_example_list_caveat_is_said_once_site_wide_not_in_articles(repo):
    caveat = re.compile(r"(scenario (list|table)|catalogue|service request list)[^.]*\b(is|are) (an )?examples?\b",
                        re.I)
    assert [a.slug for a in repo.published() if caveat.search(a.body)] == []


def test_the_priorities_article_states_the_targets_the_sla_clock_counts(repo):
    article = repo.get_article("incident-priorities-and-service-levels")
    for priority in ("P1", "P2", "P3", "P4"):
        assert f"| {priority} | {target_for(priority).text} |" in article.body
    assert "P2" in repo.find_term("business day").definition
