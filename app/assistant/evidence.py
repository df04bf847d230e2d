"""Values passed from the matcher to decide(): what matched a question, and how well."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.assistant.signals import Signals

#: kinds of evidence: routable entities first, then self-help documents
ENTITY_KINDS = ("dip", "sr", "incident")
DOCUMENT_KINDS = ("article", "glossary")


@dataclass(frozen=True)
class Candidate:
    """One scored piece of evidence: a DIP scenario, SR entry, incident category, article or glossary term."""

    kind: str  # "dip" | "sr" | "incident" | "article" | "glossary"
    id: str  # DIP-.., SR-.., IC-.., article slug or glossary slug
    title: str
    score: float  # share of the question's weighted words this evidence explains, plus search agreement
    coverage: float = 0.0  # the word share alone
    matched: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()  # covering articles, best first (the document itself for articles)
    self_help_only: bool = False  # a DIP row routed to no case
    redirect: bool = False  # a DIP row that is not Elexon's responsibility
    covers: tuple[str, ...] = ()  # for articles: the DIP and SR ids the article answers
    why: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Evidence:
    question: str
    signals: Signals
    entities: tuple[Candidate, ...]  # dip / sr / incident, best first
    documents: tuple[Candidate, ...]  # articles and glossary terms, best first
    information: float  # total weight of the question's words the corpus knows: low for vague questions
    known_share: float  # weight share of the question's words the corpus uses at all
    domain_share: float  # weight share of the question's words that are the service's own vocabulary
    anchors: tuple[str, ...] = ()  # the service's own phrases found in the question (glossary names, tags)
    specific_anchors: tuple[str, ...] = ()  # those that name a topic, not just the platform ("DIP")
    corrections: dict[str, str] = field(default_factory=dict)
    expansions: dict[str, list[str]] = field(default_factory=dict)
    degraded: bool = False  # search by meaning was unavailable
    semantic_top: float | None = None  # best meaning similarity to any evidence; None without embeddings

    def best_entity(self, kinds: tuple[str, ...] = ENTITY_KINDS) -> Candidate | None:
        return next((c for c in self.entities if c.kind in kinds), None)

    @property
    def best_document(self) -> Candidate | None:
        return self.documents[0] if self.documents else None
