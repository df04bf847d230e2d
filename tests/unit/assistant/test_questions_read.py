"""How a question is framed ("can you tell me", "who runs") says it asks for information; it is not a topic word,
and it does not make the question a service request."""
from __future__ import annotations

import pytest

from app.assistant.reading import read_message
from app.assistant.signals import read_signals


@pytest.mark.parametrize("text", ["who runs the DIP?", "I was wondering what an MPAN is",
                                  "who is responsible for DIP certificates"])
def test_questions_asking_for_information(text):
    assert read_signals(text).informational


@pytest.mark.parametrize(("question", "term"), [
    ("can you tell me what the DIP is", "data-integration-platform"),
    ("I was wondering what an MPAN is", "metering-point-administration-number"),
])
def test_a_question_framed_politely_is_answered_from_the_glossary(assistant, question, term):
    answer = assistant.answer(question)
    assert answer.action == "self_help" and answer.decision.entity is None
    assert answer.reply.quote is not None and answer.reply.quote.slug == term


def test_who_runs_it_is_answered_not_raised_as_an_enquiry(assistant):
    answer = assistant.answer("who runs the DIP?")
    assert answer.action == "self_help" and answer.as_json()["case_draft"] is None


@pytest.mark.parametrize("text", ["I think someone accessed our DIP account without permission",
                                  "we've had suspicious logins on the portal"])
def test_access_without_permission_is_a_breach(text):
    assert read_message(text).breach


@pytest.mark.parametrize("question", ["our sertificate expires next month what do we do",
                                      "our certificate expires next month, what do we do?"])
def test_when_an_event_happens_is_not_what_the_question_is_about(assistant, question):
    answer = assistant.answer(question)  # typed with a sound-alike first letter, or not
    assert answer.action == "self_help" and answer.decision.entity.id == "DIP-ANNUAL-01"


def test_a_time_alone_still_makes_nothing_about_this_service(assistant):
    assert assistant.answer("weather forecast for next week").action == "out_of_scope"


@pytest.mark.parametrize("framing", ["quick one - ", "quick question: ", "hi, I have a question: "])
def test_a_question_announced_first_is_answered_as_if_asked_straight(assistant, framing):
    plain = assistant.answer("how do I replay messages?")
    framed = assistant.answer(framing + "how do I replay messages?")
    assert (framed.action, framed.reply.quote.slug) == (plain.action, plain.reply.quote.slug)
    assert framed.as_json()["case_draft"] is None  # not a general enquiry
