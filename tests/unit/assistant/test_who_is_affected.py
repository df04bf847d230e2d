"""Who is affected ("everyone", "only us", "all participants") is a fact about a problem, never its topic: it answers
"is it only you?", it makes a fault an outage, and alone it is neither a greeting nor a case."""
from __future__ import annotations

import pytest

from app.assistant.reading import Act, read_message
from app.assistant.reply import _incident_words


@pytest.mark.parametrize(("text", "act", "affected"), [
    ("everyone", Act.MESSAGE, "everyone"),
    ("Everyone", Act.MESSAGE, "everyone"),
    ("hi everyone", Act.GREETING, "everyone"),
    ("good morning team", Act.GREETING, None),
    ("hello", Act.GREETING, None),
    ("all of the market", Act.MESSAGE, "everyone"),
])
def test_who_is_affected_is_not_a_greeting(text, act, affected):
    reading = read_message(text)
    assert (reading.act, reading.affected) == (act, affected)


@pytest.mark.parametrize("answer", ["everyone", "it's everyone", "all participants are affected"])
def test_everyone_answers_who_is_affected_and_makes_the_fault_an_outage(assistant, answer):
    first = assistant.answer("the DIP is down")
    then = assistant.answer(answer, first.conversation_id)
    assert then.action == "raise_case"
    assert then.decision.entity is not None and then.decision.entity.id == "IC-01"
    assert then.as_json()["case_draft"]["priority"] == "P1"


@pytest.mark.parametrize("message", ["everyone", "it's everyone", "only us", "all participants are affected"])
def test_who_is_affected_alone_asks_what_is_wrong_and_raises_nothing(assistant, message):
    answer = assistant.answer(message)
    assert answer.action == "clarify"
    assert answer.decision.entity is None and answer.as_json()["case_draft"] is None


def test_who_is_affected_weighs_with_the_problem(assistant):
    answer = assistant.answer("the DIP is down for everyone")
    assert answer.action == "raise_case" and answer.decision.entity.id == "IC-01"


def test_who_is_affected_is_not_what_the_message_is_about(assistant):
    query = assistant.matcher.query_terms("the DIP is down for everyone")
    assert query.known_share == 1.0  # "everyone" is no foreign word
    assert [c.word for c in query.concepts if c.fact] == ["everyon"]
    assert not any(c.known for c in assistant.matcher.query_terms("it's everyone").concepts)


@pytest.mark.parametrize(("subcategory", "said"), [
    ("ISD Failures (Incorrect Data Sent, System Failure)", "an ISD failure"),
    ("SDS System Failure", "an SDS system failure"),
    ("DIP Service Failures (In Hours)", "a DIP service failure"),
])
def test_an_incident_is_named_with_the_article_it_is_said_with(subcategory, said):
    assert _incident_words(subcategory) == said


@pytest.mark.parametrize(("text", "confirms"), [
    ("yes please", True),
    ("ok", True),
    ("sure, go ahead", True),
    ("not sure", False),
    ("it's not ok", False),
    ("don't do it", False),
    ("ok and how do I get one", False),  # a question of its own, not a yes to the case
    ("yes, what priority will it be?", False),
])
def test_a_confirmation_is_a_plain_yes(text, confirms):
    assert read_message(text).confirms is confirms


def test_not_sure_after_the_guidance_raises_no_case(assistant):
    first = assistant.answer("the DIP rejected my message with a schema validation error")
    assert first.action == "self_help"
    assert assistant.answer("not sure", first.conversation_id).action != "raise_case"
    assert assistant.answer("ok, raise it", first.conversation_id).action == "raise_case"
