"""The reply text, built only from article passages, glossary definitions and routing rows.

Framing sentences say what the assistant did ("This matches ..."); every fact in a reply is quoted
from a cited article or glossary entry, or read from a routing row of the service definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.assistant.decide import Action, Decision
from app.assistant.evidence import Candidate
from app.assistant.routing import CaseDraft, derivation_text
from app.assistant.text import Query, terms_of
from app.content.repository import ContentRepository
from app.search.passages import Passage, article_passages, glossary_passage
from app.servicemodel import ServiceModel

QUOTE_WORDS = 70
#: the question asks for a time; passages stating durations answer that kind of question
_ASKS_DURATION = re.compile(r"\b(?:how (?:long|quickly|soon|fast)|timescales?|target times?|deadline|by when)\b", re.I)
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:business |working )?(?:minutes?|hours?|days?|weeks?|months?)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
GENERAL_ENQUIRY_URL = "/cases/form?sr=SR-27"


@dataclass(frozen=True)
class Quote:
    text: str
    title: str
    url: str  # with the section anchor when the passage has one
    kind: str  # "article" | "glossary"
    slug: str
    section: str | None


@lru_cache(maxsize=8192)
def _text_terms(text: str,
                protected: frozenset[str]) -> tuple[frozenset[str], frozenset[tuple[str, str]], tuple[str, ...]]:
    """A passage's (or sentence's) terms, word pairs and sequence: the same for every question, so worked out once."""
    seq = tuple(terms_of(text, protected))
    return frozenset(seq), frozenset(zip(seq, seq[1:], strict=False)), seq


def _score(text: str, query: Query, protected: frozenset[str]) -> float:
    """Weight of the question's concepts the text contains, plus its word pairs kept together ("level 2")."""
    present, pairs, _ = _text_terms(text, protected)
    total = 0.0
    for c in query.concepts:
        if any(all(t in present for t in a.terms) for a in c.alternatives):
            total += c.weight
    weights = {c.word: c.weight for c in query.concepts}
    asked_text = query.fixed or query.text
    if _ASKS_DURATION.search(asked_text) and _DURATION.search(text):
        total += max(weights.values(), default=0.0)
    asked = _text_terms(asked_text, protected)[2]
    for a, b in zip(asked, asked[1:], strict=False):
        if (a, b) in pairs:
            total += (weights.get(a, 0.0) + weights.get(b, 0.0)) / 2
    return total


class ReplyBuilder:
    def __init__(self, repo: ContentRepository, model: ServiceModel, protected: frozenset[str] = frozenset()) -> None:
        self.repo = repo
        self.model = model
        self.protected = protected
        self.passages = lru_cache(maxsize=1024)(self._load_passages)

    def _load_passages(self, kind: str, slug: str) -> tuple[Passage, ...]:
        if kind == "glossary":
            term = self.repo.get_term(slug)
            return (glossary_passage(term),) if term else ()
        article = self.repo.get_article(slug)
        if article is None:
            return ()
        # the "#summary" passage repeats the front matter summary: quote the body
        return tuple(p for p in article_passages(article) if not p.id.endswith("#summary")) or tuple(
            article_passages(article))

    def best_quote(self, doc: Candidate, query: Query) -> Quote | None:
        """The passage of a document that covers most of the question, trimmed to its best sentences."""
        passages = self.passages(doc.kind, doc.id)
        if not passages:
            return None
        best = max(passages, key=lambda p: (_score(p.text, query, self.protected), -passages.index(p)))
        sentences = [s.strip() for s in _SENTENCE.split(best.text) if s.strip()]
        ranked = sorted(range(len(sentences)), key=lambda i: (-_score(sentences[i], query, self.protected), i))
        keep: list[int] = []
        words = 0
        for i in ranked:
            n = len(sentences[i].split())
            if keep and words + n > QUOTE_WORDS:
                break
            keep.append(i)
            words += n
        text = " ".join(sentences[i] for i in sorted(keep))
        if len(text.split()) > QUOTE_WORDS + 30:
            text = " ".join(text.split()[:QUOTE_WORDS]) + " …"
        if doc.kind == "glossary":
            term = self.repo.get_term(doc.id)
            title = term.term if term else doc.title
            url = term.url if term else f"/glossary/{doc.id}"
        else:
            article = self.repo.get_article(doc.id)
            title = article.title if article else doc.title
            url = (article.url if article else f"/articles/{doc.id}") + (f"#{best.section}" if best.section else "")
        return Quote(text, title, url, doc.kind, doc.id, best.section)

    # the reply
    def build(self, decision: Decision, query: Query, named: tuple[str, ...] = ()) -> tuple[str, Quote | None]:
        """The reply and the quote it leads with; ``named`` are the service's terms the question used."""
        quote = None
        for doc in decision.articles:
            quote = self.best_quote(doc, query)
            if quote:
                break
        parts: list[str] = []
        a = decision.action
        if a is Action.OUT_OF_SCOPE:
            parts.append("Sorry, I can only help with MHHS, the DIP and Elexon service desk questions, and nothing in "
                         "the knowledge base covers this. You can search the knowledge base, or send a general "
                         f"enquiry ({GENERAL_ENQUIRY_URL}).")
            return " ".join(parts), None
        if not decision.sure:
            parts.append("I'm not sure I have understood, so please check this is the right topic.")
        if a is Action.REDIRECT and decision.entity is not None:
            parts.append(self._redirect(decision.entity.id))
        elif a is Action.RAISE_CASE and decision.entity is not None:
            parts.append(self._matched(decision.entity))
        elif a is Action.SELF_HELP and decision.entity is not None and decision.entity.kind == "dip":
            sc = self.model.scenarios.get(decision.entity.id)
            if sc:
                parts.append(f"This matches DIP scenario {sc.id} “{sc.description}” ({sc.category}), which the service "
                             "definition answers with self-help guidance rather than a case.")
        if a is Action.SELF_HELP and decision.entity is None:
            parts += self._named_terms(named, quote)
        if quote:
            lead = "Try this first" if a is Action.RAISE_CASE else "From"
            parts.append(f"{lead} “{quote.title}” ({quote.url}): “{quote.text}”")
        if decision.priority_hint is not None:
            parts.append(derivation_text(decision.priority_hint))
        more = [d for d in decision.articles[1:] if not quote or d.id != quote.slug][:2]
        if more:
            parts.append("See also: " + "; ".join(self._title(d) for d in more) + ".")
        if decision.case_draft is not None:
            parts.append(self._case(decision.case_draft))
        elif a is Action.SELF_HELP:
            parts.append("If this does not solve it, you can raise a case.")
        return " ".join(parts), quote

    def _named_terms(self, names: tuple[str, ...], quote: Quote | None, limit: int = 2) -> list[str]:
        """Glossary terms the question names (acronym or full name): their definition's first sentence."""
        out: list[str] = []
        seen: set[str] = set()
        for name in names:
            term = self.repo.find_term(name)
            if term is None or term.slug in seen or len(out) >= limit:
                continue
            seen.add(term.slug)
            if quote and quote.kind == "glossary" and quote.slug == term.slug:
                continue
            if len(term.term.split()) < 2 and not term.acronym:
                continue  # one ordinary word ("Case"): naming it is not asking about it
            first = _SENTENCE.split(term.definition.strip())[0]
            label = f"{term.acronym} ({term.term})" if term.acronym and term.acronym != term.term else term.term
            out.append(f"Glossary: {label}: “{first}” ({term.url}).")
        return out

    def _title(self, d: Candidate) -> str:
        if d.kind == "glossary":
            term = self.repo.get_term(d.id)
            return f"{term.term} ({term.url})" if term else d.title
        article = self.repo.get_article(d.id)
        return f"{article.title} ({article.url})" if article else d.title

    def _matched(self, e: Candidate) -> str:
        if e.kind == "dip" and e.id in self.model.scenarios:
            sc = self.model.scenarios[e.id]
            return f"This matches DIP scenario {sc.id} “{sc.description}” ({sc.category})."
        if e.kind == "sr" and e.id in self.model.service_requests:
            sr = self.model.service_requests[e.id]
            return f"This is service request {sr.id} “{sr.name}”: {sr.description}"
        if e.kind == "incident" and e.id in self.model.incident_categories:
            ic = self.model.incident_categories[e.id]
            return (f"This looks like an incident affecting a central service: incident category {ic.category}, "
                    f"subcategory {ic.subcategory}.")
        return ""

    def _redirect(self, scenario_id: str) -> str:
        sc = self.model.scenarios[scenario_id]
        who = re.search(r"\(([^)]+)\)", sc.category)
        contact = f"your {who.group(1)}" if who else "the party responsible"
        return (f"This matches DIP scenario {sc.id} “{sc.description}” ({sc.category}). The service definition says "
                f"it is not an Elexon Support responsibility, so contact {contact}.")

    @staticmethod
    def _case(d: CaseDraft) -> str:
        fields = [f"category {d.category}"]
        if d.subcategory:
            fields.append(f"subcategory {d.subcategory}")
        fields += [f"type {d.type}", f"report to {d.report_to}", f"priority {d.priority}"]
        if d.channel:
            fields.append(f"channel {d.channel}")
        text = "If that does not solve it, raise a case with: " + ", ".join(fields) + "."
        if d.derivation is not None:
            text += " " + derivation_text(d.derivation)
            text += f" (Impact from {d.impact_reason}; urgency from {d.urgency_reason}.)"
        return text
