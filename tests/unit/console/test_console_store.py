from __future__ import annotations

import pytest

from app.cases.store import CaseStore
from app.console.store import ConsoleStore
from app.console.views import ViewCounter

FORM = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}


@pytest.fixture
def case(engine, clock):
    created, _ = CaseStore(engine, clock=clock).create_case(FORM)
    return created


@pytest.fixture
def console(engine, clock) -> ConsoleStore:
    return ConsoleStore(engine, clock)


def test_links_articles_to_a_case_once_each(console, case):
    console.link_articles(case.id, ["webhook-not-working", "raise-a-case"], "agent@example.com")
    links = console.link_articles(case.id, ["raise-a-case"], "agent@example.com")
    assert [link.slug for link in links] == ["webhook-not-working", "raise-a-case"]
    assert console.cases_resolved_by("raise-a-case") == 1
    assert console.link_counts() == {"webhook-not-working": 1, "raise-a-case": 1}


def test_records_a_knowledge_request_in_the_cases_words(console, case):
    req = console.add_request(f"{case.subject}\n\n{case.description}", case_id=case.id,
                              case_reference=case.reference, note="  ", created_by="agent@example.com")
    assert req.note is None and req.case_reference == case.reference
    assert [r.text for r in console.requests_for_case(case.id)] == [req.text]
    with pytest.raises(ValueError):
        console.add_request("   ")


def test_view_counter_batches_and_sums_per_day(engine, clock):
    views = ViewCounter(engine, clock, flush_seconds=3600, max_pending=3)
    views.record("a")
    views.record("a")
    assert ViewCounter(engine, clock).totals() == {}  # still in memory
    views.record("b")  # third view reaches max_pending
    assert ViewCounter(engine, clock).totals() == {"a": 2, "b": 1}
    clock.advance(days=1)
    views.record("a")
    assert views.totals() == {"a": 3, "b": 1}  # totals flushes first
    assert views.last_days(1) == {"a": 1}
