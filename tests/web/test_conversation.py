"""Conversations through POST /api/assist: the topic is kept, follow-ups add facts, the case describes one topic."""
from __future__ import annotations

import re

import pytest


def say(client, message, cid=None):
    r = client.post("/api/assist", json={"message": message, "conversation_id": cid})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_no_luck_after_self_help_escalates_the_same_topic(client):
    first = say(client, "My DIP message bounced back instead of being delivered")
    assert first["action"] == "self_help" and first["case_draft"]
    second = say(client, "no luck", first["conversation_id"])
    assert second["action"] == "raise_case"
    assert second["scenario"] == first["scenario"]
    assert second["topic"]["turns"] == 2 and second["topic"]["facts"]["tried_self_help"] is True
    assert second["reply"] != first["reply"]


def test_the_case_draft_describes_the_current_topic_only(client):
    first = say(client, "My DIP message bounced back instead of being delivered")
    second = say(client, "separately, our webhook is not receiving any DIP messages",
                 first["conversation_id"])
    draft = second["case_draft"]
    assert draft and "bounced" not in draft["description"]
    assert draft["subject"] == "separately, our webhook is not receiving any DIP messages"


def test_unknown_or_malformed_conversation_ids_are_refused(client):
    for cid in ("not-a-conversation", "x" * 500, 42):
        r = client.post("/api/assist", json={"message": "hello", "conversation_id": cid})
        assert r.status_code == 400
        assert "conversation_id" in r.get_json()["fields"]


def test_greetings_get_one_friendly_line(client):
    body = say(client, "hello")
    assert body["action"] == "out_of_scope" and body["case_draft"] is None
    assert len(body["reply"].split()) < 30


def test_a_pasted_email_is_read_for_its_body(client):
    email = ("Hi team,\n\nOur DIP message bounced back instead of being delivered this morning.\n\n"
             "Kind regards,\nJo Bloggs\nHead of Operations, Example Energy\n\n"
             "> On Monday someone wrote:\n> please tell me about invoices and funding " + "x " * 3000)
    body = say(client, email)
    assert body["action"] == "self_help"
    assert "bounce" in body["scenario"]["description"].lower()


def test_several_problems_in_one_message_answer_the_first_and_offer_the_rest(client):
    body = say(client, "My DIP message bounced back instead of being delivered. "
                       "Separately, our webhook is not receiving any DIP messages.")
    assert "bounce" in body["scenario"]["description"].lower()
    assert [o["message"] for o in body["others"]] == ["Separately, our webhook is not receiving any DIP messages."]
    assert "webhook" not in body["case_draft"]["description"]


JARGON = re.compile(r"DIP-[A-Z]+-\d|SR-\d|IC-\d|section \d|/articles/|/glossary/|Impact from|assumed:", re.I)


@pytest.mark.parametrize("message", [
    "My DIP message bounced back instead of being delivered",
    "our webhook is not receiving DIP messages",
    "the DIP is down for everyone, nothing is flowing",
    "what is a DIP ID?",
    "we suspect a data breach on the DIP",
])
def test_replies_are_plain_words_with_the_detail_kept_in_the_fields(client, message):
    body = say(client, message)
    assert not JARGON.search(body["reply"]), body["reply"]
    assert len(body["lead"].split()) <= 80
    if body["case_draft"]:
        assert body["case_draft"]["priority"] in body["why"] or body["case_draft"]["priority"][1:] in body["reply"]


def test_a_clear_outage_report_is_answered_without_hedging(client):
    body = say(client, "the DIP is down for everyone, nothing is flowing")
    assert body["action"] == "raise_case" and not body["reply"].startswith("I think")
