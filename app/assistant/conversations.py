"""Where conversations and rate-limit counters live: the cases store when there is one, else memory.

The cases layer's store (``app.cases``) records conversations for the deflection reports and shares
rate limits across workers. Until a deployment has it, an in-process implementation keeps the same
interface, so the assistant never depends on which one it got.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Protocol


@dataclass(frozen=True)
class TurnRecord:
    """One exchange as recorded: what was asked and what was decided; no other personal data."""

    question: str
    action: str
    scenario_id: str | None = None
    articles: tuple[str, ...] = ()
    confidence: float | None = None
    state: dict[str, Any] | None = None  # the dialogue state after this turn (app.assistant.dialogue)
    answer: dict[str, Any] | None = None  # the answer as the API gave it (without the conversation id)


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    turns: tuple[TurnRecord, ...]
    feedback: str | None = None  # "yes" | "no": the answer to "Did this solve it?"


class ConversationLog(Protocol):
    def save_turn(self, conversation_id: str | None, turn: TurnRecord) -> str:
        """Append a turn; a new conversation (and id) when the id is None or unknown. Returns the id."""

    def get(self, conversation_id: str) -> ConversationRecord | None: ...

    def set_last_answer(self, conversation_id: str, action: str, answer: dict[str, Any]) -> bool:
        """Replace the latest turn's action and answer by what the user was shown; False without such a turn."""

    def set_feedback(self, conversation_id: str, solved: bool) -> bool:
        """False when the conversation does not exist."""


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one hit; False once ``key`` exceeds ``limit`` in the current window."""


class MemoryConversationLog:
    """In-process conversations, newest kept: for development and tests, or until the cases store exists."""

    def __init__(self, max_conversations: int = 10_000, max_turns: int = 100) -> None:
        self._items: OrderedDict[str, ConversationRecord] = OrderedDict()
        self._lock = threading.Lock()
        self.max_conversations, self.max_turns = max_conversations, max_turns

    def save_turn(self, conversation_id: str | None, turn: TurnRecord) -> str:
        with self._lock:
            current = self._items.pop(conversation_id, None) if conversation_id else None
            if current is None:
                current = ConversationRecord(str(uuid.uuid4()), ())
            current = ConversationRecord(current.id, (*current.turns, turn)[-self.max_turns:], current.feedback)
            self._items[current.id] = current
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
            return current.id

    def get(self, conversation_id: str) -> ConversationRecord | None:
        with self._lock:
            return self._items.get(conversation_id)

    def set_last_answer(self, conversation_id: str, action: str, answer: dict[str, Any]) -> bool:
        with self._lock:
            current = self._items.get(conversation_id)
            if current is None or not current.turns:
                return False
            last = replace(current.turns[-1], action=action, answer=answer)
            self._items[conversation_id] = replace(current, turns=(*current.turns[:-1], last))
            return True

    def set_feedback(self, conversation_id: str, solved: bool) -> bool:
        with self._lock:
            current = self._items.get(conversation_id)
            if current is None:
                return False
            self._items[conversation_id] = ConversationRecord(current.id, current.turns, "yes" if solved else "no")
            return True


class CaseStoreConversationLog:
    """Adapts the cases store (save_turn / get_conversation / set_feedback) to ConversationLog."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def save_turn(self, conversation_id: str | None, turn: TurnRecord) -> str:
        from app.cases.records import Turn  # the cases layer is optional at import time

        saved = self.store.save_turn(conversation_id, Turn(turn.question, turn.action, turn.scenario_id,
                                                            turn.articles, turn.confidence, turn.state,
                                                            turn.answer))
        return saved.id

    def get(self, conversation_id: str) -> ConversationRecord | None:
        c = self.store.get_conversation(conversation_id)
        if c is None:
            return None
        turns = tuple(TurnRecord(t.question, t.action, t.scenario_id, tuple(t.articles), t.confidence, t.state,
                                  t.answer)
                      for t in c.turns)
        return ConversationRecord(c.id, turns, c.feedback)

    def set_last_answer(self, conversation_id: str, action: str, answer: dict[str, Any]) -> bool:
        return bool(self.store.set_last_answer(conversation_id, action, answer))

    def set_feedback(self, conversation_id: str, solved: bool) -> bool:
        if self.store.get_conversation(conversation_id) is None:
            return False
        self.store.set_feedback(conversation_id, "yes" if solved else "no")
        return True


class MemoryRateLimiter:
    """Fixed-window counters in this process (per worker); the cases store's limiter is shared."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        window = int(self._clock() // window_seconds)
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            n = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = n
        return n <= limit


def conversation_log_for(store: Any | None) -> ConversationLog:
    """The cases store when it offers conversations, else an in-memory log."""
    if store is not None and all(callable(getattr(store, m, None))
                                 for m in ("save_turn", "get_conversation", "set_last_answer", "set_feedback")):
        return CaseStoreConversationLog(store)
    return MemoryConversationLog()


def rate_limiter_for(store: Any | None) -> RateLimiter:
    """The cases store's shared limiter when it has one, else a per-process one."""
    if store is not None and callable(getattr(store, "hit", None)):
        return store
    return MemoryRateLimiter()
