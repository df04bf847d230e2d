"""The assistant as one service: a message in, a recorded decision and its reply out."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app import background, heap
from app.assistant.conversations import (
    ConversationLog,
    ConversationRecord,
    MemoryConversationLog,
    MemoryRateLimiter,
    RateLimiter,
    TurnRecord,
)
from app.assistant.decide import DEFAULT_THRESHOLDS, Action, Decision, Thresholds, decide
from app.assistant.evidence import Candidate, Evidence
from app.assistant.matcher import Matcher
from app.assistant.reply import Quote, ReplyBuilder
from app.assistant.routing import scenario_json, service_request_steps
from app.content.repository import ContentRepository
from app.search.service import SearchService
from app.servicemodel import ServiceModel

logger = logging.getLogger(__name__)

MAX_MESSAGE = 2000
#: a follow-up this weakly explained on its own is read together with the previous question
FOLLOW_UP_BELOW = 0.45


@dataclass(frozen=True)
class Answer:
    conversation_id: str
    decision: Decision
    reply: str
    quote: Quote | None
    scenario: dict[str, str] | None
    articles: tuple[dict[str, Any], ...]
    evidence: Evidence = field(compare=False, repr=False)

    @property
    def action(self) -> str:
        return self.decision.action.value

    def as_json(self) -> dict[str, Any]:
        draft = self.decision.case_draft
        return {
            "conversation_id": self.conversation_id,
            "action": self.action,
            "reply": self.reply,
            "scenario": self.scenario,
            "articles": [dict(a) for a in self.articles],
            "case_draft": draft.as_json() if draft else None,
            "confidence": self.decision.confidence,
            "why": self.decision.why,
        }


class Assistant:
    def __init__(self, content: ContentRepository | Callable[[], ContentRepository], model: ServiceModel,
                 search: SearchService, conversations: ConversationLog | None = None,
                 limiter: RateLimiter | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self._content = content if callable(content) else (lambda: content)
        self.model, self.search = model, search
        self.conversations = conversations or MemoryConversationLog()
        self.limiter = limiter or MemoryRateLimiter()
        self.thresholds = thresholds
        self._matcher: Matcher | None = None
        self._replies: ReplyBuilder | None = None
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None

    @property
    def repo(self) -> ContentRepository:
        return self._content()

    @property
    def matcher(self) -> Matcher:
        """Built on first use (about a second over the real corpus) and again when the content changes."""
        repo = self.repo
        if self._matcher is None or self._matcher.repo is not repo:
            with self._lock:
                if self._matcher is None or self._matcher.repo is not repo:
                    matcher = Matcher(repo, self.model, self.search)
                    self._replies = ReplyBuilder(repo, self.model, matcher.protected)
                    self._matcher = matcher
                    logger.info("assistant evidence built: %d pieces", len(matcher.targets))
        return self._matcher

    def start_warming(self) -> None:
        """Run warm() in a background thread, once (idempotent)."""
        with self._lock:
            if self._warming is None:
                self._warming = background.start(self.warm, "assistant-warm")

    def warm(self, model_wait: float = 600.0) -> None:
        """Build the evidence and render every article's passages now, then, once the search's model has loaded
        (waiting up to `model_wait` seconds), the evidence vectors: no user's question waits for, or runs
        alongside, any of it."""
        try:
            matcher = self.matcher
            service_request_steps()
            if self._replies is not None:
                for a in matcher.repo.published():
                    self._replies.passages("article", a.slug)
            heap.settle()
            logger.info("assistant warmed up")
            wait_ready = getattr(getattr(self.search, "semantic", None), "wait_ready", None)
            if callable(wait_ready) and wait_ready(model_wait):
                matcher.vectors.start(wait=True)
        except Exception:  # warming is an optimisation; requests build what they need anyway
            logger.exception("assistant warm-up failed")

    def _decide(self, text: str) -> tuple[Evidence, Decision]:
        evidence = self.matcher.match(text)
        return evidence, decide(evidence, self.model, self.thresholds)

    def answer(self, message: str, conversation_id: str | None = None) -> Answer:
        """Decide, reply and record one message; a weak follow-up is read with the previous question."""
        previous = self.conversations.get(conversation_id) if conversation_id else None
        context = previous.turns[-1].question if previous and previous.turns else None
        return self._answer(message, conversation_id, record=True, context=context)

    def last_answer(self, conversation_id: str) -> Answer | None:
        """The latest turn's answer again, read with the turn before it as it was (for the raise-case step)."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None or not conversation.turns:
            return None
        turns = conversation.turns
        context = turns[-2].question if len(turns) > 1 else None
        return self._answer(turns[-1].question, conversation_id, record=False, context=context)

    def preview(self, message: str, conversation_id: str | None = None) -> Answer:
        """The answer a message gets on its own, without recording a turn."""
        return self._answer(message, conversation_id, record=False)

    def _answer(self, message: str, conversation_id: str | None, *, record: bool,
                context: str | None = None) -> Answer:
        message = message.strip()
        matcher = self.matcher
        replies = self._replies
        evidence, decision = self._decide(message)
        if context and (decision.action is Action.OUT_OF_SCOPE or not decision.sure
                        or decision.confidence < FOLLOW_UP_BELOW):
            combined = f"{context} {message}"[: MAX_MESSAGE * 2]
            ev2, d2 = self._decide(combined)
            if d2.action is not Action.OUT_OF_SCOPE and d2.confidence > decision.confidence:
                evidence, decision = ev2, d2
        if replies is None:  # built together with the matcher, so only a bug gets here
            raise RuntimeError("the assistant's reply builder was not built")
        reply, quote = replies.build(decision, matcher.query_terms(evidence.question), evidence.anchors)
        entity = decision.entity
        scenario = scenario_json(entity.kind, entity.id, self.model) if entity else None
        articles = tuple(self._article_json(matcher.repo, d, quote) for d in decision.articles)
        turn = TurnRecord(message, decision.action.value, scenario["id"] if scenario else
                          (entity.id if entity else None), tuple(a["slug"] for a in articles), decision.confidence)
        cid = self.conversations.save_turn(conversation_id, turn) if record else (conversation_id or "")
        logger.info("assist: action=%s entity=%s confidence=%.2f", decision.action.value,
                    entity.id if entity else None, decision.confidence)
        return Answer(cid, decision, reply, quote, scenario, articles, evidence)

    @staticmethod
    def _article_json(repo: ContentRepository, d: Candidate, quote: Quote | None) -> dict[str, Any]:
        if d.kind == "glossary":
            term = repo.get_term(d.id)
            title, url = (term.term, term.url) if term else (d.title, f"/glossary/{d.id}")
        else:
            article = repo.get_article(d.id)
            title, url = (article.title, article.url) if article else (d.title, f"/articles/{d.id}")
        section = quote.section if quote and quote.slug == d.id and quote.kind == d.kind else None
        return {"slug": d.id, "title": title, "url": url, "section": section, "score": round(d.score, 4),
                "kind": d.kind}

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        return self.conversations.get(conversation_id)

    def feedback(self, conversation_id: str, solved: bool) -> bool:
        ok = self.conversations.set_feedback(conversation_id, solved)
        logger.info("assist feedback: solved=%s recorded=%s", solved, ok)
        return ok

    def allow(self, client: str, limit: int = 30, window_seconds: int = 60) -> bool:
        """Per-client rate limit for the public API."""
        return self.limiter.hit(f"assist:{client}", limit, window_seconds)
