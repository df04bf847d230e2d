"""How the assistant holds a conversation over several turns (docs/conversation.md): a case already raised is
tracked, two problems in one sentence are taken one at a time, questions about the case on offer are answered
from it, one-word answers are read against the question asked, and an earlier problem can be taken up again."""
from __future__ import annotations

import pytest

from app.assistant.reading import read_message


@pytest.mark.parametrize("text", [
    "I logged a case yesterday, when will someone look at it",
    "we put in a ticket on monday and nobody has picked it up",
    "any news on our open enquiry?",
    "the query we raised last week still hasn't had a reply",
])
def test_a_case_already_raised_is_read_without_its_reference(text):
    assert read_message(text).existing_case


@pytest.mark.parametrize("text", [
    "how do I raise a case", "can you raise a case for me", "what do I put in our case description",
    "how do we amend a change request we submitted", "our webhook has stopped",
])
def test_raising_or_describing_a_case_is_not_an_existing_one(text):
    assert not read_message(text).existing_case


def test_a_case_already_raised_gets_where_to_track_it_and_the_targets_not_a_new_case(assistant):
    answer = assistant.answer("I logged a ticket yesterday, when will someone look at it")
    assert answer.action == "self_help" and answer.decision.case_draft is None
    assert answer.articles and answer.articles[0]["slug"] == "raise-and-track-a-case"
    assert "open your cases" in answer.reply.lead
    assert "priority 3 within 5 business days" in answer.reply.lead  # the service definition's targets (6.5)


def test_a_case_already_raised_mid_conversation_is_a_new_topic(assistant):
    first = assistant.answer("messages keep bouncing back from the DIP")
    answer = assistant.answer("we raised a ticket about another thing last week, any news?", first.conversation_id)
    assert answer.decision.reason == "track" and answer.decision.case_draft is None


def test_escalating_the_case_being_tracked_is_the_escalation_request(assistant):
    first = assistant.answer("i logged a ticket last week and nobody has picked it up yet")
    assert first.decision.reason == "track"  # waiting alone is not a request to escalate
    answer = assistant.answer("can you escalate it please, CS0001234", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.title == "Issue Escalation"
    assert answer.as_json()["case_draft"]["priority"] == "P4"


def test_two_problems_joined_by_and_are_answered_one_at_a_time(assistant):
    answer = assistant.answer("we never received our dip invoice for march and our bank details need changing")
    assert answer.decision.entity.id == "DIP-FUND-01"  # the first problem, on its own words
    assert [o.message for o in answer.others] == ["our bank details need changing"]
    assert "bank" not in answer.case_fields()["description"]
    assert "I'll come to it" in answer.reply.text


@pytest.mark.parametrize("text", [
    "the DIP is down for everyone and nothing is flowing",  # the second clause says how bad, not what else
    "our keys are not working and we cannot decrypt messages from the dip",  # one problem told twice
])
def test_and_within_one_problem_does_not_split_it(assistant, text):
    assert assistant.answer(text).others == ()


def test_the_other_problem_is_taken_up_in_a_few_words_of_its_own(assistant):
    first = assistant.answer("our webhook has stopped receiving anything and a colleague left so her dip login "
                             "needs removing")
    assert first.decision.entity.id == "DIP-RECV-03"
    answer = assistant.answer("ok now the login removal pls", first.conversation_id)
    assert answer.decision.entity.id == "SR-14" and answer.action == "raise_case"
    assert answer.case_fields()["subject"].startswith("a colleague left")  # the other problem, not the webhook
    assert answer.state.pending == ()


def test_the_other_one_takes_up_the_problem_left_waiting(assistant):
    first = assistant.answer("we never received our dip invoice for march and our bank details need changing")
    assert first.decision.entity.id == "DIP-FUND-01"
    answer = assistant.answer("thanks, and the other one?", first.conversation_id)
    assert answer.decision.entity.id == "DIP-FUND-03"


def test_a_one_word_answer_to_what_kind_of_problem_is_its_quick_answer(assistant):
    first = assistant.answer("dip problem")
    assert first.action == "clarify"
    by_word = assistant.answer("receiving", first.conversation_id)
    second = assistant.answer("dip problem")
    choice = next(c for c in second.decision.choices if c.label.lower().startswith("receiving"))
    by_button = assistant.answer(choice.message, second.conversation_id)
    assert (by_word.action, by_word.articles) == (by_button.action, by_button.articles)
    assert by_word.action != "raise_case"


def test_a_clause_sharing_the_subject_before_it_is_the_same_request(assistant):
    answer = assistant.answer("we sent meter readings with the wrong values and need to correct what we submitted")
    assert answer.others == ()


def test_the_case_being_tracked_can_be_escalated_without_its_reference_again(assistant):
    first = assistant.answer("what's the status of CS0001234?")
    answer = assistant.answer("it's been weeks with nothing, please escalate it", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.title == "Issue Escalation"


@pytest.mark.parametrize("question", ["who handles it?", "and who deals with it", "where would that go?"])
def test_who_would_handle_the_case_on_offer_is_answered_from_it(assistant, question):
    first = assistant.answer("our webhook stopped getting deliveries from the DIP")
    answer = assistant.answer(question, first.conversation_id)
    assert answer.decision.entity.id == first.decision.entity.id
    assert "handled by the DIP service provider" in answer.reply.lead
    assert not answer.reply.steps


def test_questions_about_the_case_stay_out_of_its_description(assistant):
    first = assistant.answer("how do i get a dip account set up for a new starter in our team")
    assistant.answer("how long does that usually take", first.conversation_id)
    assistant.answer("who would deal with it?", first.conversation_id)
    answer = assistant.answer("ok go ahead", first.conversation_id)
    assert answer.action == "raise_case"
    description = answer.case_fields()["description"]
    assert "how long" not in description and "who would" not in description
    assert "new starter" in description


def test_if_i_log_it_is_not_asking_for_the_case():
    assert not read_message("how long would a fix take if i log it?").asks_case
    assert read_message("ok, log it then").asks_case


def test_an_answer_to_who_is_affected_keeps_the_outage_asked_about(assistant):
    first = assistant.answer("is the dip down")
    assert first.action == "clarify" and first.as_json()["scenario"] is None
    answer = assistant.answer("yes every participant we work with, nothing is flowing", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.kind == "incident"
    assert answer.as_json()["case_draft"]["priority"] == "P1"


@pytest.mark.parametrize("text", [
    "think someone has been logging into our dip account who shouldnt be",
    "someone is accessing our data who isn't allowed to",
])
def test_access_by_someone_who_should_not_have_it_is_a_suspected_breach(text):
    assert read_message(text).breach


def test_one_account_affected_is_a_fact_about_the_breach_not_a_new_request(assistant):
    first = assistant.answer("think someone has been logging into our dip account who shouldnt be")
    assert first.decision.entity.kind == "incident" and first.as_json()["case_draft"]["priority"] == "P1"
    answer = assistant.answer("its just the one user account as far as we can tell", first.conversation_id)
    assert answer.decision.entity.id == first.decision.entity.id
    assert answer.as_json()["case_draft"]["priority"] == "P1"  # a suspected breach is priority 1 (6.4)


def test_an_earlier_problem_is_taken_up_again_after_a_side_question(assistant):
    first = assistant.answer("our messages are getting an L2 rejection from the DIP, schema validation")
    side = assistant.answer("quick q, what hours is the service desk open", first.conversation_id)
    assert side.decision.entity is None
    answer = assistant.answer("back to the rejections, tried everything and they still fail", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.id == first.decision.entity.id
    description = answer.case_fields()["description"]
    assert "L2 rejection" in description and "service desk open" not in description


def test_not_helped_by_a_side_answer_does_not_reopen_an_unrelated_problem(assistant):
    first = assistant.answer("our webhook stopped getting deliveries from the DIP")
    side = assistant.answer("what is the resolution target for a P3 incident", first.conversation_id)
    answer = assistant.answer("that didn't answer it", side.conversation_id)
    assert answer.decision.entity is None or answer.decision.entity.id != first.decision.entity.id


@pytest.mark.parametrize("text", ["how do I make a complaint about the service desk",
                                  "I want to complain about how the service desk handled our issue"])
def test_a_complaint_about_the_service_is_feedback_not_a_feature_request(assistant, text):
    answer = assistant.answer(text)
    assert answer.decision.entity is not None and answer.decision.entity.title == "Feedback Submission"


@pytest.mark.parametrize(("fact", "said"), [("no, it's only us actually", "it affects only your organisation"),
                                             ("it started at 2am", "it started at 2am")])
def test_a_fact_that_changes_nothing_is_acknowledged_not_answered_with_the_steps_again(assistant, fact, said):
    first = assistant.answer("messages bouncing back from the dip")
    assert first.reply.steps
    answer = assistant.answer(fact, first.conversation_id)
    assert answer.decision.entity.id == first.decision.entity.id and answer.action == "self_help"
    assert said in answer.reply.lead and not answer.reply.steps
    assert answer.as_json()["case_draft"]["priority"] == "P3"  # a row's fixed priority


@pytest.mark.parametrize("text", ["thanks bye", "cheers thats all, bye", "goodbye"])
def test_goodbye_is_small_talk_not_a_follow_up(assistant, text):
    first = assistant.answer("our vetting call from globalsign never happened")
    answer = assistant.answer(text, first.conversation_id)
    assert answer.action == "out_of_scope" and answer.decision.entity is None


def test_a_question_about_the_platform_answered_with_its_reach_is_an_outage(assistant):
    first = assistant.answer("is anyone else having trouble with the dip atm?")
    answer = assistant.answer("yes every participant ive spoken to, nothing is flowing", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.kind == "incident"
    assert answer.as_json()["case_draft"]["priority"] == "P1"


def test_a_request_already_sent_asked_after_is_tracked():
    assert read_message("we submitted a request for api credentials 2 weeks ago, whats the status?").existing_case
    assert not read_message("we need to submit a request for api credentials").existing_case


def test_the_case_carries_the_answers_not_the_transcript(assistant):
    first = assistant.answer("replaying messages from last night keeps failing")
    assistant.answer("only us as far as i know", first.conversation_id)
    answer = assistant.answer("tried all that, same error", first.conversation_id)
    assert answer.action == "raise_case"
    description = answer.case_fields()["description"]
    assert "only us as far as i know" not in description  # a fact, said as one
    assert "Who is affected: only our organisation." in description
    assert "self-help steps were tried" in description
    assert description.startswith("replaying messages from last night keeps failing")


def test_who_would_pick_it_up_is_a_question_about_the_case():
    assert read_message("who would pick that up if it doesnt work").asks_priority


@pytest.mark.parametrize(("text", "new"), [("btw what does DCP stand for", True),
                                           ("quick q, what hours is the service desk open", True),
                                           ("it's 11pm by the way", False)])
def test_an_aside_is_another_topic_unless_it_only_adds_a_fact(text, new):
    assert read_message(text).new_topic is new


def test_an_aside_mid_case_is_answered_and_the_case_taken_up_again(assistant):
    first = assistant.answer("our invitation link to the dip never arrived and its well past the sla")
    side = assistant.answer("btw what does DCP stand for", first.conversation_id)
    assert side.action == "self_help" and side.decision.entity is None
    answer = assistant.answer("ok back to the invitation, yes please raise that", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.id == first.decision.entity.id
    assert "DCP" not in answer.case_fields()["description"]


def test_logins_nobody_recognises_are_a_suspected_breach():
    assert read_message("there are logins on our dip account from an ip we dont recognise").breach


def test_an_aside_is_matched_as_the_question_it_opens(assistant):
    answer = assistant.answer("quick q, what hours is the service desk open")
    assert answer.action == "self_help" and not answer.reply.steps  # answered, not treated as a fault


def test_no_after_a_row_s_steps_says_they_did_not_help(assistant):
    first = assistant.answer("messages bouncing back from the dip")
    answer = assistant.answer("no", first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.id == first.decision.entity.id


@pytest.mark.parametrize("text", ["actually never mind, its working now", "they are coming through again",
                                  "everything is ok now thanks"])
def test_the_problem_gone_away_closes_politely(assistant, text):
    first = assistant.answer("messages bouncing back from the dip")
    answer = assistant.answer(text, first.conversation_id)
    assert answer.action == "out_of_scope" and answer.reply.lead.startswith("You're welcome")


def test_replies_count_as_turns_but_stay_out_of_the_case_description(assistant):
    first = assistant.answer("messages bouncing back from the dip")
    assistant.answer("no", first.conversation_id)
    answer = assistant.answer("yes please", first.conversation_id)
    assert answer.action == "raise_case" and answer.as_json()["topic"]["turns"] == 3
    assert answer.case_fields()["description"].split("\n\n") == [
        "messages bouncing back from the dip", "The suggested self-help steps were tried and did not solve it."]


def test_what_the_case_needs_is_answered_from_the_request_s_own_list(assistant):
    first = assistant.answer("how do I add a new user to the dip")
    answer = assistant.answer("what details do you need from us?", first.conversation_id)
    assert answer.decision.entity.id == first.decision.entity.id and answer.action == "raise_case"
    assert answer.reply.lead == "For the case, include:"
    assert any("work email" in step for step in answer.reply.steps)
    assert "what details" not in answer.case_fields()["description"]


def test_what_the_case_needs_without_a_list_is_said_in_general(assistant):
    first = assistant.answer("our invoice for the dip never came")
    answer = assistant.answer("what info do you need from us?", first.conversation_id)
    assert answer.decision.entity.id == first.decision.entity.id
    assert "who is affected" in answer.reply.lead and not answer.reply.steps


def test_who_to_send_it_to_is_a_question_about_the_case():
    assert read_message("who do we send it to?").asks_priority


@pytest.mark.parametrize("text", ["my home smart meter isnt working", "our house has had no power since lunch"])
def test_a_home_is_a_domestic_customer_s(text):
    assert read_message(text).domestic


@pytest.mark.parametrize("text", ["thx", "ty", "thanks a lot"])
def test_short_thanks_are_thanks(text):
    assert read_message(text).act.value == "thanks"


def test_another_question_on_the_same_document_is_answered_by_its_own_words(assistant):
    first = assistant.answer("whats the resolution target for a P2")
    answer = assistant.answer("and for a P4?", first.conversation_id)
    assert answer.reply.lead.startswith("P4") and "P2 (" not in answer.reply.lead


def test_still_telling_another_problem_is_that_problem_not_the_last_one_tried(assistant):
    first = assistant.answer("webhook stopped getting deliveries")
    answer = assistant.answer("our dcp nomination is still pending", first.conversation_id)
    assert answer.decision.entity.id != first.decision.entity.id
    assert "webhook" not in answer.case_fields()["description"]


@pytest.mark.parametrize("text", ["still nothing coming in", "still bouncing"])
def test_still_alone_is_still_the_guidance_tried(assistant, text):
    first = assistant.answer("messages bouncing back from the dip" if "bounc" in text else
                             "webhook stopped getting deliveries")
    answer = assistant.answer(text, first.conversation_id)
    assert answer.action == "raise_case" and answer.decision.entity.id == first.decision.entity.id


@pytest.mark.parametrize(("text", "only"), [("our dcp nomination is still pending", True),
                                            ("we checked the response code and it is still happening", False),
                                            ("still getting them, please log it", False)])
def test_still_alone_may_tell_a_new_problem_but_not_with_words_pointing_back(text, only):
    assert read_message(text).only_still is only


@pytest.mark.parametrize("follow_up", ["so who do i contact then?", "who should we contact about it?"])
def test_whom_to_contact_after_an_answer_is_about_that_answer(assistant, follow_up):
    # asked after the redirect, it means "who handles this one?": the DCP, not a new request about access
    first = assistant.answer("our connection provider isnt forwarding us the messages they get from the dip")
    assert first.action == "redirect"
    answer = assistant.answer(follow_up, first.conversation_id)
    assert answer.action == "redirect" and answer.decision.entity.id == first.decision.entity.id


def test_whom_to_contact_alone_is_answered_not_raised_as_a_request(assistant):
    assert assistant.answer("who do i contact?").action != "raise_case"


@pytest.mark.parametrize(("text", "reported"), [
    ("we think we have been hacked", True),
    ("we have had a data breach, what priority is that?", True),
    ("what priority is a security breach", False),
    ("if we get hacked who do we tell", False),
    ("what happens if there is a data breach?", False),
])
def test_a_breach_asked_about_is_not_a_breach_reported(assistant, text, reported):
    # only a reported breach is the Priority 1 security incident (section 6.4); one asked about is answered
    answer = assistant.answer(text)
    assert (answer.action == "raise_case" and answer.as_json()["case_draft"]["priority"] == "P1") is reported
