"""The conversation's state and decide() on it: tables of states and the action each must give."""
from __future__ import annotations

import pytest

from app.assistant.decide import Action, Decision, decide
from app.assistant.dialogue import Alone, DialogueState, Facts, Move, Topic, advance, classify
from app.assistant.evidence import Candidate
from app.assistant.reading import read_message, read_time
from app.assistant.routing import draft_for
from app.servicemodel import load_service_model

MODEL = load_service_model()


def row(kind: str, ident: str) -> Decision:
    """The route a text would get for one entity, as route() builds it."""
    entity = Candidate(kind, ident, ident, 0.8, 0.8)
    draft = draft_for(kind, ident, MODEL)
    return Decision(Action.RAISE_CASE, entity, (), draft, 0.9, "routed")


NO_FACTS = Facts()


def state(ident: str | None, kind: str | None, facts: Facts = NO_FACTS, *, asked: bool = False,
          question: bool = False, messages: tuple[str, ...] = ("first",)) -> DialogueState:
    return DialogueState(Topic(ident, kind, messages, facts, asked, question))


@pytest.mark.parametrize(("facts", "ident", "kind", "action", "priority"), [
    # a self-help-then-escalate row: the guidance first, with the case ready
    (Facts(), "DIP-SEND-04", "dip", Action.SELF_HELP, "P3"),
    # ... and the case once the user has tried it
    (Facts(tried_self_help=True), "DIP-SEND-04", "dip", Action.RAISE_CASE, "P3"),
    # a row with no self-help step is a case at once
    (Facts(), "DIP-REG-01", "dip", Action.RAISE_CASE, "P3"),
    # a catalogue request is the request itself, priority 4
    (Facts(), "SR-15", "sr", Action.RAISE_CASE, "P4"),
    # a row with a fixed priority keeps it whatever the user's tone
    (Facts(urgency_words=("really urgent",), wants_case=True), "DIP-CERT-02", "dip", Action.RAISE_CASE, "P3"),
])
def test_rows_decide_by_their_guidance_and_the_facts(facts, ident, kind, action, priority):
    d = decide(state(ident, kind, facts), read_message("x"), row(kind, ident), MODEL)
    assert d.action is action
    assert d.case_draft is not None and d.case_draft.priority == priority


@pytest.mark.parametrize(("facts", "incident", "priority"), [
    (Facts(affected="everyone", urgency="High", out_of_hours=False), "IC-01", "P1"),
    (Facts(affected="everyone", urgency="High", out_of_hours=True), "IC-05", "P1"),
    (Facts(affected="self", urgency="High", out_of_hours=False), "IC-01", "P3"),
    (Facts(affected="several", urgency="Medium", out_of_hours=False), "IC-01", "P3"),
    (Facts(affected=None, urgency=None, out_of_hours=False), "IC-01", "P2"),  # assumed several x high
    (Facts(breach=True, out_of_hours=False), "IC-11", "P1"),  # section 6.4
])
def test_outages_take_the_category_for_the_time_and_the_matrix_priority(facts, incident, priority):
    d = decide(state("IC-01", "incident", facts), read_message("x"),
               Decision(Action.RAISE_CASE, Candidate("incident", "IC-01", "x", 0.8), (), None, 0.9, "r"), MODEL)
    assert d.action is Action.RAISE_CASE
    assert d.entity.id == incident and d.case_draft.priority == priority


def test_a_question_about_how_it_works_is_answered_even_on_a_case_row():
    d = decide(state("DIP-REG-01", "dip", question=True), read_message("how does it work"), row("dip", "DIP-REG-01"),
               MODEL)
    assert d.action is Action.SELF_HELP and d.case_draft is not None


def test_a_vague_route_asks_once_then_routes_on_what_it_has():
    vague = Decision(Action.RAISE_CASE, None, (), None, 0.3, "several", sure=False)
    first = decide(state(None, None), read_message("something is wrong"), vague, MODEL)
    assert first.action is Action.CLARIFY and first.choices
    again = decide(state(None, None, asked=True), read_message("something is wrong"), vague, MODEL)
    assert again.action is Action.RAISE_CASE


def test_is_it_down_asks_who_is_affected():
    route = Decision(Action.RAISE_CASE, Candidate("incident", "IC-01", "x", 0.8), (), None, 0.9, "r")
    d = decide(state(None, None), read_message("is the DIP down at the moment?"), route, MODEL)
    assert d.action is Action.CLARIFY and {c.label for c in d.choices} >= {"Only us", "Everyone"}


def test_home_energy_questions_are_never_a_case():
    d = decide(state(None, None), read_message("the engineer never came to fit my smart meter"),
               row("dip", "DIP-REG-01"), MODEL)
    assert d.action is Action.OUT_OF_SCOPE and d.case_draft is None


def test_a_case_reference_gets_tracking_help_and_a_chase_the_escalation_request():
    reading = read_message("what's the status of CS0000042?")
    asked = advance(DialogueState(), reading, Move.NEW_TOPIC, "status?", clock_out_of_hours=False, question=True)
    d = decide(asked, reading, row("dip", "DIP-REG-01"), MODEL)
    assert d.action is Action.SELF_HELP and d.case_draft is None
    chase = read_message("nothing for three weeks, please escalate it")
    later = advance(asked, chase, Move.FOLLOW_UP, "escalate", clock_out_of_hours=False, question=False)
    d = decide(later, chase, row("dip", "DIP-REG-01"), MODEL)
    assert d.action is Action.RAISE_CASE and d.entity.id == "SR-33" and d.case_draft.priority == "P4"


def test_a_suspected_breach_is_priority_one_even_when_the_words_matched_nothing():
    reading = read_message("we think someone has got into our account and downloaded data they shouldn't have")
    s = advance(DialogueState(), reading, Move.NEW_TOPIC, "x", clock_out_of_hours=False, question=False)
    d = decide(s, reading, Decision(Action.OUT_OF_SCOPE, None, (), None, 0.9, "nothing"), MODEL)
    assert d.action is Action.RAISE_CASE and d.entity.id == "IC-11" and d.case_draft.priority == "P1"


@pytest.mark.parametrize(("message", "alone", "move"), [
    ("no luck", Alone(None, None, False, True), Move.FOLLOW_UP),
    ("it's everyone", Alone(None, None, False, True), Move.FOLLOW_UP),
    ("forgot to mention it is 3am", Alone(None, None, False, True), Move.FOLLOW_UP),
    ("yes please go ahead and request that", Alone("SR-20", "sr", False, False), Move.FOLLOW_UP),
    ("checked everything in that article, they are still bouncing", Alone("DIP-SEND-01", "dip", True, False),
     Move.FOLLOW_UP),
    ("this is really urgent, we go live on Monday", Alone("DIP-REG-06", "dip", True, False), Move.FOLLOW_UP),
    ("separately, a colleague has left and her account needs removing", Alone("SR-14", "sr", True, False),
     Move.NEW_TOPIC),
    ("our DIP invoice never arrived", Alone("DIP-FUND-01", "dip", True, False), Move.NEW_TOPIC),
    ("hello", Alone(None, None, False, True), Move.SMALL_TALK),
    ("thanks, that fixed it", Alone(None, None, False, True), Move.SMALL_TALK),
])
def test_follow_ups_keep_the_topic_and_new_problems_start_one(message, alone, move):
    assert classify(state("DIP-SEND-04", "dip"), read_message(message), alone) is move


def test_a_new_topic_leaves_the_earlier_one_behind():
    before = state("DIP-SEND-04", "dip", Facts(tried_self_help=True), messages=("bounced",))
    text = "separately, we need API access"
    after = advance(before, read_message(text), Move.NEW_TOPIC, text, clock_out_of_hours=False, question=False)
    assert after.topic.messages == ("separately, we need API access",) and not after.topic.facts.tried_self_help
    assert after.earlier == ("DIP-SEND-04",)


def test_facts_add_up_over_follow_ups():
    s = state("IC-01", "incident", messages=("the DIP is down",))
    for text in ("it's everyone, nothing is flowing", "and it is 3am"):
        s = advance(s, read_message(text), Move.FOLLOW_UP, text, clock_out_of_hours=False, question=False)
    f = s.topic.facts
    assert (f.affected, f.urgency, f.out_of_hours, f.started_at) == ("everyone", "High", True, "3am")
    # who, how badly and when are answers the case carries as facts, not messages of a transcript (conversation.md)
    assert s.topic.messages == ("the DIP is down",) and s.topic.turns == 3


@pytest.mark.parametrize(("text", "affected", "urgency"), [
    ("the DIP is down for everyone", "everyone", "High"),
    ("there is no workaround", None, "High"),
    ("we have a workaround for now", None, "Medium"),
    ("not just us, other suppliers too", "several", None),
    ("turns out it is only us, other suppliers are getting theirs", "self", None),
])
def test_scope_and_urgency_read_negations(text, affected, urgency):
    r = read_message(text)
    assert (r.affected, r.urgency) == (affected, urgency)


@pytest.mark.parametrize(("text", "out_of_hours"), [
    ("it is 3am", True), ("since 10am", False), ("at 17:30", True), ("over the weekend", True),
    ("this morning", False),
])
def test_stated_times_fall_in_or_out_of_support_hours(text, out_of_hours):
    assert read_time(text).out_of_hours is out_of_hours
