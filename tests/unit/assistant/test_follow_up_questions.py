"""Short turns read against the conversation: "how long will it take?" asks about the case on offer, and "thanks,
I'll try the steps" is thanks, not a new problem."""
from __future__ import annotations

import pytest

from app.assistant.reading import Act, read_message


@pytest.mark.parametrize(("problem", "question", "action", "said"), [
    ("I want to submit a change request", "how long will it take?", "raise_case",
     "a priority 3 change, to be resolved within 5 business days"),
    ("messages keep bouncing back", "how quickly would that get fixed?", "self_help",
     "a priority 3 incident, to be resolved within 5 business days"),
])
def test_how_long_about_the_case_on_offer_is_answered_with_its_priority(assistant, problem, question, action, said):
    first = assistant.answer(problem)
    answer = assistant.answer(question, first.conversation_id)
    assert answer.action == action
    assert answer.decision.entity.id == first.decision.entity.id  # the same topic, not the priority matrix
    assert said in answer.reply.lead
    assert not answer.reply.steps  # the steps were given already
    assert answer.as_json()["case_draft"]["priority"] == "P3"


def test_the_priority_of_an_outage_follows_who_is_affected(assistant):
    first = assistant.answer("the DIP is down")
    assistant.answer("everyone", first.conversation_id)
    answer = assistant.answer("how long will it take to fix?", first.conversation_id)
    assert "a priority 1 incident, to be resolved within 6 hours" in answer.reply.lead


@pytest.mark.parametrize(("text", "act"), [
    ("thanks, I'll try the steps", Act.THANKS),
    ("cheers, will do", Act.THANKS),
    ("thanks, I'll try that and let you know", Act.THANKS),
    ("thanks but it still fails", Act.MESSAGE),
    ("thanks, how do I add a user?", Act.MESSAGE),
    ("thanks, we will try it but we need a new DIP ID too", Act.MESSAGE),
])
def test_thanks_with_a_plan_of_ones_own_is_thanks(text, act):
    assert read_message(text).act is act


def test_thanks_after_the_steps_raises_nothing(assistant):
    first = assistant.answer("messages keep bouncing back")
    answer = assistant.answer("thanks, I'll try the steps", first.conversation_id)
    assert answer.action == "out_of_scope" and answer.decision.entity is None
    assert answer.reply.lead.startswith("You're welcome")


def test_yes_that_fixed_it_is_thanks():
    assert read_message("yes that fixed it").act is Act.THANKS


@pytest.mark.parametrize("text", ["I raised case CS-00123 last week, any news?", "what's happening with cs 123",
                                  "update on CS00000123 please"])
def test_a_case_reference_is_read_however_it_is_typed(text):
    assert read_message(text).case_reference in ("CS00123", "CS123", "CS00000123")


def test_a_fault_in_few_words_only_one_row_uses_is_routed_not_asked_about(assistant):
    answer = assistant.answer("our webhook isn't receiving anything")
    assert answer.action == "self_help" and answer.decision.entity.id == "DIP-RECV-03"
    assert assistant.answer("it's not working").action == "clarify"  # words every row uses: ask


def test_still_stuck_on_a_row_the_service_definition_answers_with_guidance_only(assistant):
    first = assistant.answer("New to the portal. The DIP ID section for our company is blank so I can't work out "
                             "where to allocate our market roles.")
    assert (first.action, first.decision.entity.id) == ("self_help", "DIP-REG-02") and first.reply.steps
    answer = assistant.answer("tried that, still not working", first.conversation_id)
    assert (answer.action, answer.decision.entity.id) == ("self_help", "DIP-REG-02")  # still no case to raise
    assert answer.reply.lead.startswith("Sorry that didn't sort it") and "general enquiry" in answer.reply.lead
    assert not answer.reply.steps and "raise a case" not in answer.reply.if_not_solved  # nothing repeated


def test_asking_for_the_case_in_any_words_raises_it(assistant):
    first = assistant.answer("our replay request timed out")
    assert first.action == "self_help"
    answer = assistant.answer("can you raise a case for me", first.conversation_id)
    assert (answer.action, answer.decision.entity.id) == ("raise_case", first.decision.entity.id)
