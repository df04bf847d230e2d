"""The evidence the assistant scores a question against, built once from the content and the service model.

Each routable entity is evidence made of its own words in the service definition (description, source text,
name) plus the articles that cover it; incident categories carry the major incident scenarios (SC..) that fall
under them; articles and glossary terms are evidence for self-help.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from app.assistant.routing import linked_major_incidents
from app.assistant.signals import actions_in
from app.assistant.steps import article_faqs
from app.assistant.text import terms_of
from app.cases.routing import INCIDENT
from app.content.models import Article, GlossaryTerm
from app.content.repository import ContentRepository
from app.servicemodel import (
    SERVICE_REQUEST_TYPE,
    IncidentCategory,
    MajorIncidentScenario,
    Scenario,
    ServiceModel,
    ServiceRequest,
)

#: field weights: the service definition's own words count fully, the covering articles a little less
OWN, CATEGORY, ARTICLE_HEAD, ARTICLE_BODY, DOC_HEAD, DOC_BODY, SC_TEXT = 1.0, 0.5, 0.85, 0.6, 1.0, 0.7, 0.9
#: weight of a topic explainer among a catalogue request's articles (its how-to article counts fully)
TOPIC_FOR_REQUEST = 0.5
#: timing words the major incident scenarios and incident subcategories use, as single terms
OUT_OF_HOURS_TERM, IN_HOURS_TERM = "outofhours", "inhours"
TIMING_WEIGHT = 3.0


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
    case_type: str | None = None  # the type of case an entity raises (Incident, Service Request, Change, Other)


#: a sentence: up to a full stop, question mark or line end, a link target (which may hold dots) taken whole
_SENTENCE = re.compile(r"(?:\]\([^)]*\)|[^.!?\n])+")
_IF = re.compile(r"\bif\b", re.I)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def redirect_sentences(body: str) -> list[str]:
    """"If the error is about decryption, see [keys not working](/articles/...)": sentences that send the reader
    to another article on a condition (an "if" before the link) are about that article's topic, not this one's.
    Linear in the text: each sentence is cut once, then looked into."""
    out = []
    for m in _SENTENCE.finditer(body):
        sentence = m.group(0)
        link = sentence.rfind("](/articles/")
        if link > 0 and _IF.search(sentence, 0, link):
            out.append(_LINK_TARGET.sub("]", sentence))
    return out


def body_field(name: str, a: Article, weight: float, protected: frozenset[str]) -> TextField:
    """An article's text as evidence (a long text: saturated), without its sentences that send the reader elsewhere."""
    terms = Counter(terms_of(a.text, protected))
    for sentence in redirect_sentences(a.body):
        terms.subtract(terms_of(sentence, protected))
    return TextField(name, {t: n for t, n in terms.items() if n > 0}, weight, True)


def _field(name: str, text: str, weight: float, protected: frozenset[str], saturate: bool = False) -> TextField:
    return TextField(name, dict(Counter(terms_of(text, protected))), weight, saturate)


def article_head(a: Article) -> str:
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
            fields.append(_field(f"article:{a.slug}:head", article_head(a), ARTICLE_HEAD * weight[a.slug], protected))
            fields.append(body_field(f"article:{a.slug}:body", a, ARTICLE_BODY * weight[a.slug], protected))
        return tuple(fields), tuple(a.slug for a in sorted(covering, key=lambda a: -weight[a.slug]))

    targets: list[Target] = []
    siblings = Counter(sc.category for sc in model.scenarios.values())
    for sc in model.scenarios.values():
        own = _dip_own(sc)
        arts, slugs = article_fields(sc.id)
        # A category shared by several rows says less about each; a row alone in its category is named by it
        # ("DIP Data Request: Submission"), as by its own words.
        category = CATEGORY if siblings[sc.category] > 1 else OWN
        targets.append(Target(
            "dip", sc.id, sc.description,
            (_field("own", own, OWN, protected), _field("category", sc.category, category, protected), *arts),
            slugs, sc.self_help_only, sc.not_elexon_responsibility, _dip_text(sc),
            _heads([own, *(article_head(repo.get_article(x)) for x in slugs if repo.get_article(x))], protected),
            actions=actions_in(sc.description), case_type=sc.type))
    for sr in model.service_requests.values():
        arts, slugs = article_fields(sr.id)
        own = _sr_text(sr)
        targets.append(Target("sr", sr.id, sr.name, (_field("own", own, OWN, protected), *arts), slugs, text=own,
                              heads=_heads([own], protected), actions=actions_in(sr.name),
                              case_type=SERVICE_REQUEST_TYPE))
    outages = outage_articles(published)
    # Outage articles speak for every incident category alike, so each gets them at a shared weight.
    share = 1 / math.sqrt(max(1, len(model.incident_categories)))
    outage_fields: list[TextField] = []
    for slug in outages:
        a = repo.get_article(slug)
        if a is None:
            continue
        outage_fields.append(_field(f"article:{slug}:head", article_head(a), ARTICLE_HEAD * share, protected))
        outage_fields.append(_field(f"article:{slug}:body", a.text, ARTICLE_BODY * share, protected, True))
    for ic in model.incident_categories.values():
        scs = linked_major_incidents(ic, model)
        fields = [_field("own", ic.subcategory + _timing(ic.subcategory), OWN, protected),
                  _field("category", ic.category, CATEGORY, protected)]
        fields += [_field(f"sc:{sc.id}", _sc_text(sc), SC_TEXT, protected) for sc in scs]
        fields += outage_fields
        targets.append(Target("incident", ic.id, f"{ic.category}: {ic.subcategory}", tuple(fields), outages,
                              text=_incident_text(ic, model),
                              heads=_heads([ic.subcategory, *(_sc_text(sc) for sc in scs)], protected),
                              case_type=INCIDENT))
    for a in published:
        # The questions an article answers itself (its FAQ entries) name what it answers, as its title does.
        questions = [f.question for f in article_faqs(a)]
        targets.append(Target("article", a.slug, a.title, (
            _field("head", article_head(a), DOC_HEAD, protected),
            _field("questions", " ; ".join(questions), DOC_HEAD, protected),
            body_field("body", a, DOC_BODY, protected)), (a.slug,), text=_article_text(a),
            heads=_heads([a.title, *a.tags, a.summary, *questions], protected), covers=tuple(_routable_ids(a, model))))
    for t in repo.glossary:
        targets.append(Target("glossary", t.slug, t.term, (
            _field("names", " ; ".join(t.names()), DOC_HEAD, protected),
            _field("definition", t.definition, DOC_BODY, protected, True)), text=_glossary_text(t),
            heads=_heads(t.names(), protected)))
    return targets


def evidence_texts(repo: ContentRepository, model: ServiceModel) -> list[str]:
    """What an embedder reads of each piece of evidence, in build_targets' order, without building the targets
    (their word counts cost seconds at 1,000 articles): `make index` embeds these and stores them with the index."""
    published = sorted(repo.published(), key=lambda a: a.slug)
    return [*(_dip_text(sc) for sc in model.scenarios.values()),
            *(_sr_text(sr) for sr in model.service_requests.values()),
            *(_incident_text(ic, model) for ic in model.incident_categories.values()),
            *(_article_text(a) for a in published), *(_glossary_text(t) for t in repo.glossary)]


def _dip_own(sc: Scenario) -> str:
    return " ".join(dict.fromkeys(filter(None, (sc.description, sc.guidance, sc.source_text))))


def _dip_text(sc: Scenario) -> str:
    return f"{sc.category}. {_dip_own(sc)}"


def _sr_text(sr: ServiceRequest) -> str:
    return f"{sr.name}. {sr.description}"


def _incident_text(ic: IncidentCategory, model: ServiceModel) -> str:
    return " ".join([ic.subcategory, *(_sc_text(sc) for sc in linked_major_incidents(ic, model))])


def _article_text(a: Article) -> str:
    return f"{a.title}. {a.summary}"


def _glossary_text(t: GlossaryTerm) -> str:
    return f"{t.term}: {t.definition}"


def _heads(texts: Iterable[str], protected: frozenset[str]) -> str:
    return " | " + " | ".join(" ".join(terms_of(x, protected)) for x in texts) + " | "


def proper_nouns(texts: Iterable[str]) -> frozenset[str]:
    """Words the corpus writes capitalised nearly always ("Helix", "GlobalSign"): names, not ordinary words."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for m in re.finditer(r"(?<=[a-z,;:] )([A-Za-z][a-z]+)\b", text):
            w = m.group(1)
            (upper if w[0].isupper() else lower)[w.lower()] += 1
    return frozenset(w for w, n in upper.items() if n >= 2 and lower[w] * 5 < n)
