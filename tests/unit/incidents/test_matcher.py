"""The keyword matcher behind the assistant's known_incident answer."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.incidents.catalogue import load_catalogue
from app.incidents.matcher import match_open_incident, match_resolved_incident
from app.incidents.records import Incident, IncidentState
from app.servicemodel import load_service_model

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CATALOGUE = load_catalogue()


def gen_incident(reference="MI0000001", services=("DIP",), severity="P1", state=IncidentState.OPEN, started=T0):
    return Incident(id=int(reference[2:]), reference=reference, scenario_id=None, title="t", reported="",
                    impact="i", next_steps=None, contact_name="c", severity=severity, services=tuple(services),
                    state=state, started_at=started, sla_due_at=started + timedelta(hours=6),
                    resolved_at=None if state is IncidentState.OPEN else started + timedelta(hours=1),
                    closed_at=None, created_by=None)


DIP = gen_incident()


@pytest.mark.parametrize("message", [
    "is the DIP down? nothing sending",
    "Our webhook has not received any messages for an hour",
    "Getting HTTP 503 errors from the Data Integration Platform",
    "dip outage?",
    "What is happening with MI0000001?",
    "Is anyone else having trouble with the DIP?",
])
def test_messages_reporting_the_incidents_service_and_a_symptom_match(message):
    match = match_open_incident(message, [DIP], CATALOGUE)
    assert match is not None and match.incident is DIP


@pytest.mark.parametrize("message", [
    "How do I register for the DIP?",  # the service, but no symptom
    "Everything is down",  # a symptom, but no service
    "REP003 report missing",  # another service's symptom
    "What does LDSO stand for?",
    # everyday DIP faults: one message, one upload, one invitation, not the service
    "The DIP portal throws 'Domain creation failed' when we add a second domain",
    "Recipient returned a level 3 business rejection for a flow we sent through DIP",
    "Our DIP onboarding was acknowledged but nothing has come through yet",
    "We can't find our connection provider when nominating on the DIP",
])
def test_messages_not_about_the_incident_do_not_match(message):
    assert match_open_incident(message, [DIP], CATALOGUE) is None


@pytest.mark.parametrize("message, services", [
    ("Saturday night and no PUB responses from one LDSO for two hours", ("Registration",)),
    ("Callisto hasn't sent us any actual data for two days", ("SDS",)),
    ("We haven't received D0010 flows since this morning", ("DTN",)),
])
def test_a_negation_next_to_the_service_is_a_symptom(message, services):
    incident = gen_incident("MI0000003", services=services)
    assert match_open_incident(message, [incident], CATALOGUE).incident is incident


def test_only_open_incidents_match_and_the_service_named_most_wins():
    resolved = gen_incident(state=IncidentState.RESOLVED)
    assert match_open_incident("is the DIP down?", [resolved], CATALOGUE) is None
    vas = gen_incident("MI0000002", services=("VAS",), severity="P2")
    both = [DIP, vas]
    assert match_open_incident("no receipt of REP003 reports from VAS", both, CATALOGUE).incident is vas
    match = match_open_incident("DIP webhook not working", both, CATALOGUE)
    assert match.incident is DIP and match.services == ("DIP",)


def test_a_resolved_incident_is_found_when_asked_about():
    resolved = gen_incident(state=IncidentState.RESOLVED)
    assert match_resolved_incident("was the DIP outage fixed?", [resolved], CATALOGUE).incident is resolved
    assert match_resolved_incident("MI0000001 status?", [resolved], CATALOGUE).incident is resolved
    assert match_resolved_incident("is the DIP down? nothing sending", [resolved], CATALOGUE) is None
    assert match_resolved_incident("was the DIP outage fixed?", [DIP], CATALOGUE) is None  # still open


def test_every_section_18_scenario_maps_to_a_catalogued_service():
    for scenario in load_service_model().major_incidents.values():
        assert CATALOGUE.for_scenario(scenario), scenario.id
