"""Question -> evidence: DIP scenarios, SR entries, incident categories, articles and glossary terms, scored.

Each routable entity is evidence made of its own words in the service definition (description, source
text, name) plus the articles that cover it; incident categories carry the major incident scenarios
(SC..) that fall under them. A question is scored against every piece by weighted word coverage
(typos corrected, synonyms and glossary names expanded), and by agreement with the search service's
hybrid ranking, which improves by itself when search by meaning is available.
"""
from __future__ import annotations

import logging
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from app.assistant.evidence import DOCUMENT_KINDS, ENTITY_KINDS, Candidate, Evidence
from app.assistant.routing import linked_major_incidents
from app.assistant.semantic import EvidenceVectors, find_encoder
from app.assistant.signals import Signals, actions_in, read_signals
from app.assistant.text import Alternative, Analyzer, Concept, Query, terms_of
from app.content.models import Article
from app.content.repository import ContentRepository
from app.search.analysis import is_identifier
from app.search.build import protected_terms
from app.search.service import SearchService
from app.search.synonyms import Synonyms
from app.servicemodel import MajorIncidentScenario, ServiceModel

logger = logging.getLogger(__name__)

#: field weights: the service definition's own words count fully, the covering articles a little less
OWN, CATEGORY, ARTICLE_HEAD, ARTICLE_BODY, DOC_HEAD, DOC_BODY, SC_TEXT = 1.0, 0.5, 0.85, 0.6, 1.0, 0.7, 0.9
#: score added for the search service ranking a piece of evidence first (1/rank after that)
SEARCH_BONUS = 0.08
#: score added per unit of cosine similarity above SEMANTIC_FLOOR, when embeddings are available
SEMANTIC_WEIGHT, SEMANTIC_FLOOR = 0.25, 0.2
SEARCH_LIMIT = 10
#: a name in more than this share of our texts is the platform's own name, not a topic
UBIQUITOUS_SHARE = 0.3
#: weight of a topic explainer among a catalogue request's articles (its how-to article counts fully)
TOPIC_FOR_REQUEST = 0.5
#: timing words the major incident scenarios and incident subcategories use, as single terms
OUT_OF_HOURS_TERM, IN_HOURS_TERM = "outofhours", "inhours"
TIMING_WEIGHT = 3.0
#: score added to a glossary entry the question names when it asks what something is
NAMED_TERM_BONUS = 0.15
#: score added when a phrase the user quoted (an error message, a screen label) is one of the evidence's names
QUOTE_BONUS = 0.15
#: score added when the question asks for the same action as an entity's name (create vs amend vs close vs share),
#: and taken away when the name states a different one: siblings that differ only in the action are told apart
ACTION_BONUS, ACTION_PENALTY = 0.15, 0.08
#: scores are reported rounded to this many decimal places, and ranked as rounded
PLACES = 4
#: the entities and documents evidence keeps, best first
ENTITY_LIMIT, DOCUMENT_LIMIT = 20, 10
_QUOTED = re.compile(r"(?<!\w)[\"“‘'](?P<q>[^\"“”‘’']{3,120}?)[\"”’'](?!\w)")


@dataclass(frozen=True)
class TextField:
    name: str
    terms: dict[str, int]
    weight: float
    saturate: bool  # long texts: one mention counts half, more mentions a little more


@dataclass(frozen=True)
class Target:
    kind: str
    id: str
    title: str
    fields: tuple[TextField, ...]
    articles: tuple[str, ...] = ()
    self_help_only: bool = False
    redirect: bool = False
    text: str = ""  # what an embedder would read
    heads: str = ""  # short texts (names, titles, tags) as term sequences, for matching quoted phrases
    covers: tuple[str, ...] = ()  # for articles: the DIP and SR ids they answer
    actions: frozenset[str] = frozenset()  # what the entity's name says is done (create, modify, close, share)


def _field(name: str, text: str, weight: float, protected: frozenset[str], saturate: bool = False) -> TextField:
    return TextField(name, dict(Counter(terms_of(text, protected))), weight, saturate)


def _article_head(a: Article) -> str:
    return " ".join((a.title, " ; ".join(a.tags), a.summary))


def _routable_ids(a: Article, model: ServiceModel) -> list[str]:
    return [i for i in a.covers() if i in model.scenarios or i in model.service_requests]


def _timing(text: str) -> str:
    """The timing a text states ("Out of Hours", "In Hours") as one term the question can meet."""
    low = text.lower()
    if "out of hours" in low:
        return f" {OUT_OF_HOURS_TERM}"
    if "in hours" in low or "working hours" in low:
        return f" {IN_HOURS_TERM}"
    return ""


def _sc_text(sc: MajorIncidentScenario) -> str:
    keys = ("system", "variation", "when", "downtime", "who_raises", "impact", "response", "notes")
    text = " ".join(str(sc.raw.get(k) or "") for k in keys)
    return text + _timing(str(sc.raw.get("when") or ""))


def outage_articles(published: Iterable[Article]) -> tuple[str, ...]:
    """Articles about outages in general (tagged so, and not any one DIP scenario's article)."""
    return tuple(a.slug for a in published if {"outage", "major incident"} & {t.lower() for t in a.tags}
                 and not a.scenarios)


def build_targets(repo: ContentRepository, model: ServiceModel, protected: frozenset[str]) -> list[Target]:
    """Every piece of evidence the matcher scores, built once from the content and the service model."""
    published = sorted(repo.published(), key=lambda a: a.slug)
    spec: dict[str, float] = {a.slug: 1 / math.sqrt(max(1, len(_routable_ids(a, model)))) for a in published}

    outage_slugs = set(outage_articles(published))

    def article_fields(ids: str) -> tuple[tuple[TextField, ...], tuple[str, ...]]:
        covering = [a for a in published if ids in a.covers() and a.slug not in outage_slugs]
        fields: list[TextField] = []
        weight: dict[str, float] = {}
        for a in covering:
            # A topic explainer (it lists KA topics) that also mentions a catalogue request is background for
            # that request, not its how-to: it counts half.
            weight[a.slug] = spec[a.slug] * (TOPIC_FOR_REQUEST if ids in model.service_requests and a.topics else 1.0)
            fields.append(_field(f"article:{a.slug}:head", _article_head(a), ARTICLE_HEAD * weight[a.slug], protected))
            fields.append(_field(f"article:{a.slug}:body", a.text, ARTICLE_BODY * weight[a.slug], protected, True))
        return tuple(fields), tuple(a.slug for a in sorted(covering, key=lambda a: -weight[a.slug]))

    targets: list[Target] = []
    for sc in model.scenarios.values():
        own = " ".join(dict.fromkeys(filter(None, (sc.description, sc.guidance, sc.source_text))))
        arts, slugs = article_fields(sc.id)
        targets.append(Target(
            "dip", sc.id, sc.description,
            (_field("own", own, OWN, protected), _field("category", sc.category, CATEGORY, protected), *arts),
            slugs, sc.self_help_only, sc.not_elexon_responsibility, f"{sc.category}. {own}",
            _heads([own, *(_article_head(repo.get_article(x)) for x in slugs if repo.get_article(x))], protected),
            actions=actions_in(sc.description)))
    for sr in model.service_requests.values():
        arts, slugs = article_fields(sr.id)
        own = f"{sr.name}. {sr.description}"
        targets.append(Target("sr", sr.id, sr.name, (_field("own", own, OWN, protected), *arts), slugs, text=own,
                              heads=_heads([own], protected), actions=actions_in(sr.name)))
    outages = outage_articles(published)
    # Outage articles speak for every incident category alike, so each gets them at a shared weight.
    share = 1 / math.sqrt(max(1, len(model.incident_categories)))
    outage_fields: list[TextField] = []
    for slug in outages:
        a = repo.get_article(slug)
        if a is None:
            continue
        outage_fields.append(_field(f"article:{slug}:head", _article_head(a), ARTICLE_HEAD * share, protected))
        outage_fields.append(_field(f"article:{slug}:body", a.text, ARTICLE_BODY * share, protected, True))
    for ic in model.incident_categories.values():
        scs = linked_major_incidents(ic, model)
        fields = [_field("own", ic.subcategory + _timing(ic.subcategory), OWN, protected),
                  _field("category", ic.category, CATEGORY, protected)]
        fields += [_field(f"sc:{sc.id}", _sc_text(sc), SC_TEXT, protected) for sc in scs]
        fields += outage_fields
        targets.append(Target("incident", ic.id, f"{ic.category}: {ic.subcategory}", tuple(fields), outages,
                              text=" ".join([ic.subcategory, *(_sc_text(sc) for sc in scs)]),
                              heads=_heads([ic.subcategory, *(_sc_text(sc) for sc in scs)], protected)))
    for a in published:
        targets.append(Target("article", a.slug, a.title, (
            _field("head", _article_head(a), DOC_HEAD, protected),
            _field("body", a.text, DOC_BODY, protected, True)), (a.slug,), text=f"{a.title}. {a.summary}",
            heads=_heads([a.title, *a.tags, a.summary], protected), covers=tuple(_routable_ids(a, model))))
    for t in repo.glossary:
        targets.append(Target("glossary", t.slug, t.term, (
            _field("names", " ; ".join(t.names()), DOC_HEAD, protected),
            _field("definition", t.definition, DOC_BODY, protected, True)), text=f"{t.term}: {t.definition}",
            heads=_heads(t.names(), protected)))
    return targets


def _heads(texts: Iterable[str], protected: frozenset[str]) -> str:
    return " | " + " | ".join(" ".join(terms_of(x, protected)) for x in texts) + " | "


def _proper_nouns(texts: Iterable[str]) -> frozenset[str]:
    """Words the corpus writes capitalised nearly always ("Helix", "GlobalSign"): names, not ordinary words."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for m in re.finditer(r"(?<=[a-z,;:] )([A-Za-z][a-z]+)\b", text):
            w = m.group(1)
            (upper if w[0].isupper() else lower)[w.lower()] += 1
    return frozenset(w for w, n in upper.items() if n >= 2 and lower[w] * 5 < n)


class FieldPostings:
    """For each term, the evidence fields that hold it and how often, as numpy arrays.

    At 1,000 articles a common word is in over a thousand fields: walking those postings in Python for every
    alternative of every concept cost more than the rest of a match together.
    """

    def __init__(self, targets: Sequence[Target]) -> None:
        fields = [(ti, f) for ti, t in enumerate(targets) for f in t.fields]
        self.owner = np.array([ti for ti, _ in fields], dtype=np.int32)  # per field: the target it belongs to
        self.weight = np.array([f.weight for _, f in fields], dtype=np.float64)
        self.saturates = np.array([f.saturate for _, f in fields], dtype=bool)
        self._terms: dict[str, int] = {}
        term_ids, fids, tfs = array("i"), array("i"), array("i")
        for fid, (_, f) in enumerate(fields):
            for term, tf in f.terms.items():
                term_ids.append(self._terms.setdefault(term, len(self._terms)))
                fids.append(fid)
                tfs.append(tf)
        by_term = np.frombuffer(term_ids, dtype=np.int32)
        order = np.argsort(by_term, kind="stable")  # grouped by term, field ids still ascending within each
        self._fid, self._tf = np.frombuffer(fids, dtype=np.int32)[order], np.frombuffer(tfs, dtype=np.int32)[order]
        self._starts = np.concatenate(([0], np.cumsum(np.bincount(by_term, minlength=len(self._terms)))))

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        i = self._terms.get(term)
        if i is None:
            return self._fid[:0], self._tf[:0]
        start, stop = self._starts[i], self._starts[i + 1]
        return self._fid[start:stop], self._tf[start:stop]

    def fields_with(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The fields holding every one of the terms, and the fewest times any of them occurs in each."""
        fid, tf = self._postings(terms[0])
        for term in terms[1:]:
            other_fid, other_tf = self._postings(term)
            fid, mine, theirs = np.intersect1d(fid, other_fid, assume_unique=True, return_indices=True)
            tf = np.minimum(tf[mine], other_tf[theirs])
        return fid, tf

    def strengths(self, fid: np.ndarray, tf: np.ndarray, factor: float) -> np.ndarray:
        """How well each field meets an alternative: field weight x the alternative's factor, saturated in long
        texts (one mention counts half, more mentions a little more)."""
        return self.weight[fid] * factor * np.where(self.saturates[fid], tf / (tf + 1), 1.0)


@dataclass(frozen=True)
class Coverage:
    """How much of the question each target's words explain, for all targets at once."""

    scores: np.ndarray  # per target: weighted share of the question's concepts met (best alternative, best field)
    words: tuple[str, ...]  # the concepts' words, in question order, each once
    weights: tuple[float, ...]  # per word
    met_at: np.ndarray  # (word, target): position of the first concept with that word met there; -1 if none

    @property
    def covered(self) -> np.ndarray:
        """Per target: some word of the question is met in some field."""
        return (self.met_at >= 0).any(axis=0)

    def matched(self, ti: int) -> list[str]:
        """The words met at target ti, heaviest first; equal weights in the order the question meets them there."""
        met = [wi for wi in range(len(self.words)) if self.met_at[wi, ti] >= 0]
        met.sort(key=lambda wi: (-self.weights[wi], self.met_at[wi, ti]))
        return [self.words[wi] for wi in met]


def word_coverage(postings: FieldPostings, query: Query, targets: int) -> Coverage:
    """Each target's best strength per concept word, weighted and summed into one score per target.

    A word can come twice (the timing concept the matcher adds may repeat one the user typed): it then counts
    once, at its best strength and its last weight. Each target adds its words up in the order the question
    first meets them there, so the scores are the same floats as adding them up one target at a time.
    """
    concepts = query.concepts
    words = tuple(dict.fromkeys(c.word for c in concepts))
    row = {w: i for i, w in enumerate(words)}
    weight = {c.word: c.weight for c in concepts}
    best = np.zeros((len(words), targets))
    met_at = np.full((len(words), targets), -1)
    for k, c in enumerate(concepts):
        met = np.zeros(targets, dtype=bool)
        for alt in c.alternatives:
            fid, tf = postings.fields_with(alt.terms)
            owners = postings.owner[fid]
            np.maximum.at(best[row[c.word]], owners, postings.strengths(fid, tf, alt.factor))
            met[owners] = True
        first = met & (met_at[row[c.word]] < 0)
        met_at[row[c.word], first] = k
    total = np.zeros(targets)
    for k, c in enumerate(concepts):
        wi = row[c.word]
        total += np.where(met_at[wi] == k, weight[c.word] * best[wi], 0.0)
    return Coverage(total / query.total_weight, words, tuple(weight[w] for w in words), met_at)


def contenders(scores: np.ndarray, pool: np.ndarray, limit: int) -> np.ndarray:
    """The indices in pool whose score can be among the `limit` best once rounded to PLACES.

    Rounding can tie scores that differ (ties then go by kind and id), so everything within two rounding steps
    of the limit-th best score stays in: the caller rounds these few and sorts them exactly.
    """
    if len(pool) <= limit:
        return pool
    cut = np.partition(scores[pool], len(pool) - limit)[len(pool) - limit]
    return pool[scores[pool] >= cut - 2 * 10.0 ** -PLACES]


class Matcher:
    """Scores a question against all evidence; built once per process (about a second), then fast."""

    def __init__(self, repo: ContentRepository, model: ServiceModel, search: SearchService,
                 synonyms: Synonyms | None = None) -> None:
        self.repo = repo
        self.model = model
        self.search = search
        protected = frozenset(protected_terms(repo))
        self.targets = build_targets(repo, model, protected)
        raw_texts = [a.text + " " + _article_head(a) for a in repo.published()]
        raw_texts += [f"{t.term} {t.acronym or ''} {' '.join(t.aliases)} {t.definition}" for t in repo.glossary]
        raw_texts += [t.text for t in self.targets if t.kind in ("dip", "sr", "incident")]
        self.analyzer = Analyzer(raw_texts, synonyms or search.synonyms, protected)
        # The reply builder reads the same question again: analyse each text once.
        self._analyse = lru_cache(maxsize=256)(self.analyzer.analyse)
        self.key_terms = self._key_terms(protected)
        self.protected = protected
        self._anchors: dict[tuple[str, ...], str] = {}
        names = _proper_nouns(raw_texts)
        for phrase, single_ok in self._anchor_phrases():
            terms = tuple(terms_of(phrase, protected))
            words = re.findall(r"[^\W_]+", phrase)
            if terms and (len(terms) >= 2 or (single_ok and len(words) == 1
                                               and (is_identifier(words[0]) or words[0].lower() in names))):
                self._anchors.setdefault(terms, phrase)
        self._postings = FieldPostings(self.targets)
        # The postings now hold every field's terms (the per-field dicts are 10 MB at 1,000 articles): targets
        # keep their names, links and texts only.
        self.targets = [replace(t, fields=()) for t in self.targets]
        self._entity = np.array([t.kind in ENTITY_KINDS for t in self.targets], dtype=bool)
        self._acting = [(i, t.actions) for i, t in enumerate(self.targets) if t.actions]
        self._by_id = {(t.kind, t.id): i for i, t in enumerate(self.targets)}
        self._article_owners: dict[str, list[int]] = {}
        for i, t in enumerate(self.targets):
            if t.kind in ("dip", "sr", "incident"):
                for slug in t.articles:
                    self._article_owners.setdefault(slug, []).append(i)
        self.vectors = EvidenceVectors([t.text for t in self.targets], find_encoder(search))
        self.vectors.start()

    def _key_terms(self, protected: frozenset[str]) -> frozenset[str]:
        """The service's own vocabulary: names of entities, article titles and tags, glossary names."""
        texts = [t.text for t in self.targets if t.kind in ("dip", "sr", "incident")]
        texts += [_article_head(a) for a in self.repo.published()]
        texts += [" ".join(t.names()) for t in self.repo.glossary]
        return frozenset(term for text in texts for term in terms_of(text, protected))

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
        terms = terms_of(text, self.protected)
        found: dict[str, None] = {}
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
        text = text[:500]
        try:
            index, notice = self.search.keyword_index()
            ready = semantic is not None and semantic.status() is None
            pending = semantic.prefetch(text) if ready else None  # embeds while the keyword search runs
            hits, _ = index.search(text, limit=max(SEARCH_LIMIT, 20) if ready else SEARCH_LIMIT, explain=False)
            if ready:
                hits = semantic.hybrid(text, hits, SEARCH_LIMIT, None)
                if pending is not None and pending.done() and not pending.exception():
                    vector = pending.result()[0]
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

    def _bonuses(self, ranks: dict[tuple[str, str], int], signals: Signals, named: set[str],
                 quoted: list[str]) -> np.ndarray:
        """Per target, what is added to its word coverage: search agreement, quoted names, actions, named terms.

        Only the few targets the search ranked, the question quotes or names, or whose name states an action
        get any; the additions are made in the same order for every target, so the sums are the same floats.
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
                bonus[ti] += ACTION_BONUS if signals.actions & actions else -ACTION_PENALTY
        if signals.definition and not signals.problem:
            for slug in named:
                ti = self._by_id.get(("glossary", slug))
                if ti is not None:
                    bonus[ti] += NAMED_TERM_BONUS
        return bonus

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
        query = self._analyse(question)
        signals = read_signals(question)
        timing = OUT_OF_HOURS_TERM if signals.out_of_hours else IN_HOURS_TERM if signals.in_hours else None
        if timing:
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
        base, bonus = coverage.scores, self._bonuses(ranks, signals, named, quoted)
        cos = np.zeros(len(self.targets)) if cosines is None else cosines
        sem = SEMANTIC_WEIGHT * np.maximum(cos - SEMANTIC_FLOOR, 0.0)
        scores = base + bonus + sem
        pool = coverage.covered | (cos > SEMANTIC_FLOOR)

        def best(kinds: np.ndarray, limit: int) -> tuple[Candidate, ...]:
            """The limit best of a kind; only targets that can make the list are turned into candidates."""
            found = [self._candidate(ti, float(base[ti]), float(bonus[ti]), float(sem[ti]), coverage.matched(ti), ranks)
                     for ti in contenders(scores, np.flatnonzero(pool & kinds), limit).tolist()]
            return tuple(sorted(found, key=lambda c: (-c.score, c.kind, c.id))[:limit])

        weights = {c.word: c.weight for c in query.concepts}
        key = sum(w for word, w in weights.items() if self._is_key(word, query))
        return Evidence(
            question=question, signals=signals,
            entities=best(self._entity, ENTITY_LIMIT), documents=best(~self._entity, DOCUMENT_LIMIT),
            information=round(sum(c.weight for c in query.concepts if c.known), 3),
            known_share=round(query.known_share, 4), domain_share=round(key / query.total_weight, 4),
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

    def target(self, kind: str, ident: str) -> Target | None:
        i = self._by_id.get((kind, ident))
        return None if i is None else self.targets[i]

    def query_terms(self, question: str) -> Query:
        return self._analyse(question)


def evidence_targets(matcher: Matcher, kinds: Iterable[str]) -> list[Target]:
    return [t for t in matcher.targets if t.kind in set(kinds)]
