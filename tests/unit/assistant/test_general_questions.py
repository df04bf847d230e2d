"""Questions about the service desk itself (how to reach it, when it is open, how to escalate or complain, where
the guides are) are answered; they are not routed to a DIP problem row that happens to share a word with them.
A problem reported in the same words still raises its case."""
from __future__ import annotations

import pytest

from app.assistant.decide import Action, Thresholds
from app.assistant.evidence import Candidate, Evidence
from app.assistant.reading import Act, read_message
from app.assistant.reply import _units
from app.assistant.route import route
from app.assistant.signals import actions_in, read_signals
from app.servicemodel import load_service_model

MODEL = load_service_model()



@pytest.mark.parametrize(("text", "asks"), [
    ("where can we find the user manual?", True),
    ("is there a number we can call?", True),
    ("can we speak to someone", True),
    ("we still haven't had the vetting call, can we chase it?", False),  # a fault, asked about
    ("our certificate upload keeps failing", False),
    ("how much does DIP membership cost", True),  # "how much": information, asked
    ("is anybody at the desk on a Sunday", True),  # put as a question, no question phrase
    ("any training videos?", True),
    ("the lift is broken", False),
])
def test_a_question_that_reports_no_fault(text, asks):
    assert read_signals(text).asks is asks


def test_add_is_the_create_action():
    assert actions_in("we'd like to add one more colleague") == {"create"}


def _row(ident: str, score: float, articles: tuple[str, ...] = ()) -> Candidate:
    return Candidate("dip", ident, ident, score, score, ("call",), articles)


def _doc(slug: str, score: float, covers: tuple[str, ...] = ()) -> Candidate:
    return Candidate("article", slug, slug, score, score, ("call",), (slug,), covers=covers)


def test_a_question_is_not_routed_to_a_row_whose_own_words_are_a_fault():
    """DIP-CERT-01's row says the vetting call has not come; a question about calling is not that fault."""
    fault_doc, contact = _doc("vetting-call", 1.08, ("DIP-CERT-01",)), _doc("contact-us", 1.04)
    for text, action, first in (("can we give you a call", Action.SELF_HELP, "contact-us"),
                                ("the vetting call has not come", Action.RAISE_CASE, "vetting-call")):
        ev = Evidence(text, read_signals(text), (_row("DIP-CERT-01", 0.93, ("vetting-call",)),),
                      (fault_doc, contact), information=6.0, known_share=1.0, domain_share=1.0, anchors=("DIP",),
                      specific_anchors=("vetting call",))
        d = route(ev, MODEL, Thresholds())
        assert d.action is action, d.why
        assert d.articles[0].id == first


@pytest.mark.parametrize("question", [
    "is there a telephone number for the desk?",
    "where can we find the onboarding documentation for the DIP?",
    "where is the user guide for the portal?",
])
def test_questions_about_the_desk_or_its_guides_are_answered_without_a_case(shipped, question):
    answer = shipped.assistant.answer(question)
    assert answer.action == "self_help", answer.decision.why
    assert answer.decision.entity is None and answer.decision.case_draft is None
    assert not answer.reply.lead.startswith("This needs the service desk")


def test_a_fault_in_the_same_words_still_raises_its_case(shipped):
    answer = shipped.assistant.answer("we never got the GlobalSign vetting call")
    assert answer.action == "raise_case"
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-CERT-01"


def test_asking_how_to_escalate_gets_an_answer_not_a_question_back(shipped):
    answer = shipped.assistant.answer("how can we escalate our case?")
    assert answer.action != "clarify"
    assert "general-enquiries-escalations-and-disputes" in [a.id for a in answer.decision.articles]


def test_a_complaint_is_not_a_feature_request(shipped):
    """Two articles tag 'complaint': the feedback article says how to complain about the service (feedback, or an
    escalation for a stuck case), the enquiries article how to escalate; never a new feature."""
    answer = shipped.assistant.answer("I'd like to complain about the way our ticket was dealt with")
    entity = answer.decision.entity
    assert entity is None or entity.id in {"SR-27", "SR-28", "SR-32", "SR-33"}
    assert answer.decision.articles[0].id in ("general-enquiries-escalations-and-disputes",
                                              "request-new-features-upgrades-or-give-feedback")


def test_adding_another_user_is_the_new_user_request(shipped):
    answer = shipped.assistant.answer("how can we add another colleague to our organisation's portal account")
    assert answer.action == "raise_case"
    assert answer.decision.entity is not None and answer.decision.entity.id == "SR-12"


def test_asking_when_the_desk_is_open_quotes_the_stated_hours(shipped):
    answer = shipped.assistant.answer("what are the support desk's opening hours?")
    assert answer.action == "self_help"
    assert "24x7x365" in answer.reply.lead and "9.00am till 5.00pm" in answer.reply.lead


def test_a_table_flattened_into_a_passage_is_quoted_by_its_rows():
    text = ("Intro sentence here. Team Hours Desk 9am to 5pm Portal 24x7 After the table. Last one.")
    rows = ("Desk: 9am to 5pm", "Portal: 24x7")
    assert _units(text, [rows]) == ["Intro sentence here.", "Desk: 9am to 5pm", "Portal: 24x7",
                                    "After the table.", "Last one."]
    assert _units("No table. Here.", [rows]) == ["No table.", "Here."]


def test_a_case_no_scenario_was_found_for_cites_no_source(shipped):
    """The search's best article for vague words does not support "raise a case": it is neither quoted nor cited."""
    first = shipped.assistant.answer("something is wrong with the hub")
    answer = shipped.assistant.answer("not sure, it just seems wrong", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity is None
    assert answer.reply.quote is None and "Source:" not in answer.reply.text and "From “" not in answer.reply.text


def test_a_routed_case_still_cites_its_own_article(shipped):
    answer = shipped.assistant.answer("we never got the GlobalSign vetting call")
    assert answer.reply.quote is not None and answer.reply.quote.slug in answer.decision.entity.articles


def test_a_question_that_reports_no_fault_is_answered_not_asked_what_kind_of_problem():
    """Few known words and two near-equal rows: a problem is asked about, a plain question gets the best document."""
    rows = (_row("DIP-CERT-02", 0.40, ("upload",)), _row("DIP-CHANGE-01", 0.39, ("change",)))
    for text, action in (("how much does it cost", Action.SELF_HELP), ("it keeps going wrong", Action.RAISE_CASE)):
        ev = Evidence(text, read_signals(text), rows, (_doc("billing", 0.38),), information=5.0, known_share=1.0,
                      domain_share=1.0)
        d = route(ev, MODEL, Thresholds())
        assert d.action is action, d.why
        assert (d.action is Action.RAISE_CASE) is d.vague


@pytest.mark.parametrize(("question", "slug"), [
    ("can I speak to a person", "elexon-support-channels-for-dip-inquiries"),
    ("where is my case up to", "raise-and-track-a-case"),
    ("how much does DIP membership cost", "billing-inquiry-and-payment-dispute"),
    ("is anybody at the desk on a Sunday", "support-hours"),
    ("do you work weekends", "support-hours"),  # the desk addressed as "you", a day as the topic
    ("is there a helpline", "elexon-support-channels-for-dip-inquiries"),
    ("is there someone I can talk to", "elexon-support-channels-for-dip-inquiries"),
])
def test_questions_about_the_desk_itself_are_answered_from_its_articles(shipped, question, slug):
    answer = shipped.assistant.answer(question)
    assert answer.action == "self_help", answer.decision.why
    assert answer.decision.articles[0].id == slug
    assert answer.reply.quote is not None and answer.reply.quote.slug == slug


@pytest.mark.parametrize("message", [
    "the lift is broken",  # not "list"
    "how do I renew my passport",  # not "passcode"
    "formula one race results",  # not "formal" or "RACI"
    "symptoms of the common cold",  # not "could"
    "what's the time",
])
def test_everyday_messages_in_correctly_spelled_english_are_out_of_scope(shipped, message):
    answer = shipped.assistant.answer(message)
    assert answer.action == "out_of_scope", answer.decision.why


@pytest.mark.parametrize(("text", "act"), [
    ("help", Act.HELP),
    ("hello, can you help me?", Act.HELP),
    ("what can you do?", Act.HELP),
    ("are you a bot?", Act.HELP),
    ("can you help me with a bounced message", Act.MESSAGE),  # says what with
    ("help! our certificate upload keeps failing", Act.MESSAGE),
])
def test_asking_for_help_without_saying_what_with(text, act):
    assert read_message(text).act is act


def test_asking_what_the_assistant_does_is_answered_not_apologised_for(shipped):
    answer = shipped.assistant.answer("hello, can you help me?")
    assert answer.action == "out_of_scope" and answer.decision.reason == "help"
    assert "assistant" in answer.reply.lead and "Sorry" not in answer.reply.lead


def test_help_during_a_topic_is_a_follow_up_on_it(shipped):
    first = shipped.assistant.answer("our webhook has stopped getting deliveries from the DIP")
    answer = shipped.assistant.answer("help", first.conversation_id)
    assert answer.decision.reason != "help"
    assert answer.topic is not None and answer.topic.id == first.topic.id


def test_asking_for_the_case_after_a_desk_answer_raises_it(shipped):
    """'please raise a case then' names no problem of its own: it asks for the current topic's case, even though its
    words match the article on raising cases."""
    first = shipped.assistant.answer("can I speak to a person")
    answer = shipped.assistant.answer("ok please raise a case then", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.reason == "requested"


@pytest.mark.parametrize(("text", "asks_case"), [
    ("please raise a case then", True), ("log it for us", True),
    ("please raise a case, our keys are failing", False),  # a problem of its own
    ("how do I raise a case", False),
])
def test_asking_for_the_case_itself(text, asks_case):
    assert read_message(text).asks_case is asks_case


def test_a_how_to_question_answered_by_a_document_is_not_called_a_problem(shipped):
    answer = shipped.assistant.answer("how do I raise a case")
    assert answer.action == "self_help" and answer.reply.steps
    assert "problem" not in answer.reply.lead


def test_a_question_that_is_not_how_to_gets_the_answer_not_steps(shipped):
    answer = shipped.assistant.answer("where is my case up to")
    assert not answer.reply.steps and "your cases" in answer.reply.lead


def test_a_bare_no_after_a_knowledge_answer_says_it_did_not_answer(shipped):
    first = shipped.assistant.answer("can I speak to a person")
    answer = shipped.assistant.answer("no", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.reason == "tried"
    assert "steps" not in answer.reply.lead


def test_a_bare_yes_after_a_knowledge_answer_acknowledges_it(shipped):
    first = shipped.assistant.answer("is anybody at the desk on a Sunday")
    answer = shipped.assistant.answer("yep", first.conversation_id)
    assert answer.decision.reason == "thanks" and answer.decision.case_draft is None


def test_a_bare_yes_after_steps_with_a_case_on_offer_still_confirms_the_case(shipped):
    first = shipped.assistant.answer("our webhook has stopped getting deliveries from the DIP")
    answer = shipped.assistant.answer("yes", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.id == first.decision.entity.id
