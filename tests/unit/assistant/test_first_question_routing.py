"""First questions in users' everyday wording reach the row, request or article the service definition means:
words with another sense in a row's name (a certificate that "ran out" is not a settlement run) do not carry the
match, and a question is not routed to a fault it does not report."""
from __future__ import annotations

import pytest

from app.assistant.reply import _request_words
from app.assistant.signals import read_signals
from app.assistant.text import terms_of


@pytest.mark.parametrize("text", ["our certificate has run out", "the cert ran out on Sunday",
                                  "certificate lapsed", "our DIP certificate is out of date"])
def test_something_valid_for_a_time_that_ran_out_has_expired(text):
    assert "expir" in terms_of(text) and "run" not in terms_of(text)
    assert read_signals(text).problem  # an expired certificate is a fault reported, not a question


def test_running_out_of_something_is_not_expiry():
    assert "expir" not in terms_of("we've run out of disk space")


@pytest.mark.parametrize("text", ["our certificate has run out", "certificate lapsed over the weekend, what now",
                                  "the DIP certificate has now expired"])
def test_an_expired_certificate_is_the_certificate_renewal_row(shipped, text):
    """DIP-ANNUAL-01 (Certificate Renewal): self-help first, the case ready; not the GlobalSign upload failure."""
    answer = shipped.assistant.answer(text)
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-ANNUAL-01", answer.decision.why
    assert answer.action == "self_help" and answer.decision.case_draft is not None


def test_whom_to_call_is_about_reaching_the_desk_not_a_call_a_system_makes(shipped):
    analysed = shipped.assistant.matcher.query_terms("who do I call if the DIP stops working")
    assert "call" not in {c.word for c in analysed.concepts}
    s = read_signals("who do I call if the DIP stops working")
    assert s.to_desk and s.hypothetical and s.asks


@pytest.mark.parametrize("text", ["who do I call if the DIP stops working",
                                  "who should we contact if messages stop flowing"])
def test_whom_to_contact_should_something_happen_is_answered_without_a_case(shipped, text):
    answer = shipped.assistant.answer(text)
    assert answer.action == "self_help", answer.decision.why
    assert answer.decision.entity is None and answer.decision.case_draft is None


def test_a_call_that_never_came_is_still_its_fault_when_asked_whom_to_call(shipped):
    answer = shipped.assistant.answer("who do I call about the GlobalSign vetting call that never happened")
    assert answer.action == "raise_case" and answer.decision.entity.id == "DIP-CERT-01"


def test_how_to_get_something_is_not_a_fault_row_sharing_its_name(shipped):
    """"how do I get a DIP ID": not DIP-DCP-01 (Incorrect Digital Keys, a fault), but the self-serve row whose
    article explains how DIP IDs are set up (DIP-REG-02, answered by a knowledge article alone)."""
    answer = shipped.assistant.answer("how do I get a DIP ID")
    assert answer.action == "self_help" and answer.decision.case_draft is None, answer.decision.why
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-REG-02"


def test_the_fault_row_still_answers_the_fault(shipped):
    answer = shipped.assistant.answer("our DCP has the wrong keys for our DIP ID")
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-DCP-01"


@pytest.mark.parametrize("text", ["is anyone around next week", "what are your hours", "are you open tomorrow"])
def test_whether_the_desk_is_there_is_answered_by_its_support_hours(shipped, text):
    answer = shipped.assistant.answer(text)
    assert answer.action == "self_help" and answer.decision.entity is None, answer.decision.why
    assert answer.decision.articles[0].id == "support-hours"


def test_asking_for_help_with_a_topic_keeps_the_topic(shipped):
    answer = shipped.assistant.answer("is anyone around to help with our invoice query")
    assert answer.decision.entity is not None and answer.decision.entity.id.startswith("DIP-FUND")


def test_a_request_is_named_without_an_action_the_user_did_not_ask_for():
    assert _request_words("New User Access Request", frozenset()) == "a user access request"
    assert _request_words("New User Access Request", frozenset({"create"})) == "a new user access request"
    assert _request_words("API Access Request") == "an API access request"


def test_a_locked_account_is_not_called_a_new_user(shipped):
    answer = shipped.assistant.answer("my account is locked")
    assert answer.decision.entity is not None and answer.decision.entity.id == "SR-12"
    assert "a user access request" in answer.reply.lead and "new user" not in answer.reply.lead.lower()


@pytest.mark.parametrize("text", ["what happens if the DIP goes down?",
                                  "how do we report it if the DIP is down out of hours"])
def test_an_outage_supposed_in_a_question_is_answered_not_raised(shipped, text):
    assert read_signals(text).informational
    answer = shipped.assistant.answer(text)
    assert answer.action == "self_help" and answer.decision.case_draft is None, answer.decision.why


def test_an_outage_reported_is_still_raised(shipped):
    assert not read_signals("the DIP is down, what happens now?").informational
    answer = shipped.assistant.answer("the DIP is down for everyone")
    assert answer.action == "raise_case" and answer.decision.entity.id == "IC-01"


def test_a_fault_reported_with_an_if_is_still_reported():
    assert not read_signals("our webhook is down, can you check if it's on your side?").informational
    assert not read_signals("can we resend if the DIP rejected our flows this morning").informational


@pytest.mark.parametrize("text", ["no messages at all today", "nothing in or out of the DIP today",
                                  "nothing has come in from the DIP since 10am"])
def test_an_outage_told_in_few_words_is_the_platforms_incident(shipped, text):
    """Only outage words and the platform's name: a central system failing, not out of scope, and not a row
    ("Data not forwarded / Received") that shares the word "nothing"."""
    answer = shipped.assistant.answer(text)
    assert answer.action == "raise_case" and answer.decision.entity is not None, answer.decision.why
    assert answer.decision.entity.id == "IC-01"


def test_an_outage_of_a_named_topic_keeps_its_row(shipped):
    answer = shipped.assistant.answer("the DIP webhook is down")
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-RECV-03"


def test_a_span_of_time_is_not_a_topic_word(shipped):
    query = shipped.assistant.matcher.query_terms("invoices please for the last 6 months")
    assert {c.word for c in query.concepts} == {"invoic"}


def test_when_the_next_one_is_due_is_asked_for_information(shipped):
    assert read_signals("when is the next DIP release").informational
    answer = shipped.assistant.answer("when is the next DIP release")
    assert answer.action == "self_help" and answer.decision.case_draft is None, answer.decision.why


@pytest.mark.parametrize(("text", "informational"), [
    ("does the DIP store personal data", True),
    ("is DIP data encrypted at rest", True),
    ("what security certifications does the DIP have", True),
    ("is the DIP down?", False),  # availability asked: the dialogue asks who is affected
    ("does our DCP need its own certificate", False),  # the user's own arrangement
])
def test_a_yes_no_question_about_a_thing_asks_for_information(text, informational):
    assert read_signals(text).informational is informational


@pytest.mark.parametrize("text", ["does the DIP store personal data", "is DIP data encrypted at rest",
                                  "what security certifications does the DIP have"])
def test_how_the_platform_works_is_answered_not_raised(shipped, text):
    answer = shipped.assistant.answer(text)
    assert answer.action == "self_help", answer.decision.why


def test_a_contracted_negation_reports_a_fault():
    assert read_signals("we're not getting PUB responses").problem
    assert read_signals("I'm not receiving anything").problem


def test_a_fault_only_a_central_services_incident_explains_is_that_incident(shipped):
    """Section 18 SC4: a supplier or LDSO not receiving PUB responses from the registration service."""
    answer = shipped.assistant.answer(
        "As an LDSO we're not getting PUB responses from the registration service since this morning")
    assert answer.action == "raise_case" and answer.decision.entity is not None, answer.decision.why
    assert answer.decision.entity.id == "IC-02"


def test_a_negation_without_its_apostrophe_is_not_a_typo(shipped):
    query = shipped.assistant.matcher.query_terms("our numbers dont match what the DIP has")
    assert "dont" not in query.corrections and "done" not in {c.word for c in query.concepts}



def test_a_question_about_any_such_outage_is_answered_not_raised(shipped):
    assert read_signals("is a DCC outage a major incident?").informational
    assert not read_signals("the DCC is down").informational
    answer = shipped.assistant.answer("is a DCC outage a major incident?")
    assert answer.action == "self_help" and answer.decision.case_draft is None, answer.decision.why


def test_a_fault_stays_on_the_row_that_states_it_over_an_explainers_far_weaker_request(shipped):
    # the architecture explainer leads on words and covers the API access request, which explains half as much
    answer = shipped.assistant.answer("our webhook is not getting any deliveries")
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-RECV-03", answer.decision.why
