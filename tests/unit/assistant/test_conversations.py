"""Conversation logs and rate limiters: the in-memory ones, and the adapter to the cases store."""
from __future__ import annotations

import pytest

from app.assistant.conversations import (
    CaseStoreConversationLog,
    MemoryConversationLog,
    MemoryRateLimiter,
    TurnRecord,
    conversation_log_for,
    rate_limiter_for,
)


def test_memory_log_appends_turns_and_records_feedback():
    log = MemoryConversationLog()
    cid = log.save_turn(None, TurnRecord("q1", "self_help", None, ("a",), 0.9))
    assert log.save_turn(cid, TurnRecord("q2", "raise_case", "DIP-SEND-04")) == cid
    assert [t.question for t in log.get(cid).turns] == ["q1", "q2"]
    assert log.set_feedback(cid, False) and log.get(cid).feedback == "no"
    assert not log.set_feedback("missing", True)


def test_the_last_turn_can_store_the_answer_the_user_was_shown_instead():
    log = MemoryConversationLog()
    cid = log.save_turn(None, TurnRecord("q1", "self_help", answer={"reply": "first"}))
    log.save_turn(cid, TurnRecord("q2", "raise_case", "DIP-SEND-04", answer={"reply": "usual"}))
    assert log.set_last_answer(cid, "known_incident", {"action": "known_incident", "reply": "known"})
    first, last = log.get(cid).turns
    assert (first.action, first.answer) == ("self_help", {"reply": "first"})  # earlier turns stay as they were
    assert (last.question, last.action, last.scenario_id) == ("q2", "known_incident", "DIP-SEND-04")
    assert last.answer == {"action": "known_incident", "reply": "known"}
    assert not log.set_last_answer("missing", "known_incident", {})


def test_unknown_conversation_id_starts_a_new_one():
    log = MemoryConversationLog()
    cid = log.save_turn("made-up", TurnRecord("q", "self_help"))
    assert cid != "made-up" and log.get("made-up") is None


def test_memory_log_forgets_the_oldest_conversations():
    log = MemoryConversationLog(max_conversations=2)
    first = log.save_turn(None, TurnRecord("a", "self_help"))
    log.save_turn(None, TurnRecord("b", "self_help"))
    log.save_turn(None, TurnRecord("c", "self_help"))
    assert log.get(first) is None


def test_rate_limiter_counts_per_key_and_window():
    now = [0.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    assert all(limiter.hit("a", 3, 60) for _ in range(3))
    assert not limiter.hit("a", 3, 60)
    assert limiter.hit("b", 3, 60)
    now[0] = 61.0
    assert limiter.hit("a", 3, 60)


class FakeStore:
    """What the cases store offers: conversations and a shared rate limit."""

    def __init__(self) -> None:
        self.log = MemoryConversationLog()
        self.hits = 0

    def save_turn(self, conversation_id, turn):
        cid = self.log.save_turn(conversation_id, TurnRecord(turn.question, turn.action, turn.scenario_id,
                                                             tuple(turn.articles), turn.confidence))
        return self.log.get(cid)

    def get_conversation(self, conversation_id):
        return self.log.get(conversation_id)

    def set_last_answer(self, conversation_id, action, answer):
        return self.log.set_last_answer(conversation_id, action, answer)

    def set_feedback(self, conversation_id, feedback):
        self.log.set_feedback(conversation_id, feedback == "yes")

    def hit(self, key, limit, window_seconds):
        self.hits += 1
        return True


def test_the_cases_store_is_used_when_it_offers_conversations():
    pytest.importorskip("app.cases.records")
    store = FakeStore()
    log = conversation_log_for(store)
    assert isinstance(log, CaseStoreConversationLog)
    cid = log.save_turn(None, TurnRecord("q", "raise_case", "SR-04", ("x",), 0.5))
    assert log.get(cid).turns[0].scenario_id == "SR-04"
    assert log.set_feedback(cid, True) and log.get(cid).feedback == "yes"
    assert log.set_last_answer(cid, "known_incident", {"reply": "shown"})
    assert log.get(cid).turns[0].answer == {"reply": "shown"}
    assert rate_limiter_for(store) is store


def test_falls_back_to_memory_without_a_store():
    assert isinstance(conversation_log_for(None), MemoryConversationLog)
    assert isinstance(rate_limiter_for(object()), MemoryRateLimiter)
