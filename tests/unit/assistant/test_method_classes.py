"""Classes of question the method must tell apart, with new wording each: the action asked for (share vs a fault,
amend vs new, create vs amend), many users and a central service not responding, a suspected security incident,
and the clock time of an outage."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from app.assistant.decide import Action
from app.assistant.evidence import Candidate, Evidence
from app.assistant.reply import ReplyBuilder
from app.assistant.route import route as decide
from app.assistant.signals import actions_in, read_signals
from app.assistant.steps import article_faqs
from app.assistant.targets import body_field, redirect_sentences
from app.assistant.text import Analyzer
from app.content.loader import parse_article
from app.search.synonyms import Synonyms
from app.servicemodel import load_service_model

ROOT = Path(__file__).resolve().parents[3]
MODEL = load_service_model()


@pytest.mark.parametrize(("text", "actions"), [
    ("can we hand over our signing keys to the company that connects us", {"share"}),
    ("Key Sharing", {"share"}),
    ("Incorrect Digital Keys", set()),
    ("please correct the consumption figures we sent on Monday", {"modify"}),
    ("we submitted the wrong settlement data and must amend it", {"modify"}),
    ("New Data Submission", {"create"}),
    ("Submission", {"create"}),
    ("Amendment to Submitted Data", {"modify"}),
    ("how can we open a new CR", {"create"}),
    ("Amend / Update CR", {"modify"}),
    ("we want to withdraw our change request", {"close"}),
])
def test_action_classes(text, actions):
    assert actions_in(text) == actions


@pytest.mark.parametrize(("text", "field", "value"), [
    ("the DTN gateway stopped responding for all of us", "outage", True),
    ("the DTN gateway stopped responding for all of us", "many_users", True),
    ("registration service is not responding, none of us get anything", "many_users", True),
    ("we suspect someone hacked into our DIP account", "security", True),
    ("possible data breach on the platform", "security", True),
    ("how do I request a security audit", "security", False),
    ("nothing has come through since 10:30am", "in_hours", True),
    ("since 2pm every flow is failing", "in_hours", True),
    ("it went down at 3am", "out_of_hours", True),
    ("it went down at 3am", "in_hours", False),
])
def test_signal_cues(text, field, value):
    assert getattr(read_signals(text), field) == value


def _cand(kind: str, ident: str, score: float) -> Candidate:
    return Candidate(kind, ident, ident, score, score, matched=("secur",))


@pytest.mark.parametrize(("text", "action", "entity", "priorities"), [
    ("we believe our DIP credentials were compromised", Action.RAISE_CASE, "IC-11", {"P1", "P2", "P3"}),
    ("I'd like to report a possible security breach", Action.RAISE_CASE, "IC-11", {"P1", "P2", "P3"}),
    ("how do I ask for a security audit of our DIP setup", Action.RAISE_CASE, "SR-21", {"P4"}),
])
def test_security_incident_is_never_a_p4_request(text, action, entity, priorities):
    """Section 6.4: a security incident, or a suspected one, is priority 1 to 3, not a P4 service request."""
    sr = "SR-21" if "audit" in text else "SR-30"
    ev = Evidence(text, read_signals(text), (_cand("sr", sr, 0.64), _cand("incident", "IC-11", 0.45)), (),
                  information=10.0, known_share=1.0, domain_share=1.0, anchors=("DIP",))
    d = decide(ev, MODEL)
    assert (d.action, d.entity.id if d.entity else None) == (action, entity)
    assert d.case_draft is not None and d.case_draft.priority in priorities


@pytest.fixture(scope="module")
def shipped_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assist-classes")
    return create_app({"TESTING": True, "KB_CONTENT_DIR": str(ROOT), "KB_INDEX_DIR": str(tmp / "index"),
                       "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp / "outbox"),
                       "KB_SEMANTIC": "off", "KB_SECRET_KEY": "test"})


@pytest.fixture(scope="module")
def shipped(shipped_app):
    return shipped_app.extensions["kb"]


@pytest.mark.parametrize(("question", "action", "entity", "subcategory"), [
    # handing keys to a third party is the user's and the DCP's business; keys registered wrongly are a case
    ("can we pass our digital keys over to our connection provider so it signs messages for us?",
     "redirect", "DIP-DCP-02", None),
    # amend vs new submission
    ("some consumption data we sent yesterday was incorrect and needs correcting", "raise_case", "SR-03", None),
    # close rows told apart by the words that name them (consecutive in a name or title), not by a verb or a word
    # that a sibling's text also happens to use
    ("please add a new user for us in the portal", "raise_case", "SR-12", None),
    ("we would like to submit a DIP data request", "raise_case", "DIP-DATA-01", None),
    # create vs amend a change request
    ("we'd like to submit a new change request to the DIP manager", "raise_case", "DIP-CHANGE-01", None),
    ("we need to update the change request we raised last month", "raise_case", "DIP-CHANGE-02", None),
    # a change request is a Change (section 10), not a catalogue service request its other words resemble
    ("we want a change request for a new data extraction", "raise_case", "DIP-CHANGE-01", None),
    ("our CR from last spring is no longer needed since the new release, can it be closed?", "raise_case",
     "DIP-CHANGE-03", None),
    # many users and a central service not responding: an incident for that service
    ("EES stopped responding this morning, all of us are affected", "raise_case", "IC-13", "EES Service Failure"),
    # a suspected security incident
    ("we suspect our DIP data may have been leaked in a security incident", "raise_case", "IC-11",
     "DIP Security Incidents"),
    # an outage at a time within hours
    ("the DIP has been unavailable for everybody since 11am", "raise_case", "IC-01",
     "DIP Service Failures (In Hours)"),
])
def test_shipped_corpus_routes_by_need(shipped, question, action, entity, subcategory):
    evidence = shipped.assistant.matcher.match(question)
    d = decide(evidence, shipped.model)
    assert d.action.value == action, d.why
    assert d.entity is not None and d.entity.id == entity, d.why
    if subcategory:
        assert d.case_draft is not None and d.case_draft.subcategory == subcategory


def test_a_sentence_sending_the_reader_to_another_article_is_not_evidence_for_this_one():
    text = ("---\ntitle: Errors when receiving\nsummary: Errors logged on receipt.\ncategory: messaging\n"
            "tags: [errors]\nstatus: published\n---\nCheck your logs for parse errors. If the error is about "
            "decryption, see [keys not working](/articles/keys). Other sentences count.\n")
    article = parse_article(Path("articles/errors.md"), text, {"messaging"})
    body = body_field("body", article, 0.6, frozenset())
    assert {"pars", "log", "sentenc", "count"} <= set(body.terms) and "decrypt" not in body.terms
    assert body.weight == 0.6 and body.saturate


def test_redirecting_sentences_are_cut_at_their_own_full_stops_and_need_an_if_before_the_link():
    body = ("See [the guide](/articles/setup) first. If keys fail, read [keys](/articles/keys.v1) now. "
            "Keys are kept safe.\nWhen in doubt, ask [the desk](/articles/desk), if you like.")
    assert [s.strip() for s in redirect_sentences(body)] == ["If keys fail, read [keys] now"]


@pytest.mark.parametrize(("message", "definition", "not_said"), [
    ("what is a DCP", "A DIP Connection Provider is a third party", "third party provider,"),
    ("what's the meaning of MPAN", "The Metering Point Administration Number is the unique reference",
     "supply number, S number"),
    # a shorter name inside the one asked about is not defined first
    ("what is a DIP ID?", "A DIP ID identifies a participant", "central messaging hub"),
])
def test_a_term_is_answered_with_its_definition_not_its_list_of_names(shipped, message, definition, not_said):
    answer = shipped.assistant.answer(message)
    assert answer.action == "self_help"
    assert definition in answer.reply.lead
    assert not_said not in answer.reply.lead


@pytest.mark.parametrize("message", ["our messages aren't getting through", "our flows are stuck"])
def test_a_fault_told_in_few_of_the_services_own_words_is_asked_about_not_turned_away(shipped, message):
    answer = shipped.assistant.answer(message)
    assert answer.action == "clarify"  # which messages: never "I can only help with MHHS"


FAQ_ARTICLE = ("---\ntitle: Questions about the hub\nsummary: Short answers.\ncategory: messaging\ntags: [faq]\n"
               "status: published\n---\nShort answers first.\n\n## Basics\n**Is the hub open at night?** Yes. It runs "
               "all day and night.\n\n**Can we send [test files](/articles/tests)?**\nOnly in the test window.\n"
               "\n## Who pays for it?\nEach member pays a share.\n\n- a list item is not an answer\n")


def test_the_questions_an_article_answers_itself_are_read_with_their_answers():
    faqs = article_faqs(parse_article(Path("articles/hub-faq.md"), FAQ_ARTICLE, {"messaging"}))
    assert [(f.question, f.answer, f.anchor) for f in faqs] == [
        ("Is the hub open at night?", "Yes. It runs all day and night.", "basics"),
        ("Can we send test files?", "Only in the test window.", "basics"),
        ("Who pays for it?", "Each member pays a share.", "who-pays-for-it")]


def test_an_article_that_asks_the_question_itself_answers_it_with_its_own_answer(shipped_app):
    """An FAQ entry whose question says most of the user's is the answer, not the article's nearest list."""
    body = shipped_app.test_client().post(
        "/api/assist", json={"message": "do all industry data flows go over the DIP?"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"}).get_json()
    assert body["action"] == "self_help" and body["scenario"] is None
    assert "Data Transfer Network" in body["reply"] and not body["steps"]
    assert body["source"]["url"].startswith("/articles/frequently-asked-questions-about-the-dip")


def test_a_quoted_passage_leaves_out_the_questions_it_asks():
    article = parse_article(Path("articles/hub-faq.md"), FAQ_ARTICLE, {"messaging"})

    class Repo:
        def get_article(self, slug):
            return article if slug == article.slug else None

    query = Analyzer([FAQ_ARTICLE], Synonyms([])).analyse("when does the hub run and who sends test files")
    quote = ReplyBuilder(Repo(), MODEL).best_quote(Candidate("article", article.slug, article.title, 0.9), query)
    assert quote is not None and "run" in quote.text and "?" not in quote.text


@pytest.mark.parametrize(("question", "priority", "target"), [
    ("only our team is affected and our primary functions are not working at all: which priority is that?", "P3",
     "5 business days"),
    ("several suppliers are hit but there is a workaround, what priority would this get?", "P3", "5 business days"),
])
def test_a_priority_question_with_impact_and_urgency_is_answered_from_the_matrix(shipped_app, question, priority,
                                                                                  target):
    body = shipped_app.test_client().post("/api/assist", json={"message": question},
                                          environ_base={"REMOTE_ADDR": "10.9.9.8"}).get_json()
    assert body["action"] == "self_help" and body["case_draft"] is None
    assert f"gives {priority}" in body["lead"] and target in body["lead"]


@pytest.mark.parametrize(("message", "action", "article"), [
    # a question's days and times are what it asks about ...
    ("is anyone around at the weekend to help", "self_help", "support-hours"),
    ("do you work bank holidays", "self_help", "support-hours"),
    # ... but never make a message about this service on their own, and a past event's time is not its topic
    ("weather forecast for the weekend", "out_of_scope", None),
    ("any update on the case I raised last week?", "self_help", "raise-and-track-a-case"),
    ("how do we renew this certificate before it runs out?", "self_help", "dip-certificate-annual-renewal"),
    # and a fault's time says when it happened, not what it is
    ("our webhook stopped receiving messages overnight", "self_help", "dip-webhook-not-receiving-messages"),
])
def test_days_and_times_are_topic_words_only_in_a_question(shipped, message, action, article):
    answer = shipped.assistant.answer(message)
    assert answer.action == action
    if article is not None:
        assert answer.decision.articles[0].id == article
