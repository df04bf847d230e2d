"""A row or request is not matched on the generic words of its name when its distinguishing word is missing, and a
name's words are read as that name only within one phrase of the question."""
from __future__ import annotations

import pytest

from app.assistant.route import route as decide
from app.assistant.text import phrase_runs, terms_of


@pytest.mark.parametrize(("text", "runs"), [
    ("all our users get an error when they log in", [["user"], ["error"], ["login"]]),
    ("our keys are not working", [["kei", "work"]]),
    ("how do I submit a DIP data request?", [["submit", "dip", "data", "request"]]),
    ("back off and retry", [["back", "off", "retri"]]),
    ("the webhook failed, then the replay", [["webhook", "fail"], ["replai"]]),
])
def test_phrase_runs_break_at_pronouns_light_verbs_clause_openers_and_punctuation(text, runs):
    assert phrase_runs(text) == runs


def test_a_name_is_read_only_within_one_phrase(shipped):
    def anchors(text: str) -> set[str]:
        return {a.casefold() for a in shipped.assistant.matcher.anchors_in(text)}

    assert "user error" not in anchors("all our users get an error when they log in to the portal")
    assert "user error" in anchors("it was a user error on our side")


def test_key_terms_are_the_rarest_words_of_an_entitys_own_name(shipped):
    m = shipped.assistant.matcher
    keys = {m.targets[ti].id: key for ti, key, _ in m._keys}
    assert keys["DIP-FUND-03"] == {"bank"}  # "Update Bank Details": update and details are everywhere
    assert "digit" in keys["DIP-DCP-01"] and "kei" not in keys["DIP-DCP-01"]  # "Incorrect Digital Keys"
    assert {m.targets[ti].kind for ti, _, _ in m._keys} == {"dip", "sr"}


@pytest.mark.parametrize(("question", "not_entity"), [
    # the generic words of "Update Bank Details", without bank
    ("we need to update our organisation's contact details", "DIP-FUND-03"),
    ("how do I update the phone number and address details we hold for our organisation", "DIP-FUND-03"),
])
def test_generic_words_of_a_name_without_its_key_word_do_not_route_there(shipped, question, not_entity):
    d = decide(shipped.assistant.matcher.match(question), shipped.model)
    assert d.entity is None or d.entity.id != not_entity, d.why


@pytest.mark.parametrize(("question", "entity"), [
    # the same words with the key word still route to the row
    ("we need to update our organisation's bank details", "DIP-FUND-03"),
    ("our bank account for DIP funding is changing, who do we tell?", "DIP-FUND-03"),
])
def test_the_key_word_with_the_generic_ones_still_routes_there(shipped, question, entity):
    d = decide(shipped.assistant.matcher.match(question), shipped.model)
    assert d.entity is not None and d.entity.id == entity, d.why


def test_an_action_on_another_thing_earns_no_action_bonus(shipped):
    """"update our contact details" asks for an update, but not of bank details: "Update Bank Details" gets no credit
    for the verb (the action bonus tells apart siblings that act on the same thing)."""
    from app.assistant.matcher import ACTION_BONUS

    def bonus(question: str) -> float:
        found = {c.id: c for c in shipped.assistant.matcher.match(question).entities}
        return found["DIP-FUND-03"].why["search_bonus"] if "DIP-FUND-03" in found else 0.0

    assert bonus("please update our contact details") < ACTION_BONUS
    assert bonus("please update our bank details") >= ACTION_BONUS


@pytest.mark.parametrize(("text", "terms"), [
    ("we can't log in", ["login"]),
    ("nobody has logged on since Monday", ["login", "mondai"]),  # "nobody" is a filler word
    ("the sign-in page", ["login", "page"]),
    ("the logs show a signing error", ["log", "show", "sign", "error"]),
])
def test_logging_in_is_one_term_apart_from_logs(text, terms):
    assert terms_of(text) == terms


def test_a_login_fault_is_not_a_message_error_row(shipped):
    """"users get an error when they log in" shares "user" and "error" with the DIP message row "User Error", and
    "log" with its article's logs; it is about getting into an account."""
    d = decide(shipped.assistant.matcher.match("all our users get an error when they log in to the portal"),
               shipped.model)
    assert d.entity is None or d.entity.id not in ("DIP-SEND-01", "DIP-RECV-01"), d.why


def test_a_clipped_word_is_read_as_the_corpus_word_it_begins():
    from app.assistant.text import Analyzer
    from app.search.synonyms import Synonyms

    a = Analyzer(["the production environment", "our environment is ready", "configuration of alerts",
                  "configuration again"], Synonyms([]))
    alts = {c.word: [alt.label for alt in c.alternatives] for c in a.analyse("stuck in the test env").concepts}
    assert "environment" in alts["env"]
    assert a.unclipped("config") == "configuration"
    assert a.unclipped("hot") is None  # begins no word of the corpus
    assert a.unclipped("environment") is None  # a word the corpus uses is itself


@pytest.mark.parametrize("question", [
    "our cert runs out next month, what do we need to do to renew",
    "the certificate expires in two weeks, what should we do to renew it",
])
def test_when_a_coming_event_happens_is_not_what_a_question_is_about(shipped, question):
    words = {c.word for c in shipped.assistant.matcher.query_terms(question).concepts}
    assert not words & {"next", "month", "two", "week"}
    d = decide(shipped.assistant.matcher.match(question), shipped.model)
    assert d.entity is not None and d.entity.id == "DIP-ANNUAL-01", d.why
