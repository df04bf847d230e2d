"""The assistant as one service: a message in, a recorded decision and its reply out."""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from app.assistant.conversations import (
    ConversationLog,
    ConversationRecord,
    MemoryConversationLog,
    MemoryRateLimiter,
    RateLimiter,
    TurnRecord,
)
from app.assistant.decide import DEFAULT_THRESHOLDS, Action, Choice, Decision, Thresholds, decide
from app.assistant.dialogue import (
    Alone,
    DialogueState,
    Move,
    Topic,
    advance,
    against_last,
    classify,
    follows_up,
    resumed,
    routed,
    taken_up,
)
from app.assistant.evidence import ENTITY_KINDS, Candidate, Evidence
from app.assistant.matcher import Matcher
from app.assistant.parts import problem_parts
from app.assistant.reading import (
    Act,
    Reading,
    message_body,
    out_of_hours_at,
    read_message,
    without_aside,
)
from app.assistant.reply import Quote, Reply, ReplyBuilder, facts_lines
from app.assistant.route import platform_incident, route, route_to
from app.assistant.routing import scenario_json
from app.cases.sla import LONDON, is_business_day
from app.content.repository import ContentRepository
from app.search.process import PLAIN, ProcessPolicy
from app.search.service import SearchService
from app.servicemodel import ServiceModel

logger = logging.getLogger(__name__)

MAX_MESSAGE = 8000
#: how much of a message is read for routing (a pasted email's body rarely needs more)
MATCH_CHARS = 2000
#: a topic's text read for a follow-up: its latest words matter most
TOPIC_CHARS = 3000
#: a message split into at most this many problems
MAX_PROBLEMS = 3
SUBJECT_CHARS = 80
#: the platform whose failure is an incident on it (route.platform_incident)
_PLATFORM = re.compile(r"\bDIP\b", re.I)
#: said after the answer to the first of several problems in one message
OTHERS_NEXT = "You mentioned something else too: I'll come to it once this one is sorted."
#: the portal's own words for following a case (service definition, section 16.2): what finds the article on it
TRACK_A_CASE = "Track an existing case: view all your enquiries and track their individual progress"


def shorten(text: str, limit: int = SUBJECT_CHARS) -> str:
    """At most ``limit`` characters, cut at a word boundary and never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return (cut or text[:limit]) + "…"


@dataclass(frozen=True)
class Answer:
    conversation_id: str
    decision: Decision
    reply: Reply
    scenario: dict[str, str] | None
    articles: tuple[dict[str, Any], ...]
    evidence: Evidence | None = field(compare=False, repr=False)
    state: DialogueState = DialogueState()
    others: tuple[Choice, ...] = ()

    @property
    def action(self) -> str:
        return self.decision.action.value

    @property
    def quote(self) -> Quote | None:
        return self.reply.quote

    @property
    def topic(self) -> Topic | None:
        return self.state.topic

    def case_fields(self) -> dict[str, str]:
        """The case's subject and description: the current topic's messages, then the answers the user gave about it
        (who is affected, since when, tried the steps), nothing of an earlier topic."""
        topic = self.state.topic
        if topic is None or not topic.messages:
            return {"subject": "", "description": ""}
        # the answers given in turns of their own ("only us", "no luck"), which the messages do not hold
        answers = facts_lines(topic.facts) if topic.turns > len(topic.messages) else ()
        return {"subject": shorten(topic.messages[0]), "description": "\n\n".join((*topic.messages, *answers))}

    def as_json(self) -> dict[str, Any]:
        draft = self.decision.case_draft
        reply = self.reply
        return {
            "conversation_id": self.conversation_id,
            "action": self.action,
            "reply": reply.text,
            "lead": reply.lead,
            "steps": list(reply.steps),
            "if_not_solved": reply.if_not_solved,
            "source": {"title": reply.quote.title, "url": reply.quote.url} if reply.quote else None,
            "scenario": self.scenario,
            "articles": [dict(a) for a in self.articles],
            "case_draft": {**draft.as_json(), **self.case_fields()} if draft else None,
            "choices": [{"label": c.label, "message": c.message} for c in self.decision.choices],
            "others": [{"label": c.label, "message": c.message} for c in self.others],
            "topic": self.topic.as_json() if self.topic else None,
            "confidence": self.decision.confidence,
            "why": self.decision.why,
        }


class Assistant:
    def __init__(self, content: ContentRepository | Callable[[], ContentRepository], model: ServiceModel,
                 search: SearchService, conversations: ConversationLog | None = None,
                 limiter: RateLimiter | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), process: ProcessPolicy = PLAIN) -> None:
        self._content = content if callable(content) else (lambda: content)
        self.model, self.search = model, search
        self.conversations = conversations or MemoryConversationLog()
        self.limiter = limiter or MemoryRateLimiter()
        self.thresholds = thresholds
        self.clock = clock
        self.process = process  # how background work runs: the server's policy, or plain daemon threads
        self._matcher: Matcher | None = None
        self._replies: ReplyBuilder | None = None
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self._tracking: tuple[Matcher | None, tuple[Candidate, ...]] = (None, ())

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
                    matcher = Matcher(repo, self.model, self.search, process=self.process)
                    self._replies = ReplyBuilder(repo, self.model, matcher.protected, self.thresholds)
                    self._matcher = matcher
                    logger.info("assistant evidence built: %d pieces", len(matcher.targets))
        return self._matcher

    def start_warming(self) -> None:
        """Run warm() in a background thread, once (idempotent)."""
        with self._lock:
            if self._warming is None:
                self._warming = self.process.start(self.warm, "assistant-warm")

    def warm(self, model_wait: float = 600.0) -> None:
        """Build the evidence and render every article's passages now, then, once the search's model has loaded
        (waiting up to `model_wait` seconds), embed the evidence texts `make index` did not store: no user's
        question waits for, or runs alongside, any of it."""
        try:
            matcher = self.matcher
            if self._replies is not None:
                for a in matcher.repo.published():
                    self._replies.passages("article", a.slug)
            self.process.settle()
            logger.info("assistant warmed up")
            wait_ready = getattr(getattr(self.search, "semantic", None), "wait_ready", None)
            if callable(wait_ready) and wait_ready(model_wait):
                matcher.vectors.start(wait=True)
        except Exception:  # warming is an optimisation; requests build what they need anyway
            logger.exception("assistant warm-up failed")

    def out_of_hours_now(self) -> bool:
        """Outside support hours by the server's clock in UK time (KB_NOW pins it for tests and evaluation)."""
        return out_of_hours_at(self.clock().astimezone(LONDON), is_business_day)

    def answer(self, message: str, conversation: ConversationRecord | str | None = None) -> Answer:
        """Read a message in its conversation (the record, or its id to look up), decide, reply and record the
        turn with the new state. An unknown id starts a new conversation."""
        previous = self.conversations.get(conversation) if isinstance(conversation, str) else conversation
        state = DialogueState.from_stored(previous.turns[-1].state) if previous and previous.turns else DialogueState()
        return self._respond(message, previous.id if previous else None, state, record=True)

    def last_answer(self, conversation_id: str) -> Answer | None:
        """The current topic's answer once the user says the guidance did not solve it (not recorded)."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None or not conversation.turns:
            return None
        state = DialogueState.from_stored(conversation.turns[-1].state)
        if state.topic is None:
            return self._respond(conversation.turns[-1].question, conversation_id, DialogueState(), record=False)
        topic = state.topic
        tried = replace(state, topic=replace(topic, facts=replace(topic.facts, tried_self_help=True)))
        return self._decide_topic(tried, read_message(topic.text), conversation_id, record=False, message="")

    def _alone(self, evidence: Evidence, d: Decision) -> Alone:
        entity = d.entity or (d.articles[0] if d.articles and d.action is Action.SELF_HELP else None)
        weak = d.action is Action.OUT_OF_SCOPE or d.vague or (
            not d.sure and evidence.information < self.thresholds.vague_information)
        s = evidence.signals
        reach = d.entity is not None and d.entity.kind == "incident" and (s.outage or s.many_users or s.security)
        strong = not weak and (reach or (d.sure and d.confidence >= self.thresholds.confident))
        return Alone(entity.id if entity else None, entity.kind if entity else None, strong, weak)

    def _respond(self, message: str, conversation_id: str | None, state: DialogueState, *,
                 record: bool) -> Answer:
        body = message_body(message.strip())
        if (offer := taken_up(state, body)) is not None:
            # a short reply that names a quick answer or another problem mentioned before: as if its button was pressed
            body = offer[1]
            state = replace(state, pending=tuple(p for p in state.pending if p != offer))
        reading = read_message(body[:MATCH_CHARS])
        state = resumed(state, reading, body[:MATCH_CHARS]) or state
        reading = against_last(state, reading)
        if reading.act is Act.HELP and state.topic is not None:
            reading = replace(reading, act=Act.MESSAGE)  # "help" about the current topic: a follow-up, not small talk
        if reading.act is not Act.MESSAGE:
            d = Decision(Action.OUT_OF_SCOPE, None, (), None, 1.0, f"A {reading.act.value}: nothing to route.",
                         reason=reading.act.value)
            return self._finish(message, conversation_id, replace(state, last_action=d.action.value), d, None,
                                record=record, first_turn=True)
        text = without_aside(body)[:MATCH_CHARS]  # "btw, what does DCP stand for?" asks what DCP stands for
        topic = state.topic
        if topic is not None and topic.kind not in ENTITY_KINDS and follows_up(state, reading):
            # it cannot start a new topic, and a topic on an article, a glossary term or nothing yet is matched
            # again with it: nothing to match it for on its own
            state = advance(state, reading, Move.FOLLOW_UP, text, clock_out_of_hours=self.out_of_hours_now(),
                            question=False)
            return self._decide_topic(state, reading, conversation_id, record=record, message=message)
        parts = problem_parts(text)
        # What this answer will likely match next, embedded on the other core while this message is matched alone:
        # each problem of several, or the topic with this message when a follow-up would match it again (a topic
        # on an article or glossary term always is; one on a scenario only when the message adds to it).
        following = ((" ".join((*topic.messages, text))[-TOPIC_CHARS:],)
                     if topic is not None and topic.kind not in ENTITY_KINDS else ())
        self.matcher.embed_ahead([*following, *parts[:MAX_PROBLEMS]] if len(parts) >= 2 else following)
        evidence = self.matcher.match(text)
        alone = route(evidence, self.model, self.thresholds)
        move = classify(state, reading, self._alone(evidence, alone))
        others: tuple[Choice, ...] = ()
        if move is Move.NEW_TOPIC and (problems := self._problems(parts)):
            # several problems in one message: answer the first, offer the others one at a time
            (text, evidence, alone), rest = problems[0], problems[1:]
            reading = read_message(text)
            others = tuple(Choice(shorten(part, 60), part) for part, _, _ in rest)
        state = advance(state, reading, move, text, clock_out_of_hours=self.out_of_hours_now(),
                        question=evidence.signals.informational)
        if move is Move.NEW_TOPIC:
            return self._decide_topic(state, reading, conversation_id, record=record, message=message,
                                      routed_as=(evidence, alone), others=others)
        return self._decide_topic(state, reading, conversation_id, record=record, message=message,
                                  alone=(evidence, alone))

    def _decide_topic(self, state: DialogueState, reading: Reading, conversation_id: str | None, *, record: bool,
                      message: str, routed_as: tuple[Evidence, Decision] | None = None,
                      alone: tuple[Evidence, Decision] | None = None, others: tuple[Choice, ...] = ()) -> Answer:
        """Route the current topic (its first message, or all its messages for a follow-up) and decide."""
        topic = state.topic
        if topic is None:  # advance() always leaves a topic for a message with content
            raise RuntimeError("no topic to decide on")
        if routed_as is not None:
            evidence, d = routed_as
        elif alone is not None and topic.kind in ENTITY_KINDS and self._alone(*alone).weak:
            # facts only ("no luck", "it's 3am"): the topic's route stands, nothing to match again
            evidence, d = alone[0], self._keep_topic(alone[1], alone[0], topic)
        elif alone is not None and topic.kind not in ENTITY_KINDS and topic.id is not None and \
                self._alone(*alone).entity_id == topic.id:
            # another question on the same document ("and for a P4?"): its own words choose the passage
            evidence, d = alone
        else:
            evidence = self.matcher.match(topic.text[-TOPIC_CHARS:])
            d = self._keep_topic(route(evidence, self.model, self.thresholds), evidence, topic)
        decision = decide(state, reading, d, self.model, self.thresholds)
        if decision.reason == "track":  # the answer comes from the article on following a case, whatever was matched
            decision = replace(decision, articles=self._tracking_articles())
        entity = decision.entity or (decision.articles[0] if decision.action is Action.SELF_HELP and decision.articles
                                     else None)
        state = routed(state, entity.id if entity else None, entity.kind if entity else None,
                       asked=decision.action is Action.CLARIFY, action=decision.action.value)
        return self._finish(message, conversation_id, state, decision, evidence, record=record,
                            first_turn=routed_as is not None, others=others)

    def _tracking_articles(self) -> tuple[Candidate, ...]:
        """The article on following a case, found by the portal's own words for it (once per content version)."""
        matcher = self.matcher
        if self._tracking[0] is not matcher:
            docs = tuple(c for c in matcher.match(TRACK_A_CASE).documents if c.kind == "article")[:1]
            self._tracking = (matcher, docs)
        return self._tracking[1]

    def _keep_topic(self, d: Decision, evidence: Evidence, topic: Topic) -> Decision:
        """A follow-up stays on its topic's route, unless the topic was unrouted or now reaches many participants."""
        facts = topic.facts
        if (topic.kind not in ENTITY_KINDS and facts.affected in ("several", "everyone") and facts.urgency == "High"
                and (d.entity is None or d.entity.kind != "incident") and _PLATFORM.search(topic.text)):
            # a question about the platform ("is anyone else having trouble with the DIP?") answered with its reach and
            # nothing working: an outage on it, whatever a row for one participant's words matched
            incident = platform_incident(evidence, self.model)
            if incident is not None:
                return route_to(incident, evidence, self.model, d.confidence, d.sure,
                                f"{incident.id}: the platform asked about is not working for {facts.affected}.")
        if topic.id is None or topic.kind not in ENTITY_KINDS:
            return d
        if topic.kind in ("dip", "incident") and (facts.affected in ("several", "everyone") or facts.breach):
            # The same problem reaches many participants: an incident on the system the topic is about.
            if topic.kind == "incident":
                return d if d.entity is not None and d.entity.kind == "incident" else self._pinned(d, evidence, topic)
            incident = platform_incident(evidence, self.model)
            if incident is not None:
                return route_to(incident, evidence, self.model, d.confidence, d.sure,
                                f"{incident.id}: the problem with {topic.id} reaches {facts.affected} participants.")
        return self._pinned(d, evidence, topic)

    def _pinned(self, d: Decision, evidence: Evidence, topic: Topic) -> Decision:
        if topic.id is None or topic.kind is None or (d.entity is not None and d.entity.id == topic.id):
            return d
        kept = next((c for c in evidence.entities if c.id == topic.id), None)
        if kept is None:
            target = self.matcher.target(topic.kind, topic.id)
            if target is None:
                return d
            kept = Candidate(target.kind, target.id, target.title, 0.0, articles=target.articles,
                             self_help_only=target.self_help_only, redirect=target.redirect)
        return route_to(kept, evidence, self.model, max(d.confidence, 0.5), True,
                        f"A follow-up about {topic.id}, the conversation's current topic.")

    def _problems(self, parts: list[str]) -> list[tuple[str, Evidence, Decision]]:
        """The separate problems of a message's parts (app.assistant.parts), each routed on its own, the most urgent
        first (a central service failing comes before one participant's problem): empty unless there are two or more."""
        if len(parts) < 2:  # one problem (most messages): no more matching
            return []
        found: dict[str, tuple[str, Evidence, Decision]] = {}
        for part in parts[:MAX_PROBLEMS]:
            evidence = self.matcher.match(part)
            d = route(evidence, self.model, self.thresholds)
            e = d.entity
            if e is not None and e.id not in found and not self._alone(evidence, d).weak:
                found[e.id] = (part, evidence, d)
        if len(found) < 2:
            return []
        return sorted(found.values(), key=lambda p: p[2].entity is None or p[2].entity.kind != "incident")

    def _finish(self, message: str, conversation_id: str | None, state: DialogueState, decision: Decision,
                evidence: Evidence | None, *, record: bool, first_turn: bool,
                others: tuple[Choice, ...] = ()) -> Answer:
        matcher = self.matcher
        replies = self._replies
        if replies is None:  # built together with the matcher, so only a bug gets here
            raise RuntimeError("the assistant's reply builder was not built")
        query = matcher.query_terms(evidence.question, evidence.signals) if evidence else matcher.query_terms(message)
        reply = replies.build(decision, query, state.topic.facts if state.topic else None, first_turn,
                              evidence.anchors if evidence else (), evidence is not None and evidence.signals.asks)
        entity = decision.entity
        scenario = scenario_json(entity.kind, entity.id, self.model) if entity else None
        articles = tuple(self._article_json(matcher.repo, d, reply.quote) for d in decision.articles)
        state = replace(state, choices=tuple((c.label, c.message) for c in decision.choices),
                        pending=tuple(dict.fromkeys((*((o.label, o.message) for o in others),
                                                     *state.pending)))[:MAX_PROBLEMS])
        if others:  # one problem at a time (conversation.md): say the others are not forgotten
            reply = replace(reply, if_not_solved=" ".join(x for x in (reply.if_not_solved, OTHERS_NEXT) if x))
        answer = Answer(conversation_id or "", decision, reply, scenario, articles, evidence, state, others)
        if record:
            view = {k: v for k, v in answer.as_json().items() if k != "conversation_id"}
            turn = TurnRecord(message, decision.action.value, scenario["id"] if scenario else
                              (entity.id if entity else None), tuple(a["slug"] for a in articles),
                              decision.confidence, state.stored(), view)
            answer = replace(answer, conversation_id=self.conversations.save_turn(conversation_id, turn))
        logger.info("assist: action=%s entity=%s confidence=%.2f", decision.action.value,
                    entity.id if entity else None, decision.confidence)
        return answer

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

    def record_shown(self, conversation_id: str, shown: dict[str, Any]) -> None:
        """The answer was changed after it was recorded (app.web.known_incident): store what the user was shown,
        so the thread shows it again."""
        view = {k: v for k, v in shown.items() if k != "conversation_id"}
        self.conversations.set_last_answer(conversation_id, str(view.get("action") or ""), view)

    def feedback(self, conversation_id: str, solved: bool) -> bool:
        ok = self.conversations.set_feedback(conversation_id, solved)
        logger.info("assist feedback: solved=%s recorded=%s", solved, ok)
        return ok

    def allow(self, client: str, limit: int = 30, window_seconds: int = 60) -> bool:
        """Per-client rate limit for the public API."""
        return self.limiter.hit(f"assist:{client}", limit, window_seconds)
