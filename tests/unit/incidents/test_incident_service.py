"""Declaring, updating, resolving and closing major incidents; followers and linked cases' raisers by email."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.cases.db import Base
from app.cases.records import CaseStatus, SlaState
from app.incidents import (
    IncidentClosed,
    IncidentNotFound,
    IncidentState,
    InvalidIncident,
    InvalidIncidentTransition,
    UpdateKind,
    models,  # noqa: F401  (the tables compared below)
)


def mails(outbox: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(outbox.glob("*.eml"))]


def body(msg) -> str:
    return msg.get_content()


def declare(incidents, **overrides):
    values = dict(title="DIP not delivering messages", impact="Messages are not being delivered.", severity="P1",
                  scenario="SC1", author="agent@example.com")
    values.update(overrides)
    return incidents.declare(**values)


def raise_case(case_store, gen_case_form, **overrides):
    case, _ = case_store.create_case(gen_case_form(**overrides))
    return case


@pytest.fixture
def gen_case_form():
    from tests.unit.cases.conftest import make_case_form

    return make_case_form


def test_migration_creates_the_incident_tables_as_the_models_declare_them(engine):
    tables = {"incidents", "incident_updates", "incident_followers", "incident_cases", "incident_answers"}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, r, c: (obj if type_ == "table" else obj.table).name in tables,
        }), Base.metadata)
    assert diff == []


def test_declaring_gives_sequential_references_and_the_section_7_2_fields(incidents, clock):
    first = declare(incidents)
    second = declare(incidents, scenario="none", services=["dtn"], severity="p2", contact_name="Jo Bloggs",
                     next_steps="Next update at 10:00.")
    assert (first.reference, second.reference) == ("MI0000001", "MI0000002")
    assert first.services == ("DIP",)  # from the scenario's system
    assert first.scenario_id == "SC1" and first.contact_name == "Elexon Service Desk"
    assert first.reported.startswith("SDS receiving http error message")  # the scenario's "who raises"
    assert first.started_at == clock.now and first.state is IncidentState.OPEN
    assert first.sla_due_at == clock.now + timedelta(hours=6)  # P1: 6 hours, 24x7
    assert second.services == ("DTN",) and second.severity == "P2" and second.contact_name == "Jo Bloggs"
    assert second.sla_due_at == clock.now + timedelta(days=1)  # P2: one business day from a Monday
    assert [u.kind for u in first.updates] == [UpdateKind.DECLARED]


def test_sla_status_is_breached_once_the_due_time_passes_unresolved(incidents, clock):
    incident = declare(incidents)
    assert incident.sla_status(clock.now) is SlaState.IN_SLA
    assert incident.sla_status(clock.now + timedelta(hours=6, seconds=1)) is SlaState.BREACHED
    clock.advance(hours=2)
    resolved = incidents.resolve(incident.reference, "Fixed.").incident
    assert resolved.sla_status(clock.now + timedelta(days=3)) is SlaState.IN_SLA


@pytest.mark.parametrize("overrides, field, names", [
    ({"scenario": "SC6"}, "scenario", "SC6"),  # not in the document
    ({"scenario": "none", "services": ["DIP", "Telex"]}, "services", "Telex"),
    ({"scenario": "none"}, "services", "at least one"),
    ({"severity": "P3"}, "severity", "P1 or P2"),
    ({"title": "  "}, "title", "title"),
    ({"impact": ""}, "impact", "impact statement"),
])
def test_bad_declarations_name_the_field(incidents, overrides, field, names):
    with pytest.raises(InvalidIncident) as err:
        declare(incidents, **overrides)
    assert err.value.field == field and names in err.value.message


def test_followers_confirm_by_link_and_get_updates_and_the_resolution_with_an_unfollow_link(incidents, outbox):
    incident = declare(incidents)
    follower = incidents.follow_by_email(incident.reference, "Pat@Example.com")
    again = incidents.follow_by_email(incident.reference, "pat@example.com")  # not yet confirmed: link resent
    assert again.id == follower.id
    confirmations = mails(outbox)
    assert len(confirmations) == 2 and f"/status/follow/{follower.token}" in body(confirmations[0])
    incidents.post_update(incident.reference, "Before confirming: not sent.")
    assert len(mails(outbox)) == 2

    assert incidents.confirm_follower(follower.token)[0].confirmed
    assert incidents.follow_by_email(incident.reference, "pat@example.com").confirmed  # idempotent, no mail
    assert len(mails(outbox)) == 2
    incidents.post_update(incident.reference, "Supplier of DIP hosting engaged.", internal_note="Vendor ticket 42")
    incidents.resolve(incident.reference, "Routing tables rebuilt; messages flowing.")
    update, resolution = mails(outbox)[2:]
    assert update["To"] == "pat@example.com" and "Supplier of DIP hosting engaged." in body(update)
    assert "Vendor ticket 42" not in body(update)
    assert "Resolved" in resolution["Subject"] and "messages flowing" in body(resolution)
    for msg in (update, resolution):
        assert f"/status/unfollow/{follower.token}" in body(msg)

    assert incidents.unfollow(follower.token)
    incidents.store.add_update(incident.reference, "after unfollowing")
    assert incidents.store.followers(incident.id) == []


def test_resolving_resolves_linked_cases_and_emails_each_raiser_once(incidents, case_store, gen_case_form, outbox):
    incident = declare(incidents)
    a1 = raise_case(case_store, gen_case_form, email="ann@example.com", subject="DIP down")
    a2 = raise_case(case_store, gen_case_form, email="ann@example.com", subject="Still nothing sending")
    b = raise_case(case_store, gen_case_form, email="bob@example.com", name="Bob")
    other = raise_case(case_store, gen_case_form, email="cy@example.com")
    linked = incidents.link_cases(incident.reference, [a1.reference, a2.reference, b.reference, "CS9999999"],
                                  author="agent@example.com")
    assert linked == [a1.reference, a2.reference, b.reference]
    assert incidents.link_cases(incident.reference, [a1.reference]) == []  # already attached

    result = incidents.resolve(incident.reference, "Routing tables rebuilt.", author="agent@example.com")
    assert set(result.cases_resolved) == {a1.reference, a2.reference, b.reference} and result.raisers_emailed == 2
    for case in (a1, a2, b):
        resolved = case_store.get_case_for_staff(case.reference)
        assert resolved.status is CaseStatus.RESOLVED and "Routing tables rebuilt." in resolved.events[-1].body
    assert case_store.get_case_for_staff(other.reference).status is CaseStatus.NEW
    raiser_mail = [m for m in mails(outbox) if "Resolved" in m["Subject"]]
    assert sorted(m["To"] for m in raiser_mail) == ["ann@example.com", "bob@example.com"]
    ann = next(m for m in raiser_mail if m["To"] == "ann@example.com")
    assert a1.reference in body(ann) and a2.reference in body(ann) and "Routing tables rebuilt." in body(ann)


def test_lifecycle_is_audited_and_a_closed_incident_refuses_updates_with_the_reason(incidents):
    incident = declare(incidents)
    with pytest.raises(InvalidIncidentTransition):
        incidents.close(incident.reference, author="a")
    incidents.post_update(incident.reference, "Investigating.", internal_note="call at 10", author="a")
    incidents.resolve(incident.reference, "Fixed.", author="b")
    with pytest.raises(InvalidIncidentTransition):
        incidents.resolve(incident.reference, "Again.", author="b")
    closed = incidents.close(incident.reference, author="c")
    assert [(u.kind, u.author) for u in closed.updates] == [
        (UpdateKind.DECLARED, "agent@example.com"), (UpdateKind.UPDATE, "a"),
        (UpdateKind.RESOLVED, "b"), (UpdateKind.CLOSED, "c")]
    assert closed.updates[1].internal_note == "call at 10"
    with pytest.raises(IncidentClosed, match="closed: it takes no more updates"):
        incidents.post_update(incident.reference, "Too late.")


def test_unknown_reference_is_not_found(incidents):
    with pytest.raises(IncidentNotFound):
        incidents.post_update("MI0000042", "text")
    with pytest.raises(IncidentNotFound):
        incidents.store.get("not-a-reference")


def test_cases_raised_during_the_incident_whose_routing_names_its_services_are_suggested(
        incidents, case_store, gen_case_form, clock):
    before = raise_case(case_store, gen_case_form)  # a DIP category, but raised before the incident
    clock.advance(minutes=5)
    incident = declare(incidents)
    clock.advance(minutes=5)
    dip = raise_case(case_store, gen_case_form)  # "DIP – Registration / General Portal"
    elsewhere = raise_case(case_store, gen_case_form, category="Service Provider Definition of Impact",
                           subcategory="EES Service Failure", subject="EES enquiries fail", scenario_id=None,
                           impact="High", urgency="High")
    suggested = [c.reference for c in incidents.suggested_cases(incident)]
    assert suggested == [dip.reference]
    assert before.reference not in suggested and elsewhere.reference not in suggested


def test_the_report_counts_cases_answers_followers_and_times_against_the_sla(incidents, case_store, gen_case_form,
                                                                           clock):
    from app.incidents.reports import describe_duration, incident_report

    incident = declare(incidents)
    case = raise_case(case_store, gen_case_form)
    incidents.link_cases(incident.reference, [case.reference])
    incidents.store.record_known_incident_answer(incident.id, "c1")
    incidents.store.record_known_incident_answer(incident.id, None)
    incidents.follow_signed_in(incident.reference, "pat@example.com")  # the one-click path: confirmed at once
    incidents.follow_by_email(incident.reference, "sam@example.com")  # not yet confirmed
    clock.advance(minutes=25)
    incidents.post_update(incident.reference, "Investigating.")
    clock.advance(hours=6)
    resolved = incidents.resolve(incident.reference, "Fixed.").incident
    report = incident_report(resolved, incidents.store.counts(resolved.id), clock.now)
    assert (report.linked_cases, report.known_incident_answers, report.followers, report.pending_followers) == (
        1, 2, 1, 1)
    assert describe_duration(report.time_to_first_update) == "25 min"
    assert describe_duration(report.time_to_resolution) == "6 h 25 min"
    assert describe_duration(report.sla_target) == "6 h 00 min" and report.sla_status is SlaState.BREACHED
