"""Raise, confirm and track a case through the web pages and the JSON API."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.cases import Turn

DIP_REG = "DIP – Registration / General Portal"


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "party_id": "ADAPWR",
        "market_participant_id": "ADAP",
        "cra_market_role": "Supplier",
        "category": DIP_REG,
        "scenario_id": "DIP-REG-01",
        "subject": "No DIP invitation link yet",
        "description": "We requested onboarding on the 3rd and have had nothing.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def csrf(client) -> str:
    with client.session_transaction() as session:
        session["_csrf"] = "test-csrf"
    return "test-csrf"


def kb(app):
    return app.extensions["kb"]


def outbox(app) -> list[str]:
    folder = app.config["KB_OUTBOX_DIR"]
    from pathlib import Path

    return [p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.eml"))]


def submit(client, csrf: str, **overrides: Any):
    return client.post("/cases/form", data={**form(**overrides), "csrf_token": csrf, "action": "submit"})


def raise_via_api(client, **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/cases", json=form(**overrides))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# -- the two doors --------------------------------------------------------------------------------
def test_raise_a_case_page_offers_both_doors(client) -> None:
    html = client.get("/cases/new").get_data(as_text=True)
    assert "Report a service issue" in html and "Request a service" in html
    assert f'<option value="{DIP_REG}">' in html and '<option value="Choreography">' in html
    assert "39 requests." in html and "/cases/form?sr=SR-01" in html


def test_service_catalogue_is_filtered_by_a_plain_get(client) -> None:
    html = client.get("/cases/new?q=bulk+upload").get_data(as_text=True)
    assert "Bulk Data Upload" in html and "New Data Submission" not in html
    assert "1 of 39 requests match" in html


@pytest.mark.parametrize("q, expected", [
    ("add user", "New User Access Request"),
    ("new starter", "New User Access Request"),
    ("password reset", "User Permissions Update"),
    ("contact details", "Account Deactivation"),
    ("trainng", "Training Session Request"),  # a typo
])
def test_the_catalogue_filter_understands_what_people_call_a_request(client, q, expected) -> None:
    html = client.get("/cases/new", query_string={"q": q}).get_data(as_text=True)
    requests = html.split('id="request"', 1)[1]
    assert expected in requests and "0 of 39" not in requests
    assert "Bulk Data Upload" not in requests


def test_the_catalogue_filter_offers_matching_issues_when_no_request_fits(client) -> None:
    html = client.get("/cases/new?q=certficate").get_data(as_text=True)  # misspelt, and no request covers it
    assert "0 of 39 requests match" in html
    issues = html.split('id="sc-h"', 1)[1]
    assert "/cases/form?scenario=DIP-CERT-" in issues


def test_form_is_prefilled_and_shows_routing_before_submitting(client, raiser) -> None:
    html = client.get(
        "/cases/form?category=Choreography&subcategory=DTN+Service+Failure&impact=high&urgency=High&subject=DTN+down"
    ).get_data(as_text=True)
    assert '<option value="Choreography" selected>' in html
    assert '<option value="DTN Service Failure" selected>' in html
    assert 'value="DTN down"' in html
    assert 'value="High" checked' in html
    assert "<dd>Incident</dd>" in html and "P1: resolution target 6 hours" in html


def test_service_request_door_prefills_the_request(client, raiser) -> None:
    html = client.get("/cases/form?sr=SR-02").get_data(as_text=True)
    assert "Bulk Data Upload" in html and 'name="scenario_id" value="SR-02"' in html
    assert "P4: resolution target 20 business days" in html


def test_assistant_handover_prefills_scenario_and_conversation(client, app, csrf, raiser) -> None:
    conv = kb(app).case_store.save_turn(None, Turn("no invite yet", "raise_case", "DIP-REG-01", (), 0.7))
    html = client.get(f"/cases/form?scenario=DIP-REG-01&category={DIP_REG}&conversation_id={conv.id}").get_data(
        as_text=True
    )
    assert f'name="conversation_id" value="{conv.id}"' in html and "Matched scenario" in html
    submit(client, csrf, conversation_id=conv.id)
    assert kb(app).case_store.get_case_for_staff("CS0000001").conversation_id == conv.id
    assert kb(app).case_store.get_conversation(conv.id).case_reference == "CS0000001"


# -- submitting the form --------------------------------------------------------------------------
def test_valid_form_confirms_and_emails_a_link_to_the_case_page(client, app, csrf, raiser) -> None:
    r = submit(client, csrf)
    assert r.status_code == 303 and r.headers["Location"].endswith("/cases/confirmation")
    page = client.get("/cases/confirmation")
    html = page.get_data(as_text=True)
    assert "CS0000001" in html and "P3 (target: 5 business days)" in html
    assert 'href="/cases/CS0000001"' in html and 'href="/account/cases"' in html
    assert page.headers["Cache-Control"] == "no-store"
    [mail] = outbox(app)
    assert "CS0000001" in mail and "/cases/CS0000001\n" in mail and "token=" not in mail


def test_invalid_form_keeps_everything_typed_and_explains_each_field(client, app, csrf, raiser) -> None:
    r = submit(client, csrf, subject="", description="Line one\nLine <two>", party_id="", no_party_id="on")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#f-subject"' in html and 'href="#f-unregistered_organisation"' in html
    assert 'aria-describedby="f-subject-hint f-subject-error" aria-invalid="true"' in html
    assert "Line one\nLine &lt;two&gt;</textarea>" in html
    assert (
        'value="Ada Lovelace"' in html
        and 'id="f-no_party_id" name="no_party_id" type="checkbox" value="on" checked' in html
    )
    assert kb(app).case_store.list_cases().total == 0


def test_post_without_csrf_token_is_refused(client, app) -> None:
    r = client.post("/cases/form", data={**form(), "action": "submit"})
    assert r.status_code == 400
    assert kb(app).case_store.list_cases().total == 0


def test_check_priority_button_previews_without_creating(client, app, csrf, raiser) -> None:
    r = client.post(
        "/cases/form",
        data={
            "csrf_token": csrf,
            "action": "preview",
            "category": "Choreography",
            "impact": "High",
            "urgency": "Medium",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "P2: resolution target 1 business day" in html
    assert "There is a problem" not in html
    assert kb(app).case_store.list_cases().total == 0


def test_client_sent_priority_is_ignored(client, app, csrf, raiser) -> None:
    submit(client, csrf, priority="P1", type="Incident")
    case = kb(app).case_store.get_case_for_staff("CS0000001")
    assert (case.priority, case.type) == ("P3", "Service Request")


# -- tracking ------------------------------------------------------------------------------------
def test_tracking_page_shows_status_priority_sla_and_history(client, raiser) -> None:
    created = raise_via_api(client)
    r = client.get(path_of(created["tracking_url"]))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for text in ("Case CS0000001", "<strong class=\"status\">New</strong>", "P3 (target: 5 business days)",
                 "In SLA", "raised the case"):  # fmt: skip
        assert text in html
    assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["Cache-Control"] == "no-store"


def test_wrong_token_gets_the_same_404_as_a_missing_case(client, raiser) -> None:
    created = raise_via_api(client)
    wrong = client.get("/cases/CS0000001?token=not-the-token")
    missing = client.get("/cases/CS0000999?token=not-the-token")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.get_data() == missing.get_data()
    assert client.get(path_of(created["tracking_url"])).status_code == 200  # the raiser's own session opens it
    anonymous = client.application.test_client().get("/cases/CS0000001")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]


def test_raiser_comments_from_the_tracking_page(client, app, csrf, raiser) -> None:
    raise_via_api(client)
    r = client.post("/cases/CS0000001/comments", data={"csrf_token": csrf, "body": "Any <b>news</b>?"})
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Any &lt;b&gt;news&lt;/b&gt;?" in html and "Your comment has been added." in html
    empty = client.post("/cases/CS0000001/comments", data={"csrf_token": csrf, "body": "  "})
    assert empty.status_code == 400 and "Enter your comment" in empty.get_data(as_text=True)
    forged = client.post("/cases/CS0000001/comments", data={"csrf_token": csrf, "token": "guess", "body": "hi"})
    assert forged.status_code == 404


def test_desk_updates_reach_the_tracking_page_and_the_outbox(client, app, raiser) -> None:
    from app.cases import CaseStatus

    created = raise_via_api(client)
    kb(app).cases.change_status("CS0000001", CaseStatus.AWAITING_INFORMATION, author="agent", note="Which MPID?")
    html = client.get(path_of(created["tracking_url"])).get_data(as_text=True)
    assert "Awaiting Information" in html and "Which MPID?" in html and "Paused" in html
    mails = outbox(app)
    assert len(mails) == 2 and "Awaiting Information" in mails[1]


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_user_text_is_escaped_on_every_case_page(client, csrf, payload: str, raiser) -> None:
    created = raise_via_api(client, subject=payload, description=payload, name=payload)
    html = client.get(path_of(created["tracking_url"])).get_data(as_text=True)
    assert payload not in html
    r = submit(client, csrf, subject=payload, party_id="bad id!")
    assert payload not in r.get_data(as_text=True)


# -- the JSON API --------------------------------------------------------------------------------
def test_api_creates_a_case_with_the_documented_contract(client, app, raiser) -> None:
    r = client.post("/api/cases", json=form(category="Choreography", scenario_id="", impact="High", urgency="High"))
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) >= {"reference", "tracking_url", "status", "priority", "sla_due"}
    assert (body["reference"], body["status"], body["priority"]) == ("CS0000001", "New", "P1")
    assert body["tracking_url"] == app.config["KB_BASE_URL"].rstrip("/") + "/cases/CS0000001"
    assert r.headers["Location"] == body["tracking_url"]


def test_api_bad_input_names_each_field(client, raiser) -> None:
    r = client.post("/api/cases", json=form(email="nope", subject=""))
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] and set(body["fields"]) == {"email", "subject"}


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [({"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415),
     ({"data": "[1, 2]", "content_type": "application/json"}, 400),
     ({"data": "{not json", "content_type": "application/json"}, 400),
     ({"json": {**form(), "is_admin": True}}, 400),
     ({"json": {**form(), "subject": ["a"]}}, 400)],
)  # fmt: skip
def test_api_rejects_malformed_bodies(client, kwargs: dict[str, Any], status: int, raiser) -> None:
    r = client.post("/api/cases", **kwargs)
    assert r.status_code == status
    assert "error" in r.get_json() and "fields" in r.get_json()


def test_api_reads_a_case_only_with_its_raisers_token(client, app, raiser) -> None:
    from conftest import gen_account, use_token

    raise_via_api(client)
    ok = client.get("/api/cases/CS0000001")
    assert ok.status_code == 200
    assert ok.get_json()["reference"] == "CS0000001" and ok.get_json()["sla_state"] == "In SLA"
    assert ok.get_json()["history"][0]["status"] == "New"
    bad = client.get("/api/cases/CS0000001?token=wrong")
    assert bad.status_code == 404 and bad.get_json()["error"]
    other = app.test_client()
    use_token(app, other, gen_account(app, "eve@example.com"))
    assert other.get("/api/cases/CS0000001").status_code == 404


def test_case_creation_is_rate_limited_per_client(client, raiser) -> None:
    for _ in range(10):
        assert client.post("/api/cases", json=form()).status_code == 201
    limited = client.post("/api/cases", json=form())
    assert limited.status_code == 429 and limited.get_json()["error"]
    other = client.post("/api/cases", json=form(), environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 201


def test_comments_are_rate_limited_per_client(app, client, csrf, monkeypatch, raiser) -> None:
    monkeypatch.setitem(app.extensions["kb_rate_limits"], "case-comment", (2, 3600))
    raise_via_api(client)
    codes = [
        client.post("/cases/CS0000001/comments", data={"csrf_token": csrf, "body": "hi"}).status_code
        for _ in range(3)
    ]
    assert codes == [303, 303, 429]


def test_openapi_documents_the_case_endpoints(client) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert set(paths["/api/cases"]["post"]["responses"]) >= {"201", "400"}
    assert "404" in paths["/api/cases/{reference}"]["get"]["responses"]


# -- lost links ----------------------------------------------------------------------------------
def test_lost_link_answers_the_same_and_mails_only_the_raiser(client, app, csrf, raiser) -> None:
    raise_via_api(client)
    wrong = client.post("/cases/link", data={"csrf_token": csrf, "reference": "CS0000001", "email": "eve@example.com"})
    right = client.post("/cases/link", data={"csrf_token": csrf, "reference": "cs0000001", "email": "ada@example.com"})
    assert wrong.status_code == right.status_code == 200
    assert wrong.get_data() == right.get_data()
    mails = outbox(app)
    assert len(mails) == 2 and "Link to your case" in mails[1]  # raised with an account: its page, no token


def test_retry_mail_command_reports_what_it_sent(app, runner) -> None:
    result = runner.invoke(args=["cases", "retry-mail"])
    assert result.exit_code == 0 and "0 delivered, 0 still pending" in result.output


def test_party_id_and_market_participant_id_are_marked_required_with_their_tick_boxes(client, raiser) -> None:
    html = client.get("/cases/form?category=Choreography").get_data(as_text=True)
    for label in ("Party ID", "Market Participant ID"):
        assert f'{label} <span class="req">(required, or tick the box below)</span></label>' in html


def test_a_party_id_typed_as_the_organisation_shows_in_party_id_when_the_form_comes_back(client, raiser) -> None:
    html = client.get("/cases/form?category=Choreography").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/cases/form", data={"csrf_token": token, "category": "Choreography", "organisation": "BGAS",
                                         "action": "preview"})
    assert 'id="f-party_id" name="party_id" type="text" maxlength="40" value="BGAS"' in r.get_data(as_text=True)
