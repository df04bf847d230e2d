"""The assistant over the fixture corpus: the JSON contract, its errors, and the chat page without JavaScript."""
from __future__ import annotations

import re

import pytest

import app.web.assistant as assistant_web

KEYS = {"conversation_id", "action", "reply", "scenario", "articles", "case_draft", "confidence", "why", "lead", "steps",
        "if_not_solved", "source", "choices", "others", "topic"}


def ask(client, message, conversation_id=None):
    return client.post("/api/assist", json={"message": message, "conversation_id": conversation_id})


def csrf(client, path="/assist") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_api_answers_a_self_help_first_scenario_with_steps_and_the_case_ready(client):
    r = ask(client, "My DIP message bounced back instead of being delivered")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == KEYS
    assert body["action"] == "self_help"  # "Self Help guidance via response codes and then escalate"
    assert body["scenario"] == {"id": "DIP-SEND-04", "category": "DIP – Send Message", "description": "Bounce Back"}
    assert body["articles"][0]["slug"] == "message-bounce-back"
    assert set(body["articles"][0]) >= {"slug", "title", "url", "section", "score"}
    draft = body["case_draft"]
    assert (draft["category"], draft["type"], draft["report_to"], draft["priority"]) == (
        "DIP – Send Message", "Incident", "Service Provider", "P3")
    assert set(draft) == {"category", "subcategory", "type", "report_to", "priority", "channel", "steps", "reason",
                          "subject", "description"}
    assert draft["subject"] == "My DIP message bounced back instead of being delivered"
    assert body["source"]["url"].startswith("/articles/message-bounce-back")
    assert body["steps"] and all(f"{i}. {step}" in body["reply"] for i, step in enumerate(body["steps"], 1))
    assert "DIP-SEND-04" not in body["reply"] and "/articles/" not in body["reply"]
    assert 0 <= body["confidence"] <= 1 and body["why"]


def test_api_keeps_the_conversation(client):
    first = ask(client, "My DIP message bounced back").get_json()
    second = ask(client, "and the webhook is not receiving DIP messages", first["conversation_id"]).get_json()
    assert second["conversation_id"] == first["conversation_id"]


def test_api_says_out_of_scope_politely(client):
    body = ask(client, "Tell me a joke").get_json()
    assert body["action"] == "out_of_scope"
    assert body["scenario"] is None and body["case_draft"] is None and body["articles"] == []
    assert "search" in body["reply"].lower()


@pytest.mark.parametrize("payload", [
    {"message": ""}, {"message": "   "}, {"message": "x" * 8001}, {}, {"message": 42}, {"message": None},
])
def test_api_rejects_empty_or_long_messages(client, payload):
    r = client.post("/api/assist", json=payload)
    assert r.status_code == 400
    assert r.get_json()["field"] == "message" and r.get_json()["error"]


def test_api_accepts_exactly_8000_characters(client):
    assert ask(client, "bounced " + "x" * 7992).status_code == 200


def test_api_rejects_a_body_that_is_not_json(client):
    r = client.post("/api/assist", data="message=hi", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r.get_json()["field"] == "message"


def test_api_rejects_a_bad_conversation_id(client):
    r = client.post("/api/assist", json={"message": "bounced", "conversation_id": "x" * 101})
    assert r.status_code == 400 and r.get_json()["field"] == "conversation_id"


def test_api_is_rate_limited_per_client(client, monkeypatch):
    monkeypatch.setattr(assistant_web, "API_LIMIT", (2, 60))
    assert ask(client, "bounced message").status_code == 200
    assert ask(client, "bounced message").status_code == 200
    r = ask(client, "bounced message")
    assert r.status_code == 429 and "error" in r.get_json()


def test_api_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    assert "post" in doc["paths"]["/api/assist"]


def test_chat_page_works_without_javascript(client):
    page = client.get("/assist")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="message"' in html and 'name="csrf_token"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    r = client.post("/assist", data={"message": "My DIP message bounced back", "csrf_token": csrf(client)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'href="/articles/message-bounce-back' in html
    assert "DIP-SEND-04" in html
    assert "Did this solve it?" in html
    assert "Raise this case" in html  # a case draft offers the step straight away


def test_no_leads_to_the_raise_case_step_with_fields_filled(client):
    token = csrf(client)
    r = client.post("/assist", data={"message": "Our webhook is not receiving DIP messages", "csrf_token": token})
    cid = re.search(r'name="conversation_id" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = client.post("/assist/feedback", data={"conversation_id": cid, "solved": "no", "csrf_token": token})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Raise this case" in html
    assert 'action="/cases/form"' in html
    assert '<option value="DIP – Receive Message" selected>' in html
    assert 'name="scenario" value="DIP-RECV-03"' in html
    assert "Our webhook is not receiving DIP messages</textarea>" in html
    assert f'name="conversation_id" value="{cid}"' in html


def test_yes_thanks_the_user(client):
    token = csrf(client)
    r = client.post("/assist", data={"message": "My DIP message bounced back", "csrf_token": token})
    cid = re.search(r'name="conversation_id" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = client.post("/assist/feedback", data={"conversation_id": cid, "solved": "yes", "csrf_token": token})
    assert "glad that helped" in r.get_data(as_text=True)


def test_chat_escapes_what_the_user_typed(client):
    r = client.post("/assist", data={"message": "<script>alert(1)</script> my message bounced",
                                     "csrf_token": csrf(client)})
    html = r.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_chat_form_needs_the_csrf_token(client):
    assert client.post("/assist", data={"message": "bounced"}).status_code == 400


def test_chat_shows_a_message_beside_an_empty_question(client):
    r = client.post("/assist", data={"message": " ", "csrf_token": csrf(client)})
    assert r.status_code == 400
    assert 'id="message-error"' in r.get_data(as_text=True)


def test_chat_shows_earlier_turns(client):
    token = csrf(client)
    r = client.post("/assist", data={"message": "My DIP message bounced back", "csrf_token": token})
    cid = re.search(r'name="conversation_id" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = client.post("/assist", data={"message": "Webhook not receiving DIP messages", "conversation_id": cid,
                                     "csrf_token": token})
    html = r.get_data(as_text=True)
    assert "My DIP message bounced back" in html and "Webhook not receiving DIP messages" in html


def test_a_vague_follow_up_is_read_with_the_previous_question(client):
    first = ask(client, "My DIP message bounced back").get_json()
    follow = ask(client, "it is still happening", first["conversation_id"]).get_json()
    assert follow["action"] == "raise_case"
    assert follow["scenario"]["id"] == "DIP-SEND-04"


def test_no_after_a_follow_up_keeps_the_routing_of_the_conversation(client):
    token = csrf(client)
    r = client.post("/assist", data={"message": "My DIP message bounced back", "csrf_token": token})
    cid = re.search(r'name="conversation_id" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    client.post("/assist", data={"message": "it is still happening", "conversation_id": cid, "csrf_token": token})
    html = client.post("/assist/feedback", data={"conversation_id": cid, "solved": "no",
                                                 "csrf_token": token}).get_data(as_text=True)
    assert 'name="scenario" value="DIP-SEND-04"' in html
    assert "My DIP message bounced back\n\nit is still happening</textarea>" in html
