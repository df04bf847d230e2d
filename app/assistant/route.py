"""Routing one text, as a pure function of its evidence: the entity or article it is about, and the action that
entity would take on its own (decide() then acts on the whole conversation).

Thresholds were calibrated on the development set's score distributions (scripts/eval_assist.py shows
them); they compare shares of the question explained, so they do not depend on the corpus size.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from app.assistant.decide import DEFAULT_THRESHOLDS, MAX_ARTICLES, Action, Decision, Thresholds
from app.assistant.evidence import Candidate, Evidence
from app.assistant.routing import CaseDraft, draft_for, levels_for_outage
from app.assistant.signals import OUTAGE, PROBLEM
from app.assistant.text import terms_of
from app.servicemodel import PriorityDerivation, ServiceModel


def _confidence(score: float, gap: float) -> float:
    """0..1 from how much of the question is explained and how far ahead of the runner-up."""
    return round(min(1.0, score / 0.75) * (0.6 + 0.4 * min(1.0, max(gap, 0.0) / 0.15)), 3)


def _documents_for(entity: Candidate | None, evidence: Evidence) -> tuple[Candidate, ...]:
    """The entity's own articles first (as scored for this question), then the best other documents."""
    docs = {d.id: d for d in evidence.documents if d.kind == "article"}
    chosen: list[Candidate] = []
    if entity is not None:
        for slug in entity.articles:
            chosen.append(docs.get(slug) or Candidate("article", slug, slug, 0.0, articles=(slug,)))
    for d in evidence.documents:
        if len(chosen) >= MAX_ARTICLES:
            break
        if all(d.id != c.id for c in chosen):
            chosen.append(d)
    return tuple(chosen[:MAX_ARTICLES])


def _draft(entity: Candidate, evidence: Evidence, model: ServiceModel) -> CaseDraft | None:
    impact, urgency = levels_for_outage(evidence.signals) if entity.kind == "incident" else (None, None)
    return draft_for(entity.kind, entity.id, model, impact, urgency)


def _priority_hint(evidence: Evidence, model: ServiceModel) -> PriorityDerivation | None:
    s = evidence.signals
    if s.priority_question and s.impact and s.urgency:
        return model.derive_priority(s.impact.level, s.urgency.level)
    return None


def out_of_scope(evidence: Evidence, best_cov: float, t: Thresholds) -> bool:
    """Nothing here is about the message: too little of it explained and none of the service's terms used."""
    sem = evidence.semantic_top
    if best_cov < t.floor and not (sem is not None and sem >= t.semantic_in_scope and evidence.anchors) and not (
            best_cov >= t.anchored_floor and any(len(a.split()) > 1 for a in evidence.specific_anchors)):
        return True
    if evidence.anchors:
        return False
    if sem is not None and sem >= t.semantic_in_scope:
        return False
    s = evidence.signals
    needed = t.unanchored if evidence.known_share >= 1.0 else t.unanchored_foreign
    if sem is not None and sem < t.semantic_out_of_scope:
        needed = max(needed, t.unanchored_foreign)  # far in meaning too: the words must explain much more
    # a fault told in few words, all of them the service's own ("our messages aren't getting through"), is ours
    # ... and so is a question after the user's own case in the service's words ("how's our ticket getting on?"), or
    # about the desk itself
    own_words = evidence.known_share >= 1.0 and evidence.domain_share >= 1.0
    own_fault = (s.problem or s.outage) and not s.informational and own_words
    own_question = s.asks and (s.own_case and own_words or s.to_desk)
    return (evidence.information < t.min_information and not (own_fault or own_question)) or best_cov <= needed


def _clear_lead(entity: Candidate | None, evidence: Evidence, t: Thresholds) -> bool:
    """The best entity explains the message and leads every other one by far."""
    return entity is not None and _leads(entity, [c for c in evidence.entities if c.id != entity.id], t)


def _leads(c: Candidate, others: list[Candidate], t: Thresholds) -> bool:
    """``c`` explains the message and leads each of ``others`` by at least the clear lead."""
    return c.score >= t.confident and c.score - max((o.score for o in others), default=0.0) >= t.clear_lead


def _named_system(evidence: Evidence, model: ServiceModel, share: float = 0.6, *,
                  anywhere: bool = False) -> Candidate | None:
    """Among the likely incident categories, the one whose system the message names ("the DIP is down"); with
    `anywhere`, failing that, the first such category of the service definition's, however its words scored."""
    text = evidence.question.lower()

    def named(ident: str) -> bool:
        ic = model.incident_categories.get(ident)
        system = ic.subcategory.split()[0].lower() if ic else ""
        return bool(system) and re.search(rf"\b{re.escape(system)}\b", text) is not None \
            and "security" not in ic.subcategory.lower()

    incidents = [c for c in evidence.entities if c.kind == "incident"]
    for c in incidents:
        if c.score < share * incidents[0].score:
            break
        if named(c.id):
            return c
    if anywhere:
        ic = next((ic for ic in model.incident_categories.values() if named(ic.id)), None)
        if ic is not None:
            return next((c for c in evidence.entities if c.id == ic.id), None) or Candidate(
                "incident", ic.id, ic.subcategory, 0.0)
    return None


def platform_incident(evidence: Evidence, model: ServiceModel, platform: str = "DIP") -> Candidate | None:
    """The incident category for the platform failing (DIP Service Failures): where a DIP scenario goes once
    it reaches many participants. As scored for this text when it is among the evidence."""
    ids = [ic.id for ic in model.incident_categories.values()
           if ic.subcategory.split()[0] == platform and "security" not in ic.subcategory.lower()]
    found = next((c for c in evidence.entities if c.id in ids), None)
    if found is not None or not ids:
        return found
    ic = model.incident_categories[ids[0]]
    return Candidate("incident", ic.id, ic.subcategory, 0.0)


def _only_the_outage(entity: Candidate | None, evidence: Evidence) -> bool:
    """The best row meets nothing of the message but its outage words and the platform's own name: "nothing in or
    out of the DIP today" names no topic a row could have, only a central system failing."""
    said = {t for m in OUTAGE.finditer(evidence.question) for t in terms_of(m.group(0))}
    said |= {t for a in evidence.anchors if a not in evidence.specific_anchors for t in terms_of(a)}
    return entity is not None and entity.kind != "incident" and bool(entity.matched) and set(entity.matched) <= said


def _incident_fits(incident: Candidate, evidence: Evidence, t: Thresholds) -> bool:
    """Outage or many-users words, or a fault named in terms only a central service's incidents use, or that a
    central service's incident explains far better than any scenario or request ("we're not getting PUB responses
    from the registration service")."""
    s = evidence.signals
    if s.informational:
        return False
    if s.outage or s.many_users or s.security:
        return True
    others: set[str] = set()
    rows = [c for c in evidence.entities if c.kind != "incident"]
    for c in rows[:5]:
        others.update(c.matched)
    return s.problem and (bool(set(incident.matched) - others) or _leads(incident, rows, t))


#: a row's own words for a fault, beyond the PROBLEM cues a message is read by ("I don't see mine in the list",
#: "Incorrect Digital Keys")
_NOT_SEEN = re.compile(r"\b(?:(?:don'?t|do not|cannot|can'?t) see|incorrect|invalid)\b", re.I)


@lru_cache(maxsize=512)
def _states_fault(text: str) -> bool:
    return bool(PROBLEM.search(text) or _NOT_SEEN.search(text))


def _fault_row(c: Candidate, model: ServiceModel) -> bool:
    """A DIP row whose own words report a fault ("I have not received a vetting call", "User Error"), to be raised
    with the desk or redirected. A row the service definition answers with a knowledge article alone ("Self Serve",
    "not a support issue") is a question however it is worded: its article answers a question about it."""
    row = model.scenarios.get(c.id) if c.kind == "dip" else None
    return row is not None and not (row.self_help_only and not row.not_elexon_responsibility) \
        and _states_fault(row.description)


def _without_faults(evidence: Evidence, model: ServiceModel, t: Thresholds) -> Evidence:
    """The evidence for a question that reports no fault: the DIP rows that are faults are not its topic, and a
    document answering one of them leads only by the document margin over a document that answers no fault.

    "Is there a number we can call?" shares a word with "I have not received a vetting call", not its problem."""
    entities = tuple(c for c in evidence.entities if not _fault_row(c, model))
    docs = list(evidence.documents)

    def about_fault(d: Candidate) -> bool:
        rows = [model.scenarios[i] for i in d.covers if i in model.scenarios]
        return bool(rows) and len(rows) == len(d.covers) and all(_states_fault(r.description) for r in rows)

    plain = next((d for d in docs if not about_fault(d)), None)
    if plain is not None and plain is not docs[0] and about_fault(docs[0]) \
            and docs[0].score < plain.score + t.document_margin:
        docs.remove(plain)
        docs.insert(0, plain)
    return replace(evidence, entities=entities, documents=tuple(docs))


def _twinned(entity: Candidate | None, evidence: Evidence, t: Thresholds) -> bool:
    """Another entity answered by the same article is as likely: the words stand for that article, not for either
    entity, so a better document answers instead (a complaint about the desk is not a new feature request because
    the feedback article that covers both tags complaints)."""
    return entity is not None and bool(entity.articles) and any(
        c.id != entity.id and c.articles[:1] == entity.articles[:1] and c.score >= entity.score - t.ambiguous_gap
        for c in evidence.entities)


def _standing(entity: Candidate, evidence: Evidence) -> float:
    """How well a scenario or request explains the question: its own score, or its own article's if better."""
    return max([entity.score, *(d.score for d in evidence.documents if d.id in entity.articles)])


def _answer(doc: Candidate, entity: Candidate | None, evidence: Evidence, model: ServiceModel,
            t: Thresholds) -> Decision:
    """Self-help from the best document, the next best documents after it."""
    others = tuple(d for d in evidence.documents if d.id != doc.id)
    return Decision(Action.SELF_HELP, None, (doc, *others)[:MAX_ARTICLES], None,
                    _confidence(doc.score, doc.score - (entity.score if entity else 0.0)),
                    f"The {doc.kind} '{doc.title}' explains the question best ({doc.score:.2f}"
                    + (f" against {entity.id} at {entity.score:.2f})." if entity else ")."),
                    doc.score >= t.confident, _priority_hint(evidence, model))


def route(evidence: Evidence, model: ServiceModel, t: Thresholds = DEFAULT_THRESHOLDS) -> Decision:
    """One route for one text; never raises for any evidence."""
    s = evidence.signals
    entity = evidence.best_entity()
    doc = evidence.best_document
    best_cov = max((c.coverage for c in (entity, doc) if c is not None), default=0.0)
    if s.impact is not None and not evidence.information:
        # who is affected and nothing else ("it's everyone"): a fact about a problem not told yet, so ask for it
        return Decision(Action.RAISE_CASE, None, (), None, 0.0,
                        f"The message says who is affected ({s.impact.reason}) but not what is wrong.", False)
    if out_of_scope(evidence, best_cov, t):
        return Decision(Action.OUT_OF_SCOPE, None, (), None, round(1 - best_cov, 3),
                        f"Nothing in the knowledge base or the service definition explains this message "
                        f"(best share explained {best_cov:.2f}"
                        + (f", meaning similarity {evidence.semantic_top:.2f})." if evidence.semantic_top is not None
                           else ")."))

    reach = s.outage or s.many_users or s.security  # an outage report routes by its reach, not its topic words
    if s.asks and not reach:
        evidence = _without_faults(evidence, model, t)
        entity, doc = evidence.best_entity(), evidence.best_document
        if s.to_desk and doc is not None and (
                s.hypothetical or not s.problem and evidence.information < t.vague_information):
            # whom to contact should something happen, or with no topic named ("who do I contact?"): nothing is
            # reported, so the knowledge base answers
            return _answer(doc, entity, evidence, model, t)
    if s.problem and not s.informational and not reach and not evidence.specific_anchors \
            and evidence.information < t.vague_information and not _clear_lead(entity, evidence, t):
        # A fault reported in words that name no topic ("something is wrong with the hub"): do not guess.
        # Few words that only one row uses ("our webhook isn't receiving anything") do name it.
        return Decision(Action.RAISE_CASE, None, tuple(evidence.documents[:MAX_ARTICLES]), None,
                        _confidence(best_cov, 0.0), "The message reports a problem but names nothing that tells "
                        f"one scenario from another (known words {evidence.information:.1f}).", False)
    # Outage words and a central system's incident category close behind: an incident for many users.
    likeliest = evidence.best_entity(("incident",))  # how well an incident at all explains the words
    # a system down for every participant (6.3: system wide) is that system's incident, whatever else the words met
    system_wide = s.outage and s.impact is not None and s.impact.level == "High"
    unanchored = s.outage and _only_the_outage(entity, evidence)
    named = _named_system(evidence, model, anywhere=system_wide or unanchored)
    incident = named or likeliest
    fits = incident is not None and _incident_fits(incident, evidence, t)
    if entity is not None and entity.kind == "incident" and incident is not None:
        entity = incident  # the system the message names, among the likely categories
    if (entity is not None and incident is not None and incident is not entity and fits
            and ((likeliest is not None and likeliest.score >= t.incident_ratio * entity.score) or system_wide
                 or (unanchored and named is not None)
                 or (s.security and entity.kind == "sr" and incident.coverage >= t.floor))):
        # An incident's words close behind, a system down for everyone, or a security incident, or a suspected one,
        # which is priority 1 to 3 (section 6.4), never a P4 service request.
        entity = incident
    elif entity is not None and entity.kind == "incident" and not fits:
        # Incident categories are for central services failing; otherwise the best scenario or request.
        entity = evidence.best_entity(("dip", "sr")) or entity
    margin = t.informational_margin if s.informational or _twinned(entity, evidence, t) else t.document_margin
    # A glossary entry says what a term means: it answers a question about the term, never a reported fault.
    defines_only = doc is not None and doc.kind == "glossary" and s.problem and not s.informational
    doc_led = doc is not None and not (entity is not None and entity.kind == "incident" and fits) and (
        entity is None
        or (doc.id not in entity.articles and doc.score >= _standing(entity, evidence) + margin and not defines_only)
        or (entity.kind == "incident" and not fits)
        or (s.informational and entity.kind == "sr" and doc.score >= entity.score - margin - t.document_margin)
    )
    if doc_led and doc is not None and doc.covers and not s.informational:
        # The best article is a scenario's or request's own article: that entity is the route.
        owner = next((c for c in evidence.entities if c.id in doc.covers), None)
        if owner is not None and entity is not None and s.problem and owner.score < t.owner_ratio * entity.score:
            doc_led = False  # a fault the best entity states far better than any the article covers: the entity
        elif owner is not None and not _twinned(owner, evidence, t):  # else the article, not a guess among its own
            entity, doc_led = owner, False
    if doc_led and doc is not None:
        return _answer(doc, entity, evidence, model, t)

    if entity is None:  # no entity and no document: nothing to answer with
        return Decision(Action.OUT_OF_SCOPE, None, (), None, 1.0, "No evidence at all.")
    same_need = {entity.id}
    if entity.kind == "sr":
        # The catalogue is generic; a DIP scenario row close behind, or whose own article explains the question
        # as well as any of the request's, routes the same need more precisely: of those that share the
        # request's articles, the one whose own article explains the question best.
        standing = _standing(entity, evidence)
        rows = [c for c in evidence.entities if c.kind == "dip" and not c.self_help_only
                and set(c.articles) & set(entity.articles)
                and (c.score >= entity.score - t.specific_routing or _standing(c, evidence) >= standing)]
        dip = max(rows, key=lambda c: _standing(c, evidence), default=None)
        if dip is not None:
            entity = dip
            same_need.add(dip.id)
    runner_up = next((c.score for c in evidence.entities if c.id not in same_need), 0.0)
    # an entity whose own article explains the question best is as sure as that article
    lead = doc.score if doc is not None and doc.id in entity.articles else entity.score
    gap = lead - runner_up
    sure = lead >= t.confident and gap >= t.ambiguous_gap
    if not sure and not evidence.specific_anchors and not reach and evidence.information < t.vague_information:
        if s.asks and doc is not None:  # a question, not a problem to tell apart: the best document answers it
            return _answer(doc, entity, evidence, model, t)
        # Too little said to tell one scenario from another: offer the case, do not guess its routing.
        docs = tuple(evidence.documents[:MAX_ARTICLES])
        return Decision(Action.RAISE_CASE, None, docs, None, _confidence(entity.score, gap),
                        f"The question matches several scenarios about equally ({entity.id} {entity.score:.2f}, "
                        f"next {runner_up:.2f}) and names none of the service's terms.", False)
    return route_to(entity, evidence, model, _confidence(entity.score, gap), sure,
                    f"{entity.id} explains {entity.score:.2f} of the question (next best {runner_up:.2f}).")


def route_to(entity: Candidate, evidence: Evidence, model: ServiceModel, confidence: float, sure: bool,
             basis: str) -> Decision:
    """The decision for a chosen entity: also how a follow-up keeps its topic when its own words point elsewhere."""
    docs = _documents_for(entity, evidence)
    if entity.redirect:
        return Decision(Action.REDIRECT, entity, docs, None, confidence,
                        f"{basis} The service definition says this is not an Elexon Support responsibility.", sure)
    if entity.self_help_only:
        return Decision(Action.SELF_HELP, entity, docs, None, confidence,
                        f"{basis} The service definition routes it to self-help, not to a case.", sure)
    draft = _draft(entity, evidence, model)
    if draft is None:
        return Decision(Action.SELF_HELP, entity, docs, None, confidence, f"{basis} It has no case routing.", sure)
    return Decision(Action.RAISE_CASE, entity, docs, draft, confidence,
                    f"{basis} It is a support {'incident' if entity.kind == 'incident' else 'scenario'} with a "
                    f"pre-categorised case.", sure)
