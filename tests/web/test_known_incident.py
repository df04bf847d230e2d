"""The assistant's known_incident answer: only while a matching major incident is open (semantic search off here;
tests/unit/search/test_model.py repeats the journey with the real model)."""
from __future__ import annotations

import re

import jsonschema_rs
import pytest

from app.assistant.conversations import CaseStoreConversationLog
from app.web.assistant import ASSIST_RESPONSE
from tests.web.test_console import CSRF, set_csrf

QUESTION = "is the DIP down? nothing sending"


def kb(app):
    return app.extensions["kb"]


def ask(client, message: str = QUESTION, **extra):
    resp = client.post("/api/assist", json={"message": message, **extra})
    assert resp.status_code == 200, resp.data
    jsonschema_rs.validate(ASSIST_RESPONSE, resp.json)  # the OpenAPI document describes it
    return resp.json


@pytest.fixture
def incident(app):
    incidents = kb(app).incidents
    incident = incidents.declare(title="DIP not delivering messages", impact="Messages are not delivered.",
                                 severity="P1", scenario="SC1")
    incidents.post_update(incident.reference, "Routing tables being rebuilt.")
    return incident


def test_without_an_open_incident_the_message_routes_as_usual(client):
    answer = ask(client)
    assert answer["action"] != "known_incident" and "incident" not in answer


def test_while_the_incident_is_open_a_matching_message_gets_known_incident(app, client, incident):
    usual = ask(client, ignore_incident=True)  # "I am affected differently": the normal routing
    answer = ask(client)
    assert answer["action"] == "known_incident"
    assert answer["incident"] == {
        "reference": incident.reference, "title": "DIP not delivering messages",
        "url": f"/status/{incident.reference}", "started_at": incident.started_at.isoformat(),
        "latest_update": {"at": answer["incident"]["latest_update"]["at"], "text": "Routing tables being rebuilt."}}
    assert "do not need to raise a case" in answer["reply"]
    assert usual["action"] != "known_incident" and "incident" not in usual
    assert answer["case_draft"] == usual["case_draft"]  # the usual route stays available
    assert ask(client, "How do I register for the DIP?")["action"] != "known_incident"
    assert kb(app).incidents.store.counts(incident.id).known_incident_answers == 1


def test_after_resolution_the_message_routes_as_usual_and_questions_about_it_say_when(app, client, incident):
    kb(app).incidents.resolve(incident.reference, "Routing tables rebuilt.")
    assert ask(client)["action"] != "known_incident"
    answer = ask(client, "Was the DIP outage fixed?")
    assert answer["action"] != "known_incident"
    assert answer["reply"].startswith(f"Major incident {incident.reference} (DIP not delivering messages) was resolved")
    assert answer["incident"]["resolved_at"]


def test_the_chat_page_offers_follow_and_affected_differently_without_javascript(client, incident):
    set_csrf(client)
    page = client.post("/assist", data={"message": QUESTION, "csrf_token": CSRF}).get_data(as_text=True)
    assert "Known major incident" in page and f'action="/status/{incident.reference}/follow"' in page
    assert "I am affected differently" in page and "Routing tables being rebuilt." in page
    different = client.post("/assist", data={"message": QUESTION, "ignore_incident": "1", "csrf_token": CSRF})
    assert "Known major incident" not in different.get_data(as_text=True)


def test_a_reloaded_thread_shows_the_known_incident_answer_the_user_was_shown(app, client, incident):
    set_csrf(client)
    page = client.post("/assist", data={"message": QUESTION, "csrf_token": CSRF}).get_data(as_text=True)
    cid = re.search(r'name="conversation_id" value="([^"]+)"', page).group(1)
    reloaded = client.get(f"/assist?conversation_id={cid}").get_data(as_text=True)
    assert "Known major incident" in reloaded and incident.reference in reloaded
    api = ask(client, conversation_id=cid)  # the API's answer is stored as given too
    turns = kb(app).assistant.conversation(cid).turns
    assert [t.action for t in turns] == ["known_incident", "known_incident"]
    assert turns[-1].answer == {k: v for k, v in api.items() if k != "conversation_id"}
    assert isinstance(kb(app).assistant.conversations, CaseStoreConversationLog)  # stored in the database
