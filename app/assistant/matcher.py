"""Question -> evidence: DIP scenarios, SR entries, incident categories, articles and glossary terms, scored.

The evidence (``app.assistant.targets``) is scored by weighted word coverage (``app.assistant.coverage``: typos
corrected, synonyms and glossary names expanded), and by agreement with the search service's hybrid ranking,
which improves by itself when search by meaning is available.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from app.assistant.coverage import PLACES, FieldPostings, contenders, word_coverage
from app.assistant.evidence import DOCUMENT_KINDS, ENTITY_KINDS, Candidate, Evidence
from app.assistant.semantic import EvidenceVectors, find_encoder, find_stored
from app.assistant.signals import Signals, read_signals
from app.assistant.targets import (
    IN_HOURS_TERM,
    OUT_OF_HOURS_TERM,
    TIMING_WEIGHT,
    Target,
    article_head,
    build_targets,
    proper_nouns,
)
from app.assistant.text import Alternative, Analyzer, Concept, Query, phrase_runs, terms_of
from app.content.repository import ContentRepository
from app.search.analysis import is_identifier
from app.search.build import protected_terms
from app.search.process import PLAIN, ProcessPolicy
from app.search.service import SearchService
from app.search.synonyms import Synonyms
from app.servicemodel import ServiceModel

logger = logging.getLogger(__name__)

#: score added for the search service ranking a piece of evidence first (1/rank after that)
SEARCH_BONUS = 0.08
#: score added per unit of cosine similarity above SEMANTIC_FLOOR, when embeddings are available
SEMANTIC_WEIGHT, SEMANTIC_FLOOR = 0.25, 0.2
SEARCH_LIMIT = 10
#: characters of a question the search ranks and embeds
SEARCH_CHARS = 500
#: a name in more than this share of our texts is the platform's own name, not a topic
UBIQUITOUS_SHARE = 0.3
#: score added to a glossary entry the question names when it asks what something is
NAMED_TERM_BONUS = 0.15
#: score added when a phrase the user quoted (an error message, a screen label) is one of the evidence's names
QUOTE_BONUS = 0.15
#: score added when the question asks for the same action as an entity's name (create vs amend vs close vs share),
#: and taken away when the name states a different one: siblings that differ only in the action are told apart
ACTION_BONUS, ACTION_PENALTY = 0.15, 0.08
#: score added, times the weight share of the question's words it covers, when consecutive words of the question
#: are consecutive in an evidence's name, title, tags or summary: "new user" names a request, where "new roles" and
#: "user admin" in another text do not
PHRASE_BONUS = 0.15
#: score added to the entities that raise the type of case the question names by its glossary name, and to their
#: own articles ("a change request" is a Change, not one of the catalogue's service requests: sections 9 and 10
#: of the service definition keep them apart)
TYPE_BONUS = 0.1
#: an entity's key terms: the terms of its own name (a DIP row's description, a request's name) used elsewhere in the
#: corpus and at most this many times as often as the name's rarest such term ("bank" in "Update Bank Details")
KEY_RATIO = 2.0
#: an entity whose name the question meets only on its other terms, none of its key terms, keeps this share of its
#: score, without the action and phrase bonuses: the words it shares with the question are generic ("update ...
#: details") and its distinguishing one is missing ("bank")
KEY_MISSED = 0.7
#: the entities and documents evidence keeps, best first
ENTITY_LIMIT, DOCUMENT_LIMIT = 20, 10
_QUOTED = re.compile(r"(?<!\w)[\"“‘'](?P<q>[^\"“”‘’']{3,120}?)[\"”’'](?!\w)")


class Matcher:
    """Scores a question against all evidence; built once per process (about a second), then fast."""

    def __init__(self, repo: ContentRepository, model: ServiceModel, search: SearchService,
                 synonyms: Synonyms | None = None, process: ProcessPolicy = PLAIN) -> None:
        self.repo = repo
        self.model = model
        self.search = search
        protected = frozenset(protected_terms(repo))
        self.targets = build_targets(repo, model, protected)
        raw_texts = [a.text + " " + article_head(a) for a in repo.published()]
        raw_texts += [f"{t.term} {t.acronym or ''} {' '.join(t.aliases)} {t.definition}" for t in repo.glossary]
        raw_texts += [t.text for t in self.targets if t.kind in ("dip", "sr", "incident")]
        self.analyzer = Analyzer(raw_texts, synonyms or search.synonyms, protected)
        # The reply builder reads the same question again: analyse each text once.
        self._analyse = lru_cache(maxsize=256)(self.analyzer.analyse)
        self.key_terms = self._key_terms(protected)
        self.protected = protected
        self._anchors: dict[tuple[str, ...], str] = {}
        names = proper_nouns(raw_texts)
        for phrase, single_ok in self._anchor_phrases():
            terms = tuple(terms_of(phrase, protected))
            words = re.findall(r"[^\W_]+", phrase)
            if terms and (len(terms) >= 2 or (single_ok and len(words) == 1
                                               and (is_identifier(words[0]) or words[0].lower() in names))):
                self._anchors.setdefault(terms, phrase)
        self._pairs: dict[tuple[str, str], list[int]] = {}  # consecutive terms in short texts -> targets
        for ti, t in enumerate(self.targets):
            for head in t.heads.split(" | "):
                words = head.split()
                for pair in dict.fromkeys(pairwise(words)):
                    self._pairs.setdefault(pair, []).append(ti)
        self._keys = self._key_sets(protected)
        self._postings = FieldPostings(self.targets)
        # The postings now hold every field's terms (the per-field dicts are 10 MB at 1,000 articles): targets
        # keep their names, links and texts only.
        self.targets = [replace(t, fields=()) for t in self.targets]
        self._entity = np.array([t.kind in ENTITY_KINDS for t in self.targets], dtype=bool)
        self._acting = [(i, t.actions) for i, t in enumerate(self.targets) if t.actions]
        self._by_id = {(t.kind, t.id): i for i, t in enumerate(self.targets)}
        type_of = {t.id: t.case_type for t in self.targets if t.case_type}
        types = set(type_of.values())
        # the glossary entry that names each case type: "Change Request" for Change, "Service Request" for itself
        self._type_named = {g.slug: ty for g in repo.glossary for ty in types
                            if g.term.casefold() in (ty.casefold(), f"{ty} request".casefold())}
        # per type: its entities, and the articles that answer only entities of that type
        typed = [{t.case_type} if t.case_type else {type_of.get(i) for i in t.covers} for t in self.targets]
        self._of_type = {ty: np.array([found == {ty} for found in typed]) for ty in types}
        entity_at = {t.id: i for i, t in enumerate(self.targets) if t.kind in ("dip", "sr")}
        # articles that answer DIP rows or requests, and the targets of those they answer, one run per article
        answering = [(i, [entity_at[c] for c in t.covers]) for i, t in enumerate(self.targets)
                     if t.kind == "article" and t.covers]
        self._answering = np.array([i for i, _ in answering], dtype=np.int64)
        self._answered = np.array([o for _, owners in answering for o in owners], dtype=np.int64)
        self._answer_starts = np.cumsum([0] + [len(owners) for _, owners in answering[:-1]], dtype=np.int64)
        self._article_owners: dict[str, list[int]] = {}
        for i, t in enumerate(self.targets):
            if t.kind in ("dip", "sr", "incident"):
                for slug in t.articles:
                    self._article_owners.setdefault(slug, []).append(i)
        self.vectors = EvidenceVectors([t.text for t in self.targets], find_encoder(search), process,
                                       find_stored(search))
        self.vectors.start()

    def _key_terms(self, protected: frozenset[str]) -> frozenset[str]:
        """The service's own vocabulary: names of entities, article titles and tags, glossary names."""
        texts = [t.text for t in self.targets if t.kind in ("dip", "sr", "incident")]
        texts += [article_head(a) for a in self.repo.published()]
        texts += [" ".join(t.names()) for t in self.repo.glossary]
        return frozenset(term for text in texts for term in terms_of(text, protected))

    def _key_sets(self, protected: frozenset[str]) -> list[tuple[int, frozenset[str], frozenset[str]]]:
        """(target, key terms, other terms) of each DIP row's and request's own name (KEY_RATIO). A request's
        description says what it is as well as its name: its other words are key terms too. Words the platform's own
        name is made of ("DIP", "data", "request") are neither."""
        df, docs = self.analyzer.df, self.analyzer.docs

        def terms(text: str) -> list[str]:
            return [w for w in dict.fromkeys(terms_of(text, protected)) if 1 < df.get(w, 0) <= UBIQUITOUS_SHARE * docs]

        own = {("dip", sc.id): (terms(sc.description), []) for sc in self.model.scenarios.values()}
        own |= {("sr", sr.id): (terms(sr.name), terms(sr.description)) for sr in self.model.service_requests.values()}
        keys = []
        for ti, t in enumerate(self.targets):
            name, described = own.get((t.kind, t.id), ([], []))
            rarest = min((df[w] for w in name), default=0)
            key = frozenset(w for w in name if df[w] <= KEY_RATIO * rarest) | (frozenset(described) - set(name))
            if key:
                keys.append((ti, key, frozenset(name) - key))
        return keys

    def _missed_keys(self, query: Query) -> np.ndarray:
        """Per target: the question meets some of its name's other terms but none of its key terms, by any of its
        words' alternatives ("update our contact details" against "Update Bank Details"). A term is met by the same
        term or one a letter or two longer or shorter ("id" / "ids")."""
        said = {term for c in query.concepts for alt in c.alternatives for term in alt.terms}
        near = said | {s[:n] for s in said for n in (len(s) - 2, len(s) - 1) if n >= 2}

        def meets(terms: frozenset[str]) -> bool:
            return any(w in near or any(w[:n] in said for n in (len(w) - 2, len(w) - 1) if n >= 2) for w in terms)

        missed = np.zeros(len(self.targets), dtype=bool)
        for ti, key, other in self._keys:
            missed[ti] = meets(other) and not meets(key)
        if len(self._answering):  # an article that answers only such entities is about what they are about
            missed[self._answering] = np.minimum.reduceat(missed[self._answered], self._answer_starts)
        return missed

    def _anchor_phrases(self) -> list[tuple[str, bool]]:
        """(phrase, may be one word): glossary names, article tags, request names, incident subcategories.

        A one-word glossary name or an acronym marks the service's vocabulary; other one-word phrases
        ("change", "time") are ordinary English and do not.
        """
        phrases = [(n, True) for t in self.repo.glossary for n in t.names()]
        phrases += [(tag, is_identifier(tag)) for a in self.repo.published() for tag in a.tags]
        phrases += [(sr.name, False) for sr in self.model.service_requests.values()]
        phrases += [(re.sub(r"\(.*?\)", "", ic.subcategory), False) for ic in self.model.incident_categories.values()]
        phrases += [(sc.description, False) for sc in self.model.scenarios.values() if len(sc.description.split()) <= 4]
        return phrases

    def anchors_in(self, text: str) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for terms in phrase_runs(text, self.protected):
            for i in range(len(terms)):
                for n in (4, 3, 2, 1):
                    phrase = tuple(terms[i : i + n])
                    if len(phrase) == n and phrase in self._anchors:
                        found.setdefault(self._anchors[phrase])
        return tuple(found)

    # scoring
    def _search_ranks(self, text: str) -> tuple[dict[tuple[str, str], int], bool, Any]:
        """Ranks of articles and glossary terms in the hybrid ranking, and the query's embedding if one was made.

        Only the ranks are needed, so the keyword index is asked for its ranking alone (no matched terms,
        snippets or spelling suggestion: about 2 ms less per answer), and the query embedding the semantic
        ranking makes is kept for the evidence similarities instead of embedding the question a second time.
        """
        semantic = getattr(self.search, "semantic", None)
        vector: Any = None
        text = text[:SEARCH_CHARS]
        try:
            index, notice = self.search.keyword_index()
            ready = semantic is not None and semantic.status() is None
            if ready:  # the query is embedded while the keyword search runs
                vector, (hits, _) = semantic.embed_during(
                    text, lambda: index.search(text, limit=max(SEARCH_LIMIT, 20), explain=False))
                hits = semantic.hybrid(text, hits, SEARCH_LIMIT, None)
            else:
                hits, _ = index.search(text, limit=SEARCH_LIMIT, explain=False)
            degraded = bool(notice) or not ready
        except Exception:  # search must never take the assistant down
            logger.exception("search failed inside the assistant; matching without it")
            return {}, True, None
        ranks: dict[tuple[str, str], int] = {}
        term = self.repo.find_term(text)
        if term is not None:  # the whole query is a glossary name: its entry leads, as in the search service
            ranks[("glossary", term.slug)] = 1
        counters: Counter[str] = Counter(k for k, _ in ranks)
        for h in hits[:SEARCH_LIMIT]:
            if (h.kind, h.slug) in ranks:
                continue
            counters[h.kind] += 1
            ranks.setdefault((h.kind, h.slug), counters[h.kind])
        return ranks, degraded, vector

    def _cosines(self, text: str, vector: Any = None) -> np.ndarray | None:
        """Meaning similarity of the text to every target, or None without embeddings."""
        sims = self.vectors.similarities(text, vector)
        return None if sims is None or not len(sims) else sims.astype(np.float64)

    def _phrases(self, query: Query) -> np.ndarray:
        """Per target, the weight share of the question's words that come in a pair it has consecutive too."""
        weights = {c.word: c.weight for c in query.concepts}
        runs = phrase_runs(query.fixed or query.text, self.protected)
        met: dict[int, set[str]] = {}
        for pair in dict.fromkeys(p for words in runs for p in pairwise(words)):
            for ti in self._pairs.get(pair, ()):
                met.setdefault(ti, set()).update(pair)
        share = np.zeros(len(self.targets))
        for ti, terms in met.items():
            share[ti] = sum(weights.get(t, 0.0) for t in terms) / query.total_weight
        return share

    def _bonuses(self, ranks: dict[tuple[str, str], int], signals: Signals, named: set[str],
                 quoted: list[str], query: Query, missed: np.ndarray) -> np.ndarray:
        """Per target, what is added to its word coverage: phrases, search agreement, quoted names, actions,
        named terms.

        Only the few targets with a phrase of the question, that the search ranked, the question quotes or names,
        or whose name states an action get any; the additions are made in the same order for every target, so the
        sums are the same floats.
        """
        bonus = np.zeros(len(self.targets))
        for (kind, slug), rank in ranks.items():
            ti = self._by_id.get((kind, slug))
            if ti is not None and kind in DOCUMENT_KINDS:
                bonus[ti] = SEARCH_BONUS / rank
            if kind == "article":  # entities take their best-ranked covering article's, split among its entities
                owners = self._article_owners.get(slug, [])
                spec = 1 / math.sqrt(max(1, len(owners)))
                for oi in owners:
                    bonus[oi] = max(bonus[oi], SEARCH_BONUS * spec / rank)
        if quoted:
            for ti, t in enumerate(self.targets):
                if any(q in t.heads for q in quoted):
                    bonus[ti] += QUOTE_BONUS
        if signals.actions:
            for ti, actions in self._acting:
                if not (missed[ti] and signals.actions & actions):  # the action is asked for, not on this thing
                    bonus[ti] += ACTION_BONUS if signals.actions & actions else -ACTION_PENALTY
        for ty in sorted({self._type_named[slug] for slug in named if slug in self._type_named}):
            bonus += TYPE_BONUS * self._of_type[ty]
        if signals.definition and not signals.problem:
            for slug in named:
                ti = self._by_id.get(("glossary", slug))
                if ti is not None:
                    bonus[ti] += NAMED_TERM_BONUS
        return bonus + PHRASE_BONUS * np.where(missed, 0.0, self._phrases(query))

    def _candidate(self, ti: int, base: float, bonus: float, sem: float, matched: list[str],
                   ranks: dict[tuple[str, str], int]) -> Candidate:
        """One target as evidence, its scores rounded; an entity's covering articles in search rank order."""
        t = self.targets[ti]
        articles = t.articles
        if t.kind in ENTITY_KINDS and len(articles) > 1:
            articles = tuple(sorted(articles, key=lambda s: ranks.get(("article", s), 999)))
        return Candidate(
            t.kind, t.id, t.title, round(base + bonus + sem, PLACES), round(base + sem, PLACES), tuple(matched),
            articles, t.self_help_only, t.redirect, covers=t.covers,
            why={"coverage": round(base, PLACES), "search_bonus": round(bonus, PLACES), "semantic": round(sem, PLACES)})

    def match(self, question: str) -> Evidence:
        signals = read_signals(question)
        query = self._query(question, signals)
        timing = OUT_OF_HOURS_TERM if signals.out_of_hours else IN_HOURS_TERM if signals.in_hours else None
        if timing and (signals.outage or signals.many_users):
            # an outage's time tells the in-hours and out-of-hours incidents apart; any other message's time
            # says nothing about its topic
            timing = terms_of(timing)[0]  # as the evidence's fields hold it (stemmed)
            query = replace(query, concepts=(*query.concepts, Concept(timing, TIMING_WEIGHT,
                                                                      (Alternative((timing,), 1.0, timing),), True)))
        coverage = word_coverage(self._postings, query, len(self.targets))
        ranks, degraded, vector = self._search_ranks(query.fixed or question)
        cosines = self._cosines(query.fixed or question, vector)
        anchors = self.anchors_in(query.fixed or question)
        named = {g.slug for a in anchors if (g := self.repo.find_term(a))}
        quoted = [f" {' '.join(ts)} " for m in _QUOTED.finditer(query.fixed or question)
                  if len(ts := terms_of(m.group("q"), self.protected)) >= 2]
        missed = self._missed_keys(query)
        base, bonus = coverage.scores, self._bonuses(ranks, signals, named, quoted, query, missed)
        cos = np.zeros(len(self.targets)) if cosines is None else cosines
        sem = SEMANTIC_WEIGHT * np.maximum(cos - SEMANTIC_FLOOR, 0.0)
        scale = np.where(missed, KEY_MISSED, 1.0)
        base, bonus, sem = base * scale, bonus * scale, sem * scale
        scores = base + bonus + sem
        pool = coverage.covered | (cos > SEMANTIC_FLOOR)

        def best(kinds: np.ndarray, limit: int) -> tuple[Candidate, ...]:
            """The limit best of a kind; only targets that can make the list are turned into candidates."""
            found = [self._candidate(ti, float(base[ti]), float(bonus[ti]), float(sem[ti]), coverage.matched(ti), ranks)
                     for ti in contenders(scores, np.flatnonzero(pool & kinds), limit).tolist()]
            return tuple(sorted(found, key=lambda c: (-c.score, c.kind, c.id))[:limit])

        key = sum(c.weight for c in query.concepts if not c.fact and self._is_key(c.word, query))
        return Evidence(
            question=question, signals=signals,
            entities=best(self._entity, ENTITY_LIMIT), documents=best(~self._entity, DOCUMENT_LIMIT),
            information=round(sum(c.weight for c in query.concepts if c.known), 3),
            known_share=round(query.known_share, 4), domain_share=round(key / query.topic_weight, 4),
            anchors=anchors, specific_anchors=tuple(a for a in anchors if not self._ubiquitous(a)),
            semantic_top=None if cosines is None else round(float(cosines.max()), 4),
            corrections=query.corrections, expansions=query.expansions, degraded=degraded)

    def _ubiquitous(self, phrase: str) -> bool:
        """A name so common in our texts ("DIP") that using it says nothing about which topic is meant."""
        terms = terms_of(phrase, self.protected)
        a = self.analyzer
        return bool(terms) and all(a.df.get(t, 0) > UBIQUITOUS_SHARE * a.docs for t in terms)

    def _is_key(self, word: str, query: Query) -> bool:
        concept = next(c for c in query.concepts if c.word == word)
        return any(all(t in self.key_terms for t in a.terms) for a in concept.alternatives)

    def embed_ahead(self, questions: Sequence[str]) -> None:
        """Start embedding questions match() will soon be given, on the other core (SemanticSearcher.embed_ahead),
        as the search text it embeds them as: their spelling-corrected text."""
        semantic = getattr(self.search, "semantic", None)
        if questions and hasattr(semantic, "embed_ahead"):
            semantic.embed_ahead([(self._query(q).fixed or q)[:SEARCH_CHARS] for q in questions])

    def target(self, kind: str, ident: str) -> Target | None:
        i = self._by_id.get((kind, ident))
        return None if i is None else self.targets[i]

    def query_terms(self, question: str, signals: Signals | None = None) -> Query:
        """The question analysed as match() analyses it (``signals``: its reading, when already made)."""
        return self._query(question, signals)

    def _query(self, question: str, signals: Signals | None = None) -> Query:
        """The question analysed: its days and times are topic words unless it reports a fault or an outage
        ("is anyone around at the weekend?" asks about hours; "down since the weekend" says when)."""
        s = signals or read_signals(question)
        return self._analyse(question, not (s.problem or s.outage))
