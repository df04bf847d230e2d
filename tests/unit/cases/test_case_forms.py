from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.cases.forms import FIELDS, validate_case_form
from app.cases.routing import DIP_REPORT_TO, derive_routing, known_categories
from app.servicemodel import load_service_model


def test_valid_dip_scenario_form_routes_from_the_scenario(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(gen_case_form())
    assert errors == {}
    routing = clean["routing"]
    assert (routing.type, routing.report_to, routing.priority, routing.channel) == (
        "Service Request",
        "DIP Manager via Elexon Portal",
        "P3",
        "PORTAL",
    )
    assert routing.steps == ("Level 1: Triage & allocate to DIP Manager for further triage/progression",)
    assert clean["scenario_id"] == "DIP-REG-01"


@pytest.mark.parametrize(
    ("missing", "field"),
    [("name", "name"), ("email", "email"), ("cra_market_role", "cra_market_role"), ("category", "category"),
     ("subject", "subject"), ("description", "description"), ("party_id", "party_id"),
     ("market_participant_id", "market_participant_id")],
)  # fmt: skip
def test_required_fields_get_a_message_beside_them(
    missing: str, field: str, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    _, errors = validate_case_form(gen_case_form(**{missing: "   "}))
    assert field in errors


@pytest.mark.parametrize(
    "email", ["ada", "ada@", "@example.com", "ada@example", "ada@@example.com", "a b@example.com", "ada..x@example.com"]
)
def test_malformed_email_is_refused(email: str, gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(email=email))
    assert "correct format" in errors["email"]


def test_every_field_has_a_length_limit(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    for spec in FIELDS:
        _, errors = validate_case_form(gen_case_form(**{spec.name: "x" * (spec.max_length + 1)}))
        assert spec.name in errors, spec.name


def test_no_party_id_needs_an_unregistered_organisation_name_or_its_tick(
    gen_case_form: Callable[..., dict[str, Any]],
) -> None:
    _, errors = validate_case_form(gen_case_form(party_id="", no_party_id="on"))
    assert "unregistered_organisation" in errors
    _, errors = validate_case_form(gen_case_form(party_id="", no_party_id="on", unregistered_organisation="Ada Power"))
    assert errors == {}
    clean, errors = validate_case_form(gen_case_form(party_id="", no_party_id=True, no_organisation_name=True))
    assert errors == {} and clean["no_party_id"] and clean["no_organisation_name"]


def test_ticking_no_market_participant_id_is_enough(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(gen_case_form(market_participant_id="", no_market_participant_id="on"))
    assert errors == {} and clean["market_participant_id"] is None


def test_a_typed_party_id_wins_over_a_stale_tick(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(gen_case_form(no_party_id="on"))
    assert errors == {} and clean["no_party_id"] is False


def test_a_party_id_typed_as_the_organisation_fills_party_id(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(gen_case_form(organisation="BGAS", party_id=""))
    assert errors == {} and clean["party_id"] == "BGAS"
    _, errors = validate_case_form(gen_case_form(organisation="Octopus Energy", party_id=""))
    assert "party_id" in errors  # a name is not a Party ID
    _, errors = validate_case_form(gen_case_form(organisation="Octopus", party_id=""))
    assert "party_id" in errors


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "http://", "https://exa mple.com"])
def test_url_must_be_http_or_https(url: str, gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(url=url))
    assert "url" in errors


def test_unknown_category_is_refused(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(category="Anything", scenario_id=""))
    assert errors["category"] == "Choose a category from the list"


def test_incident_category_uses_the_matrix_for_impact_and_urgency(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    form = gen_case_form(category="Choreography", subcategory="DTN Service Failure", scenario_id="")
    clean, errors = validate_case_form({**form, "impact": "high", "urgency": "High"})
    assert errors == {}
    assert (clean["routing"].type, clean["routing"].report_to, clean["routing"].priority) == (
        "Incident",
        "Elexon Service Portal",
        "P1",
    )
    assert (clean["impact"], clean["urgency"]) == ("High", "High")


def test_missing_impact_or_urgency_is_assumed_medium(
    gen_case_form: Callable[..., dict[str, Any]],
) -> None:
    clean, errors = validate_case_form(gen_case_form(category="Choreography", scenario_id="", impact="High"))
    assert errors == {}
    assert clean["routing"].priority == "P2" and "assumed High x Medium" in clean["routing"].priority_basis
    assert (clean["impact"], clean["urgency"]) == ("High", None)  # what the raiser said, as they said it


def test_subcategory_must_belong_to_the_incident_category(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    form = gen_case_form(
        category="Choreography", subcategory="EES Service Failure", scenario_id="", impact="Low", urgency="Low"
    )
    _, errors = validate_case_form(form)
    assert "subcategory" in errors


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("High", "High", "P1"), ("Medium", "High", "P2"), ("Low", "High", "P3"), ("Low", "Low", "P4")],
)
def test_dip_category_without_scenario_routes_to_dip_manager_with_matrix_priority(
    impact: str, urgency: str, priority: str, gen_case_form: Callable[..., dict[str, Any]]
) -> None:
    clean, errors = validate_case_form(
        gen_case_form(category="DIP – Send Message", scenario_id="", impact=impact, urgency=urgency)
    )
    assert errors == {}
    assert clean["routing"].report_to == DIP_REPORT_TO
    assert clean["routing"].priority == priority


def test_service_request_is_p4_and_named_after_the_catalogue_entry(
    gen_case_form: Callable[..., dict[str, Any]],
) -> None:
    clean, errors = validate_case_form(gen_case_form(category="Service Users", scenario_id="", sr="SR-03"))
    assert errors == {}
    assert clean["scenario_id"] == "SR-03"
    assert clean["subcategory"] == "Amendment to Submitted Data"
    assert (clean["routing"].type, clean["routing"].priority) == ("Service Request", "P4")


def test_changing_the_category_drops_a_scenario_from_another_category(
    gen_case_form: Callable[..., dict[str, Any]],
) -> None:
    clean, errors = validate_case_form(gen_case_form(category="DIP – Send Message", impact="Low", urgency="Low"))
    assert errors == {}
    assert clean["scenario_id"] is None
    assert clean["routing"].source == "category"


def test_unknown_scenario_id_is_refused(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(scenario_id="DIP-REG-99"))
    assert "scenario_id" in errors
    _, errors = validate_case_form(gen_case_form(scenario_id="<script>"))
    assert "scenario_id" in errors


def test_client_sent_priority_never_overrides_the_service_model(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(gen_case_form(priority="P1", type="Incident", report_to="CEO"))
    assert errors == {}
    assert clean["routing"].priority == "P3"
    assert clean["draft_priority"] == "P1"


def test_assistant_draft_consistent_with_routing_is_accepted(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(
        gen_case_form(type="Service Request", report_to="DIP Manager via Elexon Portal", priority="P3")
    )
    assert errors == {} and clean["routing"].priority == "P3"


def test_self_help_only_scenario_still_raises_a_case_by_category(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    model = load_service_model()
    sid = next(s.id for s in model.scenarios.values() if s.self_help_only)
    category = model.scenarios[sid].category
    clean, errors = validate_case_form(
        gen_case_form(category=category, scenario_id=sid, impact="Low", urgency="Medium")
    )
    assert errors == {}
    assert clean["scenario_id"] == sid and clean["routing"].source == "category"


def test_single_line_fields_fold_newlines_and_control_characters(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    clean, errors = validate_case_form(
        gen_case_form(name="Ada\r\nBcc: evil@example.com\x00", description="line 1\r\nline 2")
    )
    assert errors == {}
    assert clean["name"] == "Ada Bcc: evil@example.com"
    assert clean["description"] == "line 1\nline 2"


def test_bad_conversation_id_is_refused(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(conversation_id="not-a-uuid"))
    assert "conversation_id" in errors


def test_known_categories_cover_dip_incident_and_service_users() -> None:
    cats = known_categories(load_service_model())
    assert cats[0] == "DIP – Registration / General Portal"
    assert "Choreography" in cats and cats[-1] == "Service Users"


def test_partial_values_preview_routing_or_none() -> None:
    model = load_service_model()
    assert derive_routing({}, model) is None
    assert derive_routing({"category": "Nonsense"}, model) is None
    assert derive_routing({"category": "Choreography", "impact": "High", "urgency": "Medium"}, model).priority == "P2"  # type: ignore[union-attr]


def test_invisible_characters_do_not_count_as_an_answer(gen_case_form: Callable[..., dict[str, Any]]) -> None:
    _, errors = validate_case_form(gen_case_form(name="\x00\x1f \u2028", subject="\ud800"))
    assert {"name", "subject"} <= set(errors)
