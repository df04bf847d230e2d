"""Case drafts equal the service definition's rows; priorities follow the 6.3 matrix."""
from __future__ import annotations

import pytest

from app.assistant.routing import draft_for, levels_for_outage, linked_major_incidents, scenario_json
from app.assistant.signals import Level, read_signals
from app.cases.routing import derive_routing
from app.servicemodel import (
    SERVICE_REQUEST_PRIORITY,
    SERVICE_REQUEST_REPORT_TO,
    SERVICE_REQUEST_TYPE,
    load_service_model,
)

MODEL = load_service_model()


@pytest.mark.parametrize("sid", sorted(MODEL.scenarios))
def test_every_scenario_row_gives_a_draft_equal_to_its_data(sid):
    row = MODEL.scenarios[sid]
    draft = draft_for("dip", sid, MODEL)
    if row.self_help_only:
        assert draft is None
        return
    assert (draft.category, draft.type, draft.report_to, draft.priority, draft.channel, draft.steps) == (
        row.category, row.type, row.report_to, row.priority, row.channel, row.steps)
    assert draft.subcategory is None and sid in draft.reason


@pytest.mark.parametrize("sid", sorted(MODEL.service_requests))
def test_service_request_draft(sid):
    sr = MODEL.service_requests[sid]
    draft = draft_for("sr", sid, MODEL)
    assert (draft.category, draft.subcategory, draft.type, draft.report_to, draft.priority) == (
        "Service Users", sr.name, SERVICE_REQUEST_TYPE, SERVICE_REQUEST_REPORT_TO, SERVICE_REQUEST_PRIORITY)
    assert draft.report_to == "Elexon Service Portal" and draft.priority == "P4"
    saved = derive_routing({"category": sr.category, "scenario_id": sid}, MODEL)
    assert draft.steps == saved.steps  # the draft shows what the saved case will hold


@pytest.mark.parametrize(("impact", "urgency", "priority", "target"), [
    ("High", "High", "P1", "6 hours"), ("Medium", "High", "P2", "1 day"), ("Low", "High", "P3", "5 business days"),
    ("High", "Medium", "P2", "1 day"), ("Medium", "Medium", "P3", "5 business days"),
    ("Low", "Medium", "P4", "20 business days"), ("High", "Low", "P3", "5 business days"),
    ("Medium", "Low", "P4", "20 business days"), ("Low", "Low", "P4", "20 business days"),
])
def test_incident_priority_from_impact_and_urgency(impact, urgency, priority, target):
    ic = MODEL.incident_categories["IC-07"]
    draft = draft_for("incident", "IC-07", MODEL, Level(impact, "test"), Level(urgency, "test"))
    assert (draft.category, draft.subcategory, draft.type, draft.report_to) == (
        ic.category, ic.subcategory, "Incident", "Elexon Service Portal")
    assert draft.priority == priority
    assert draft.derivation.target.text == target
    assert f"gives {priority}" in draft.reason and target in draft.reason


@pytest.mark.parametrize(("text", "impact", "urgency"), [
    ("The DIP is down for all users", "High", "High"),
    ("market-wide: nothing is coming through", "High", "High"),
    ("several participants report it, we have a workaround", "Medium", "Medium"),
    ("multiple suppliers cannot send anything", "Medium", "High"),
    ("reports from CSS are late", "Medium", "High"),  # nothing said: an outage is assumed to hit several users
])
def test_outage_levels_from_words_or_assumed(text, impact, urgency):
    i, u = levels_for_outage(read_signals(text))
    assert (i.level, u.level) == (impact, urgency)


def test_assumed_levels_say_so():
    i, u = levels_for_outage(read_signals("CSS registrations are late"))
    assert i.reason.startswith("assumed") and u.reason.startswith("assumed")


def test_resolver_groups_come_from_the_appendix_in_the_draft_and_the_saved_case():
    assert MODEL.resolver_groups_for(MODEL.incident_categories["IC-08"].subcategory) == ["Helix Internal Team"]
    draft = draft_for("incident", "IC-08", MODEL, Level("High", "t"), Level("High", "t"))
    saved = derive_routing({"category": draft.category, "subcategory": draft.subcategory, "impact": "High",
                            "urgency": "High"}, MODEL)
    assert "Resolver group: Helix Internal Team" in draft.steps and draft.steps == saved.steps
    assert (draft.type, draft.report_to, draft.priority) == (saved.type, saved.report_to, saved.priority)


def test_major_incident_scenarios_fall_under_their_category():
    def ids(ic: str) -> list[str]:
        return [sc.id for sc in linked_major_incidents(MODEL.incident_categories[ic], MODEL)]

    assert ids("IC-06") == ["SC5"]
    assert ids("IC-02") == ["SC4"]
    assert ids("IC-07") == ["SC8"]
    assert ids("IC-09") == ["SC15"]
    assert ids("IC-12") == ["SC9", "SC10", "SC11"]


def test_scenario_json_for_rows_and_requests():
    assert scenario_json("dip", "DIP-SEND-04", MODEL) == {
        "id": "DIP-SEND-04", "category": "DIP – Send Message", "description": "Bounce Back"}
    assert scenario_json("sr", "SR-04", MODEL)["category"] == "Service Users"
    assert scenario_json("incident", "IC-01", MODEL) == {
        "id": "IC-01", "category": "Choreography", "description": "DIP Service Failures (In Hours)"}


@pytest.mark.parametrize(("text", "out_of_hours"), [
    ("the DIP has been down all night", True),
    ("nothing is coming through and it is the weekend", True),
    ("replaying messages from last night fails", False),
    ("the batch we sent on Saturday was rejected", False),
    ("it failed yesterday evening", False),
])
def test_out_of_hours_is_now_not_when_it_happened(text, out_of_hours):
    assert read_signals(text).out_of_hours is out_of_hours
