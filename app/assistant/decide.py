"""What the assistant does next, as a pure function of the conversation's state: same state, same decision.

The route (``app.assistant.route``) says what the current topic is about; the topic's facts say what the user
has tried, who is affected, when and how urgent. The service definition's rows say the rest: a self-help step
first or not, a fixed priority or the impact x urgency matrix (section 6.3), in-hours and out-of-hours
incident categories (appendix 20), and Priority 1 for a suspected data breach (section 6.4).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from app.assistant.evidence import Candidate
from app.assistant.routing import CaseDraft, draft_for, incident_variant, security_category
from app.assistant.signals import Level
from app.servicemodel import PriorityDerivation, ServiceModel

if TYPE_CHECKING:
    from app.assistant.dialogue import DialogueState, Facts
    from app.assistant.reading import Reading

MAX_ARTICLES = 3
#: An outage reported without words about its reach is assumed to affect several users, and to stop work.
ASSUMED_IMPACT, ASSUMED_URGENCY = "Medium", "High"
IMPACT_BY_AFFECTED = {"everyone": "High", "several": "Medium", "self": "Low"}
#: the catalogue request that escalates an existing case
ESCALATION_REQUEST = "Issue Escalation"


class Action(StrEnum):
    SELF_HELP = "self_help"
    RAISE_CASE = "raise_case"
    REDIRECT = "redirect"
    OUT_OF_SCOPE = "out_of_scope"
    CLARIFY = "clarify"


@dataclass(frozen=True)
class Choice:
    """A quick answer to a clarifying question: the label on the button and the message it sends."""

    label: str
    message: str


#: "what kind of problem?" when a message names no scenario: one choice per kind of DIP trouble
PROBLEM_KINDS = (
    Choice("Sending messages", "We can't send messages through the DIP"),
    Choice("Receiving messages", "We are not receiving messages from the DIP"),
    Choice("Certificates or keys", "Our DIP certificate or keys are not working"),
    Choice("Portal access or registration", "We can't get into the DIP portal or finish our registration"),
    Choice("The DIP is down for everyone", "The DIP is down for everyone, nothing is flowing"),
)
#: "who is affected?" when an outage is asked about but its reach decides the priority
SCOPES = (
    Choice("Only us", "It's only us, other participants seem fine"),
    Choice("Several participants", "Several other participants have the same problem"),
    Choice("Everyone", "It's everyone, nothing is flowing for any participant"),
)


@dataclass(frozen=True)
class Thresholds:
    floor: float = 0.30  # below this share explained, nothing here is about the question
    anchored_floor: float = 0.20  # ... unless it names one of the service's own multi-word terms ("DIP invoices")
    unanchored: float = 0.35  # a question naming none of the service's own terms needs more than this ...
    unanchored_foreign: float = 0.50  # ... and this when it also uses words our texts never use ("canteen")
    min_information: float = 3.0  # "what's 2+2": too few known words to be about anything here
    semantic_in_scope: float = 0.45  # meaning this close to some evidence is in scope, whatever the words
    semantic_out_of_scope: float = 0.35  # ... and this far from all of it is not, unless it names our terms
    confident: float = 0.45  # an entity explaining this much is a confident match
    document_margin: float = 0.08  # an unrelated article must beat the best entity by this to answer instead
    informational_margin: float = 0.0  # ... or by this when the user asks what something is
    incident_ratio: float = 0.8  # with outage words, an incident category this close to the best entity wins
    ambiguous_gap: float = 0.06  # top two entities closer than this: say so
    specific_routing: float = 0.1  # a DIP scenario this close behind a catalogue request is the better route
    owner_ratio: float = 0.8  # a fault's best entity beats the best article's own entity when that is below this share
    vague_information: float = 8.0  # fewer known words than this, ambiguous and unanchored: do not guess ...
    clear_lead: float = 0.2  # ... unless the best entity leads the next by this much
    hedge_below: float = 0.5  # a reply says it may have misread only below this confidence


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Decision:
    action: Action
    entity: Candidate | None  # the DIP row, SR entry or incident category the decision rests on
    articles: tuple[Candidate, ...]  # documents to show, best first (articles and glossary terms)
    case_draft: CaseDraft | None
    confidence: float
    why: str
    sure: bool = True
    priority_hint: PriorityDerivation | None = None  # for "what priority would that be?" questions
    choices: tuple[Choice, ...] = ()  # quick answers, for clarify
    question: str = ""  # the clarifying question asked
    reason: str = ""  # what led here, for the reply: "tried", "requested", "domestic", "greeting", ...

    @property
    def vague(self) -> bool:
        """The route found several scenarios about equally likely and nothing to tell them apart."""
        return self.action is Action.RAISE_CASE and self.entity is None and not self.sure


def _levels(facts: Facts) -> tuple[Level, Level]:
    """Impact from who is affected, urgency from whether primary functions work (section 6.3)."""
    impact = (Level(IMPACT_BY_AFFECTED[facts.affected], f"{facts.affected} affected") if facts.affected
              else Level(ASSUMED_IMPACT, "assumed: an outage affecting several users"))
    urgency = (Level(facts.urgency, ", ".join(facts.urgency_words) or facts.urgency) if facts.urgency
               else Level(ASSUMED_URGENCY, "assumed: the service is not working"))
    return impact, urgency


def _entity(kind: str, ident: str, title: str, base: Candidate | None) -> Candidate:
    """A route's entity replaced by another of the service model's (a variant or the escalation request)."""
    return Candidate(kind, ident, title, base.score if base else 1.0, base.coverage if base else 1.0,
                     articles=base.articles if base else ())


def _incident(d: Decision, entity: Candidate, facts: Facts, model: ServiceModel) -> Decision:
    """An incident on a central service: the category for the time it happens, the priority from the facts."""
    ic = model.incident_categories[entity.id]
    if facts.breach:
        ic = security_category(model) or ic
        impact, urgency = Level("High", "a suspected or actual data breach"), Level("High", "Priority 1 (section 6.4)")
    else:
        ic = incident_variant(ic, bool(facts.out_of_hours), model)
        impact, urgency = _levels(facts)
    draft = draft_for("incident", ic.id, model, impact, urgency)
    if draft is None:  # every incident category routes; a category the model lost is left as routed
        return d
    return replace(d, action=Action.RAISE_CASE, entity=_entity("incident", ic.id, ic.subcategory, entity),
                   case_draft=draft,
                   why=f"{d.why} Incident on a central service: {ic.category} / {ic.subcategory}, {draft.priority} "
                       f"from impact {impact.level} ({impact.reason}) and urgency {urgency.level} ({urgency.reason}).")


def _clarify(d: Decision, question: str, choices: tuple[Choice, ...], why: str) -> Decision:
    return replace(d, action=Action.CLARIFY, entity=None, case_draft=None, choices=choices, question=question,
                   why=why, reason="clarify")


def _escalation(model: ServiceModel) -> Candidate | None:
    sr = next((s for s in model.service_requests.values() if s.name == ESCALATION_REQUEST), None)
    return _entity("sr", sr.id, sr.name, None) if sr else None


def decide(state: DialogueState, reading: Reading, d: Decision, model: ServiceModel,
           t: Thresholds = DEFAULT_THRESHOLDS) -> Decision:
    """The next action for the current topic, from its route ``d`` and what the user said about it."""
    decision = _next_action(state, reading, d, model, t)
    topic = state.topic
    if (reading.asks_priority and topic is not None and topic.id is not None and decision.case_draft is not None
            and decision.action in (Action.SELF_HELP, Action.RAISE_CASE)):
        # "how long will it take?", "who handles it?" about the case on offer (a routed topic): its priority, target
        # and handler answer it
        return replace(decision, reason="priority",
                       why=f"{decision.why} The user asks how soon it would be fixed: the case's priority answers it.")
    if reading.asks_details and topic is not None and topic.id is not None and decision.case_draft is not None:
        # "what info do you need from us?" about the case on offer: its article says what to include
        return replace(decision, reason="details",
                       why=f"{decision.why} The user asks what the case needs: its article says what to include.")
    if (topic is not None and topic.id is not None and decision.action is Action.SELF_HELP
            and decision.entity is not None and decision.entity.id == topic.id
            and (reading.affected or reading.time or reading.urgency)
            and not (reading.tried or reading.confirms or reading.asks_case or reading.asks_priority)):
        # who, when or how badly, on a row whose route and priority they do not change: said so, not the steps again
        return replace(decision, reason="noted",
                       why=f"{decision.why} The user adds facts that do not change the route or its priority.")
    return decision


def _next_action(state: DialogueState, reading: Reading, d: Decision, model: ServiceModel,
                 t: Thresholds) -> Decision:
    topic = state.topic
    if topic is None:
        return d
    facts = topic.facts
    if reading.domestic:
        return replace(d, action=Action.OUT_OF_SCOPE, entity=None, articles=(), case_draft=None, reason="domestic",
                       why="A home energy customer's question (a bill, a home meter, gas): not a market participant's "
                           "DIP or MHHS question.")
    if facts.case_reference or facts.existing_case:
        case = f"case {facts.case_reference}" if facts.case_reference else "a case the user already raised"
        # with its reference, "no update for a fortnight" asks for escalation; without it, only "escalate it" does
        escalate = facts.escalate if facts.case_reference else facts.escalation_asked
        if escalate and (sr := _escalation(model)) is not None:
            return replace(d, action=Action.RAISE_CASE, entity=sr, case_draft=draft_for(sr.kind, sr.id, model),
                           sure=True, reason="case_reference",
                           why=f"The message is about {case} and asks for it to be escalated: the {sr.title} request.")
        return replace(d, action=Action.SELF_HELP, entity=None, case_draft=None, sure=True, reason="track",
                       why=f"The message is about {case}: its tracking page and its priority's target answer it.")
    if facts.breach and (ic := security_category(model)) is not None:
        # a suspected or actual data breach is always the desk's: Priority 1, whatever else the words matched
        d = replace(d, action=Action.RAISE_CASE, entity=_entity("incident", ic.id, ic.subcategory, d.entity))
    if d.action is Action.OUT_OF_SCOPE:
        return d
    if d.vague and not topic.asked:
        return _clarify(d, "What kind of problem is it?", PROBLEM_KINDS,
                        f"{d.why} One question tells the scenarios apart.")
    entity = d.entity
    if entity is not None and entity.kind == "incident":
        if reading.availability_question and facts.affected is None and not topic.asked and not facts.breach:
            return _clarify(d, "Is it only your organisation, or are other participants affected too?", SCOPES,
                            f"{d.why} Who is affected decides whether this is an incident for many and its priority.")
        if topic.question and not facts.breach:
            return replace(d, action=Action.SELF_HELP, entity=None, case_draft=None, reason="question")
        return _incident(d, entity, facts, model)
    escalate = facts.tried_self_help or facts.wants_case
    if entity is None:
        if escalate and d.action is Action.SELF_HELP:
            return replace(d, action=Action.RAISE_CASE, reason="tried" if facts.tried_self_help else "requested",
                           why=f"{d.why} The user says the answer did not solve it: a case is the next step.")
        return replace(d, reason="question") if topic.question and d.action is Action.SELF_HELP else d
    if entity.redirect or entity.self_help_only:
        # no case on these rows: "still stuck" gets the same answer, said as such
        return replace(d, reason="guidance_only") if facts.tried_self_help and not entity.redirect else d
    draft = d.case_draft or draft_for(entity.kind, entity.id, model)
    if draft is None:
        return replace(d, action=Action.SELF_HELP)
    if escalate:
        return replace(d, action=Action.RAISE_CASE, case_draft=draft,
                       reason="tried" if facts.tried_self_help else "requested",
                       why=f"{d.why} The user has tried the guidance or asked for the case: raise it now.")
    row = model.scenarios.get(entity.id) if entity.kind == "dip" else None
    if topic.question or (row is not None and row.self_help_first):
        # The guidance comes first; the case is drafted already, for "No, this didn't solve it".
        return replace(d, action=Action.SELF_HELP, case_draft=draft,
                       reason="question" if topic.question else "self_help_first",
                       why=f"{d.why} Self-help guidance first, then escalate, as the service definition routes it."
                       if row is not None and row.self_help_first else f"{d.why} The user asks how it works.")
    return replace(d, action=Action.RAISE_CASE, case_draft=draft)
