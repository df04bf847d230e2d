"""The assistant over the fixture corpus: the JSON contract, its errors, and the chat page without JavaScript."""
from __future__ import annotations

import html as html_lib
import re

import pytest

import app.web.assist_thread as assistant_thread
from app.assistant.conversations import ConversationRecord, TurnRecord
from app.assistant.service import Answer
from app.web.deps import services

KEYS = {"conversation_id", "action", "reply", "scenario", "articles", "case_draft", "confidence", "why", "lead",
        "steps", "if_not_solved", "source", "choices", "others", "topic"}


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


def test_api_is_rate_limited_per_client(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions["kb_rate_limits"], "assist-api", (2, 60))
    assert ask(client, "bounced message").status_code == 200
    assert ask(client, "bounced message").status_code == 200
    r = ask(client, "bounced message")
    assert r.status_code == 429 and "error" in r.get_json()


def test_api_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    assert "post" in doc["paths"]["/api/assist"]


def hidden(html: str, form_class: str) -> dict[str, str]:
    """The hidden fields of the first form with ``form_class`` ("handover": "Raise this case"; "feedback": "Did
    this solve it?", whose "No" hands over too)."""
    form = re.search(rf'<form[^>]*class="{form_class}"[^>]*>(.*?)</form>', html, re.S).group(1)
    return {html_lib.unescape(n): html_lib.unescape(v)
            for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


def say(client, token, message, conversation_id=""):
    r = client.post("/assist", data={"message": message, "conversation_id": conversation_id, "csrf_token": token})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    return html, re.search(r'id="assist-form">.*?name="conversation_id" value="([^"]+)"', html, re.S).group(1)


def test_empty_chat_page_offers_example_questions_that_ask_without_javascript(client):
    html = client.get("/assist").get_data(as_text=True)
    assert 'name="message"' in html and 'name="csrf_token"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    examples = re.findall(r'<button type="submit" name="message" value="([^"]+)"', html)
    assert len(examples) >= 3
    assert "Start a new conversation" not in html  # nothing to start over yet
    r = client.post("/assist", data={"message": html_lib.unescape(examples[1]), "conversation_id": "",
                                     "csrf_token": csrf(client)})
    assert r.status_code == 200 and 'class="exchange"' in r.get_data(as_text=True)


def test_chat_page_answers_without_javascript(client):
    html, _ = say(client, csrf(client), "My DIP message bounced back")  # self help first, the case ready
    answer = html[html.index('<ol class="thread"'):html.index('<div id="turn-actions">')]
    assert 'href="/articles/message-bounce-back' in answer
    why = answer[answer.index('<details class="why">'):answer.index("</details>")]
    for label, value in [("Category", "DIP – Send Message"), ("Type", "Incident"),
                         ("Who handles it", "Service Provider"), ("Priority", "P3: resolution target 5 business days"),
                         ("Matched", "DIP-SEND-04")]:
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(value)}", why), label
    assert "Start a new conversation" in html
    assert "Did this solve it?" in html and "No, this didn't solve it" in html
    assert hidden(html, "feedback")["category"] == "DIP – Send Message"  # "No" hands the draft over at once
    assert "/cases/form?" not in html  # what the user typed never goes into a link


def test_thread_shows_each_question_and_answer_in_order(client):
    token = csrf(client)
    _, cid = say(client, token, "My DIP message bounced back")
    _, cid = say(client, token, "What is the DIP?", cid)
    html, _ = say(client, token, "Our webhook is not receiving DIP messages", cid)
    turns = re.findall(r'<li class="exchange" data-turn="(\d+)">.*?<span class="msg-text">(.*?)</span>.*?'
                       r'<h2 id="answer-\d+">(.*?)</h2>', html, re.S)
    assert [(n, q) for n, q, _ in turns] == [("0", "My DIP message bounced back"), ("1", "What is the DIP?"),
                                             ("2", "Our webhook is not receiving DIP messages")]
    assert [h for _, _, h in turns] == ["Answered from the knowledge base"] * 3
    assert html.count('<details class="why">') == 3  # every answer whole, not only the last
    assert html.count('name="action" value="prefill"') == 1  # only the latest answer offers its case


def test_reopening_the_conversation_shows_the_thread(client):
    token = csrf(client)
    _, cid = say(client, token, "My DIP message bounced back")
    say(client, token, "Our webhook is not receiving DIP messages", cid)
    html = client.get(f"/assist?conversation_id={cid}").get_data(as_text=True)
    assert html.count('class="exchange"') == 2 and "Our webhook is not receiving DIP messages" in html


def test_a_turn_answered_by_another_worker_shows_whole_from_its_record(client, app):
    token = csrf(client)
    _, cid = say(client, token, "My DIP message bounced back")
    other_worker = app.test_client()  # same database, nothing of the first request in memory
    with other_worker.session_transaction() as session, client.session_transaction() as mine:
        session.update(mine)
    html = other_worker.get(f"/assist?conversation_id={cid}").get_data(as_text=True)
    first = html[html.index('data-turn="0"'):]
    assert 'class="answer-steps"' in first  # the whole answer, steps and all, not a summary


def test_raise_this_case_posts_the_current_topic_to_a_prefilled_form(client, app, raiser):
    token = csrf(client)
    question = "How do we get credentials for the DIP API for our new adaptor?"
    _, cid = say(client, token, "What is the DIP?")
    html, _ = say(client, token, question, cid)
    fields = hidden(html, "handover")
    assert fields["action"] == "prefill" and fields["scenario"] == "SR-15"
    assert fields["category"] == "Service Users" and fields["conversation_id"] == cid
    assert fields["subject"] == fields["description"] == question
    r = client.post("/cases/form", data=fields)  # the hidden fields already hold the CSRF token
    assert r.status_code == 200
    form = r.get_data(as_text=True)
    assert '<option value="Service Users" selected>' in form and "SR-15" in form
    assert f'value="{question}"' in form and "What is the DIP" not in form
    assert f'name="conversation_id" value="{cid}"' in form
    assert 'class="error-summary' not in form  # shown to check, not submitted
    with app.app_context():
        assert services().case_store.list_cases().total == 0


def test_an_outage_hands_over_its_impact_and_urgency_so_the_form_keeps_the_priority(client, raiser):
    html, _ = say(client, csrf(client), "The DIP is down for everyone, nothing is flowing for any participant")
    shown = re.search(r"<dt>Priority</dt><dd>(P[1-4])", html).group(1)
    fields = hidden(html, "handover")
    assert fields["impact"] in ("High", "Medium", "Low") and fields["urgency"] in ("High", "Medium", "Low")
    form = client.post("/cases/form", data=fields).get_data(as_text=True)
    assert re.search(r"<dt>Priority</dt><dd>(P[1-4])", form).group(1) == shown


def test_no_records_the_feedback_and_posts_on_to_the_case_form(client, app, raiser):
    token = csrf(client)
    html, cid = say(client, token, "What is the DIP?")
    fields = hidden(html, "feedback")
    assert fields["description"] == "What is the DIP?"
    r = client.post("/assist/feedback", data={**fields, "solved": "no"})
    assert r.status_code == 307 and r.headers["Location"].endswith("/cases/form")  # the browser posts it again
    assert "What is the DIP" not in r.headers["Location"]
    with app.app_context():
        assert services().assistant.conversation(cid).feedback == "no"
    form = client.post("/cases/form", data={**fields, "solved": "no"}).get_data(as_text=True)
    assert 'value="What is the DIP?"' in form


def test_yes_thanks_the_user(client):
    token = csrf(client)
    html, _ = say(client, token, "What is the DIP?")
    r = client.post("/assist/feedback", data={**hidden(html, "feedback"), "solved": "yes"})
    html = r.get_data(as_text=True)
    assert "glad that helped" in html and 'class="feedback"' not in html


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


def test_a_vague_follow_up_is_read_with_the_previous_question(client):
    first = ask(client, "My DIP message bounced back").get_json()
    follow = ask(client, "it is still happening", first["conversation_id"]).get_json()
    assert follow["action"] == "raise_case"
    assert follow["scenario"]["id"] == "DIP-SEND-04"




# -- the page against the /api/assist contract's reply parts (fixed here, whatever the matcher answers) ----------
STEPS = ["Open the DIP portal and choose Certificates.", "Download the renewal request.",
         "Upload the new certificate | then wait for the confirmation email."]
PARTS = {
    "lead": "Sounds like your DIP certificate needs renewing.", "steps": STEPS,
    "if_not_solved": "Still stuck? I can raise it with the DIP service provider for you.",
    "source": {"title": "Renew a DIP certificate", "url": "/articles/certificate-upload-fails"},
    "choices": [], "others": [{"label": "Messages bouncing back", "message": "our messages bounce back"}],
}


@pytest.fixture
def parts(monkeypatch):
    """Answers carry PARTS (and whatever else a test puts in it) on top of what the assistant returns."""
    extra = dict(PARTS)
    real = Answer.as_json
    monkeypatch.setattr(Answer, "as_json", lambda self: {**real(self), **extra})
    return extra


def test_an_answer_shows_its_lead_steps_as_a_list_what_next_and_its_source(client, parts):
    html, _ = say(client, csrf(client), "What is the DIP?")
    answer = html[html.index('<ol class="thread"'):html.index('<div id="turn-actions">')]
    assert '<p class="answer-lead">Sounds like your DIP certificate needs renewing.</p>' in answer
    steps = re.search(r'<ol class="answer-steps">(.*?)</ol>', answer, re.S).group(1)
    assert [html_lib.unescape(s) for s in re.findall(r"<li>(.*?)</li>", steps)] == STEPS
    assert "Still stuck? I can raise it" in answer
    assert 'Source: <a href="/articles/certificate-upload-fails">Renew a DIP certificate</a>' in answer
    assert answer.count('href="/articles/certificate-upload-fails"') == 1  # not again under "Also see"


def test_other_problems_get_an_ask_about_this_button_that_asks_them(client, parts):
    token = csrf(client)
    html, cid = say(client, token, "What is the DIP?")
    form = re.search(r'<form[^>]*class="ask-buttons others"[^>]*>(.*?)</form>', html, re.S).group(1)
    assert re.search(r'name="message" value="our messages bounce back"[^>]*>Ask about this'
                     r'<span class="visually-hidden">: Messages bouncing back</span>', form)
    assert f'name="conversation_id" value="{cid}"' in form
    html, _ = say(client, token, "our messages bounce back", cid)
    assert html.count('class="exchange"') == 2


def test_a_clarifying_question_offers_its_quick_answers_and_nothing_else(client, parts, monkeypatch):
    parts.update(action="clarify", case_draft=None, steps=[], if_not_solved="", source=None, others=[],
                 lead="Is it only you, or is everyone affected?",
                 choices=[{"label": "Only us", "message": "only we are affected"},
                          {"label": "Everyone", "message": "every participant is affected"}])
    html, _ = say(client, csrf(client), "is the DIP down?")
    assert '<h2 id="answer-0">A quick question first</h2>' in html
    form = re.search(r'<form[^>]*class="ask-buttons quick-answers"[^>]*>(.*?)</form>', html, re.S).group(1)
    assert re.findall(r'name="message" value="([^"]+)" class="secondary">([^<]+)</button>', form) == [
        ("only we are affected", "Only us"), ("every participant is affected", "Everyone")]
    assert 'class="feedback"' not in html and 'class="handover"' not in html


def test_the_draft_s_own_subject_and_description_win(client, parts):
    parts["case_draft"] = {"category": "DIP – Receive Message", "subcategory": None, "type": "Incident",
                           "report_to": "Service Provider", "priority": "P3", "channel": "PORTAL", "steps": [],
                           "reason": "", "subject": "Webhook gets nothing", "description": "Nothing since 9am."}
    html, _ = say(client, csrf(client), "Our webhook is not receiving DIP messages")
    fields = hidden(html, "feedback")
    assert (fields["subject"], fields["description"]) == ("Webhook gets nothing", "Nothing since 9am.")


# -- the hand-over's subject and description: the current topic only ---------------------------------------
def record(*questions: str) -> ConversationRecord:
    return ConversationRecord("c1", tuple(TurnRecord(q, "self_help") for q in questions))


@pytest.mark.parametrize(("topic", "expected"), [
    ({"id": "IC-01", "turns": 1, "facts": {}}, ["the DIP is down for everyone"]),
    ({"id": "IC-01", "turns": 2, "facts": {}}, ["we need a new user", "the DIP is down for everyone"]),
    (None, ["the DIP is down for everyone"]),  # no topic named: the latest message alone, never the whole log
])
def test_hand_over_describes_the_current_topic_only(app, topic, expected):
    conversation = record("how do we renew our certificate", "we need a new user", "the DIP is down for everyone")
    answer = {"conversation_id": "c1", "topic": topic, "scenario": {"id": "DIP-SEND-04"},
              "case_draft": {"category": "DIP – Send Message", "subcategory": None, "impact": "High",
                             "urgency": "Low"}}
    with app.app_context():
        fields = assistant_thread.handover_fields(answer, conversation, services().model)
    assert fields["subject"] == expected[0]
    assert fields["description"] == "\n\n".join(expected)
    assert (fields["scenario"], fields["impact"], fields["urgency"]) == ("DIP-SEND-04", "High", "Low")
    assert "subcategory" not in fields
