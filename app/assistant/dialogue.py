"""The state of a conversation: its current topic, the facts the user gave about it, and what was asked.

A reading of each message (``app.assistant.reading``) updates the state; ``decide()`` then acts on the state
alone. The state is stored with every turn, so a conversation continues in any worker and after a restart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from app.assistant.evidence import ENTITY_KINDS
from app.assistant.reading import Act, Reading, read_message, without_replies
from app.assistant.text import terms_of

#: earlier topics remembered per conversation (their ids only)
EARLIER_KEPT = 10
#: earlier problems kept whole, to take up again ("back to the rejections: still failing")
SHELVED_KEPT = 3


class Move(StrEnum):
    NEW_TOPIC = "new_topic"
    FOLLOW_UP = "follow_up"  # adds facts to the current topic, or answers the question asked about it
    SMALL_TALK = "small_talk"  # a greeting or thanks: the topic stays as it was


@dataclass(frozen=True)
class Facts:
    """What the user said about the current topic, beyond its subject."""

    tried_self_help: bool = False
    affected: str | None = None  # self | several | everyone
    started_at: str | None = None  # the user's words ("3am", "since 10am")
    out_of_hours: bool | None = None  # from the stated time, else the clock when the topic began
    urgency: str | None = None  # High | Medium | Low: whether primary functions work
    urgency_words: tuple[str, ...] = ()
    wants_case: bool = False  # confirmed the request, or pressed for it ("yes please", "really urgent")
    breach: bool = False  # a suspected or actual unauthorised data breach
    case_reference: str | None = None  # an existing case the topic is about ("CS0000042")
    escalate: bool = False  # asks for it to be escalated or chased
    existing_case: bool = False  # the topic is a case the user already raised, with or without its reference
    escalation_asked: bool = False  # "escalate it", "chase it", in so many words

    def updated(self, r: Reading, *, follow_up: bool, clock_out_of_hours: bool) -> Facts:
        """These facts with a new message's; what the message states wins, flags once set stay set."""
        time = r.time
        return Facts(
            tried_self_help=self.tried_self_help or (follow_up and r.tried),
            affected=r.affected or self.affected,
            started_at=time.words if time else self.started_at,
            out_of_hours=time.out_of_hours if time else (self.out_of_hours if self.out_of_hours is not None
                                                         else clock_out_of_hours),
            urgency=r.urgency or self.urgency,
            urgency_words=tuple(dict.fromkeys((*self.urgency_words, *r.urgency_words))),
            wants_case=self.wants_case or (follow_up and (r.confirms or r.asks_case or r.urgent)),
            breach=self.breach or r.breach,
            case_reference=r.case_reference or self.case_reference,
            escalate=self.escalate or r.escalate,
            existing_case=self.existing_case or r.existing_case,
            escalation_asked=self.escalation_asked or r.escalation_asked,
        )

    def as_json(self) -> dict[str, Any]:
        return {"tried_self_help": self.tried_self_help, "affected": self.affected, "started_at": self.started_at,
                "urgency_words": list(self.urgency_words)}

    def stored(self) -> dict[str, Any]:
        return {**self.as_json(), "out_of_hours": self.out_of_hours, "urgency": self.urgency,
                "wants_case": self.wants_case, "breach": self.breach, "case_reference": self.case_reference,
                "escalate": self.escalate, "existing_case": self.existing_case,
                "escalation_asked": self.escalation_asked}

    @classmethod
    def from_stored(cls, d: dict[str, Any]) -> Facts:
        return cls(bool(d.get("tried_self_help")), d.get("affected"), d.get("started_at"), d.get("out_of_hours"),
                   d.get("urgency"), tuple(d.get("urgency_words") or ()), bool(d.get("wants_case")),
                   bool(d.get("breach")), d.get("case_reference"), bool(d.get("escalate")),
                   bool(d.get("existing_case")), bool(d.get("escalation_asked")))


@dataclass(frozen=True)
class Topic:
    """One problem or question, from the message that raised it to the latest one about it."""

    id: str | None  # DIP-.., SR-.., IC-.. or an article slug; None until routed
    kind: str | None  # dip | sr | incident | article | glossary
    messages: tuple[str, ...]  # the user's messages on this topic, first first
    facts: Facts = Facts()
    asked: bool = False  # a clarifying question was asked about it (at most one per topic)
    question: bool = False  # it began as a question about how things work, not a fault or a request
    turns: int = 1  # the user's messages on it, those kept in ``messages`` or not (a bare "no luck" is not)

    @property
    def text(self) -> str:
        return " ".join(self.messages)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "turns": self.turns, "facts": self.facts.as_json()}

    def stored(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "messages": list(self.messages), "facts": self.facts.stored(),
                "asked": self.asked, "question": self.question, "turns": self.turns}

    @classmethod
    def from_stored(cls, d: dict[str, Any]) -> Topic:
        messages = tuple(str(m) for m in d.get("messages") or ())
        turns = d.get("turns")
        return cls(d.get("id"), d.get("kind"), messages, Facts.from_stored(d.get("facts") or {}), bool(d.get("asked")),
                   bool(d.get("question")), turns if isinstance(turns, int) else len(messages))


#: an offer the user can take up in words: (the button's label, the message it sends)
Offer = tuple[str, str]


@dataclass(frozen=True)
class DialogueState:
    topic: Topic | None = None
    earlier: tuple[str, ...] = ()  # ids of closed topics, most recent last
    last_action: str | None = None
    choices: tuple[Offer, ...] = ()  # the quick answers to the question just asked
    pending: tuple[Offer, ...] = ()  # other problems the user mentioned, not taken up yet
    shelved: tuple[Topic, ...] = ()  # earlier problems set aside for another topic, most recent last

    def stored(self) -> dict[str, Any]:
        return {"topic": self.topic.stored() if self.topic else None, "earlier": list(self.earlier),
                "last_action": self.last_action, "choices": [list(c) for c in self.choices],
                "pending": [list(p) for p in self.pending], "shelved": [t.stored() for t in self.shelved]}

    @classmethod
    def from_stored(cls, d: dict[str, Any] | None) -> DialogueState:
        if not isinstance(d, dict):
            return cls()
        topic = d.get("topic")
        return cls(Topic.from_stored(topic) if isinstance(topic, dict) else None,
                   tuple(str(e) for e in d.get("earlier") or ()), d.get("last_action"),
                   _offers(d.get("choices")), _offers(d.get("pending")),
                   tuple(Topic.from_stored(t) for t in d.get("shelved") or () if isinstance(t, dict)))


def _offers(stored: Any) -> tuple[Offer, ...]:
    return tuple((str(o[0]), str(o[1])) for o in stored or () if isinstance(o, (list, tuple)) and len(o) == 2)


#: a reply that names one of the offers says no more than this many words ("receiving", "now the login one pls")
OFFER_REPLY_WORDS = 6
#: "the other one", "the second thing": the one other problem still waiting
_THE_OTHER = re.compile(r"\b(?:the|that|your|my) (?:other|second)\b", re.I)


def taken_up(state: DialogueState, text: str) -> Offer | None:
    """The quick answer, or the other problem, a short message names in words of its own ("receiving" for
    "Receiving messages"; "ok now the login removal" for "her DIP login needs removing"): the one offer that shares
    terms with it, with more than any other offer shares."""
    if not (state.choices or state.pending):
        return None
    exact = next((o for o in (*state.choices, *state.pending) if o[1].strip().lower() == text.strip().lower()), None)
    if exact is not None or len(text.split()) > OFFER_REPLY_WORDS:
        return exact  # its button pressed, or more said than a short reply
    r = read_message(text)
    if r.affected or r.time or r.urgency or r.tried or r.bare or r.act is not Act.MESSAGE:
        return None  # "all participants are affected", "no luck": read as what they say, not matched by their words
    if len(state.pending) == 1 and not state.choices and _THE_OTHER.search(text):
        return state.pending[0]
    said = set(terms_of(text))
    # a quick answer is named by its label; another problem by what the user said about it
    offers = [(len(said & set(terms_of(label))), (label, message)) for label, message in state.choices]
    offers += [(len(said & set(terms_of(message))), (label, message)) for label, message in state.pending]
    offers.sort(key=lambda o: -o[0])
    if not offers or offers[0][0] == 0 or (len(offers) > 1 and offers[1][0] == offers[0][0]):
        return None
    return offers[0][1]


@dataclass(frozen=True)
class Alone:
    """How the message routes on its own, as the tracker needs it."""

    entity_id: str | None
    entity_kind: str | None
    strong: bool  # a confident route of its own, not a vague or out-of-scope one
    weak: bool  # says too little to be about anything by itself ("no luck", "it's 3am")


def follows_up(state: DialogueState, r: Reading) -> bool:
    """The message continues the current topic whatever it would match on its own: an answer to the question asked
    about an unrouted topic, the guidance tried ("still failing"), the case asked for ("raise it then"), or the case
    already raised pressed for ("please escalate it")."""
    topic = state.topic
    return (r.act is Act.MESSAGE and topic is not None and not (r.new_topic or _another_case(topic, r) or r.domestic)
            and (topic.id is None or r.tried or r.asks_case or (topic.facts.existing_case and r.escalate)))


def _another_case(topic: Topic, r: Reading) -> bool:
    """The message is about a case the user already raised, and the topic is not that case."""
    return r.existing_case and not topic.facts.existing_case


def against_last(state: DialogueState, r: Reading) -> Reading:
    """A bare "yes" or "no" read against the last answer (conversation.md: short confirmations are read against the
    last thing said). After a knowledge answer, which offers no case of its own, "yes" acknowledges it, and "no"
    says it did not answer the question: the case is the next step. Elsewhere they keep their reading ("yes"
    confirms a case on offer)."""
    topic = state.topic
    if r.bare is None or topic is None or state.last_action != "self_help":
        return r
    if topic.kind in ENTITY_KINDS:  # after a row's steps ("Still not working? Tell me"), "no" says they did not help
        return replace(r, tried=True) if r.bare == "no" else r
    return replace(r, act=Act.THANKS) if r.bare == "yes" else replace(r, tried=True)


def classify(state: DialogueState, r: Reading, alone: Alone) -> Move:
    """Is this message about the current topic, a new one, or neither? (conversation.md: "Reading a message")"""
    if r.act is not Act.MESSAGE:
        return Move.SMALL_TALK
    topic = state.topic
    if topic is None or r.new_topic or _another_case(topic, r) or r.domestic:
        return Move.NEW_TOPIC
    if (r.only_still and alone.strong and alone.entity_kind in ENTITY_KINDS and alone.entity_id != topic.id
            and topic.id is not None):
        return Move.NEW_TOPIC  # "our DCP is still pending": "still" tells this problem, it tried nothing of the last
    if follows_up(state, r) or alone.weak or alone.entity_id == topic.id:
        return Move.FOLLOW_UP  # tried it, facts only, an answer to the question asked, or more about the same thing
    if r.confirms and not alone.strong:
        return Move.FOLLOW_UP
    if r.asks_details and topic.kind in ENTITY_KINDS:
        return Move.FOLLOW_UP  # what the case on offer needs from the user
    if r.back_reference and (r.affected or r.time or r.urgent or r.asks_priority):
        # who is affected, when, how urgent, how soon it is fixed: about the problem already raised
        return Move.FOLLOW_UP
    if alone.entity_kind == "incident" and topic.kind in ("dip", "incident") and r.back_reference and \
            r.urgency == "High":
        return Move.FOLLOW_UP  # the same problem, now stopping work
    if alone.strong:
        return Move.NEW_TOPIC
    return Move.FOLLOW_UP if r.back_reference else Move.NEW_TOPIC


def advance(state: DialogueState, r: Reading, move: Move, message: str, *, clock_out_of_hours: bool,
            question: bool) -> DialogueState:
    """The state after a message, before it is routed (the route fills the topic's id)."""
    if move is Move.SMALL_TALK:
        return state
    if move is Move.NEW_TOPIC or state.topic is None:
        earlier = state.earlier
        if state.topic is not None and state.topic.id:
            earlier = (*earlier, state.topic.id)[-EARLIER_KEPT:]
        facts = Facts().updated(r, follow_up=False, clock_out_of_hours=clock_out_of_hours)
        shelved = state.shelved
        if state.topic is not None and state.topic.kind in ENTITY_KINDS and not state.topic.question:
            shelved = (*(t for t in shelved if t.id != state.topic.id), state.topic)[-SHELVED_KEPT:]
        return DialogueState(Topic(None, None, (message,), facts, question=question), earlier, state.last_action,
                             state.choices, state.pending, shelved)
    topic = state.topic
    facts = topic.facts.updated(r, follow_up=True, clock_out_of_hours=clock_out_of_hours)
    # a question answered with a fault's reach and nothing working ("is it down?" - "yes, for everyone") is a report
    reported = topic.question and bool(r.affected) and r.urgency == "High"
    topic = replace(topic, facts=facts, question=topic.question and not reported, turns=topic.turns + 1)
    if _about_the_case_only(r) or (topic.kind in ENTITY_KINDS and _adds_nothing(r, message)):
        # "how long would that take?", "no luck", "it's only us since 9am": the facts are kept, and the case carries
        # them as answers, not as the transcript (conversation.md); a topic routed by its words again (unrouted, or
        # on an article) keeps every word
        return replace(state, topic=topic)
    return replace(state, topic=replace(topic, messages=(*topic.messages, message)))


#: a follow-up says something new about the problem in at least this many terms of its own
NEW_DETAIL_TERMS = 3


def _adds_nothing(r: Reading, message: str) -> bool:
    """A reply or a fact and nothing more: "no luck", "yes please, log it", "only us as far as I know"."""
    replies = r.affected or r.time or r.urgency or r.urgent or r.tried or r.confirms or r.asks_case or r.bare
    return bool(replies) and len(terms_of(without_replies(message))) < NEW_DETAIL_TERMS


def _about_the_case_only(r: Reading) -> bool:
    """Asks how soon, at what priority or by whom the case would be handled, and states no fact: the case's
    description (the topic's messages) has nothing to gain from it."""
    return (r.asks_priority or r.asks_details) and not (
        r.tried or r.affected or r.time or r.urgency or r.urgent or r.breach or r.confirms or r.asks_case
        or r.case_reference)


def resumed(state: DialogueState, r: Reading, text: str) -> DialogueState | None:
    """An earlier problem taken up again after a question on the side: the message follows up a problem ("still
    failing", "log it", "that") while the current topic is a question, and names the earlier problem in a word of
    its own that the question did not use. The earlier problem becomes the topic again; the question is dropped."""
    topic = state.topic
    if (topic is None or not state.shelved or r.act is not Act.MESSAGE or r.new_topic or r.existing_case
            or (topic.kind in ENTITY_KINDS and not topic.question)
            or not (r.tried or r.asks_case or r.back_reference)):
        return None
    said = set(terms_of(text)) - set(terms_of(topic.text))
    for earlier in reversed(state.shelved):
        if said & set(terms_of(earlier.text)):
            return replace(state, topic=earlier, shelved=tuple(t for t in state.shelved if t is not earlier))
    return None


def routed(state: DialogueState, entity_id: str | None, kind: str | None, *, asked: bool,
           action: str) -> DialogueState:
    """The state once the topic's route and the reply's action are known."""
    if state.topic is None:
        return replace(state, last_action=action)
    topic = replace(state.topic, id=entity_id, kind=kind, asked=state.topic.asked or asked)
    return replace(state, topic=topic, last_action=action)
