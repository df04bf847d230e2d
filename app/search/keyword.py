"""Keyword search with Whoosh: BM25F over boosted fields, synonyms, typo tolerance, highlighted snippets."""
from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as windex
from whoosh import query as Q
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.analysis import Analyzer
from whoosh.filedb.filestore import RamStorage

from app.content.models import Article, GlossaryTerm
from app.search.analysis import KBTokenizer, SpellTokenizer, normalise_terms, WORD
from app.search.models import IndexUnavailable, SearchHit
from app.search.synonyms import Synonyms

logger = logging.getLogger(__name__)

#: field -> boost: title above tags and summary above body.
FIELD_BOOSTS = {"title": 5.0, "names": 5.0, "tags": 2.5, "summary": 2.0, "ids": 2.0, "body": 1.0}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)
#: Short glossary definitions win on BM25 length normalisation; articles answer questions, so they lead.
KIND_WEIGHT = {"article": 1.0, "glossary": 0.5}


def build_schema(protected: Iterable[str]) -> Schema:
    kb: Analyzer = KBTokenizer(protected)
    return Schema(
        uid=ID(unique=True, stored=True),
        kind=ID(stored=True),
        slug=ID(stored=True),
        category=ID(stored=True),
        url=STORED(),
        display=STORED(),
        title=TEXT(analyzer=kb, stored=True, field_boost=FIELD_BOOSTS["title"]),
        names=TEXT(analyzer=kb, field_boost=FIELD_BOOSTS["names"]),
        tags=TEXT(analyzer=kb, field_boost=FIELD_BOOSTS["tags"]),
        summary=TEXT(analyzer=kb, stored=True, field_boost=FIELD_BOOSTS["summary"]),
        ids=TEXT(analyzer=kb, field_boost=FIELD_BOOSTS["ids"]),
        body=TEXT(analyzer=kb, stored=True, chars=True),
        spell=TEXT(analyzer=SpellTokenizer(), spelling=True),
    )


def article_doc(a: Article) -> dict[str, str]:
    return {
        "uid": f"article:{a.slug}", "kind": "article", "slug": a.slug, "category": a.category, "url": a.url,
        "display": a.title, "title": a.title, "names": "", "tags": " ; ".join(a.tags), "summary": a.summary,
        "ids": " ".join(a.covers()), "body": a.text,
        "spell": " ".join((a.title, " ".join(a.tags), a.summary, a.text)),
    }


def glossary_doc(t: GlossaryTerm) -> dict[str, str]:
    display = f"{t.term} ({t.acronym})" if t.acronym and t.acronym != t.term else t.term
    return {
        "uid": f"glossary:{t.slug}", "kind": "glossary", "slug": t.slug, "category": "glossary", "url": t.url,
        "display": display, "title": t.term, "names": " ; ".join(t.names()), "tags": "", "summary": "",
        "ids": "", "body": t.definition, "spell": " ".join((*t.names(), t.definition)),
    }


def build_keyword_index(target: Path, articles: Iterable[Article], terms: Iterable[GlossaryTerm],
                        protected: Iterable[str]) -> int:
    """Write a fresh Whoosh index into `target`; returns the number of documents."""
    return _fill(windex.create_in(str(target), build_schema(protected)), articles, terms)


def _fill(ix: windex.Index, articles: Iterable[Article], terms: Iterable[GlossaryTerm]) -> int:
    count = 0
    with ix.writer(limitmb=128) as w:
        for a in articles:
            w.add_document(**article_doc(a))
            count += 1
        for t in terms:
            w.add_document(**glossary_doc(t))
            count += 1
    return count


class KeywordIndex:
    """An opened keyword index; safe to share between threads (searchers are per call)."""

    def __init__(self, ix: windex.Index, synonyms: Synonyms) -> None:
        self._ix = ix
        self._tok: KBTokenizer = self._ix.schema["title"].analyzer
        self.synonyms = synonyms
        self.doc_count = self._ix.doc_count()

    @classmethod
    def open(cls, path: Path, synonyms: Synonyms) -> KeywordIndex:
        try:
            return cls(windex.open_dir(str(path)), synonyms)
        except Exception as exc:  # Whoosh raises several kinds for missing or corrupt folders
            raise IndexUnavailable(f"keyword index at {path} cannot be opened: {exc}") from exc

    @classmethod
    def in_memory(cls, articles: Iterable[Article], terms: Iterable[GlossaryTerm], protected: Iterable[str],
                  synonyms: Synonyms) -> KeywordIndex:
        """A throw-away index in RAM, for when none has been built on disk."""
        ix = RamStorage().create_index(build_schema(protected))
        _fill(ix, articles, terms)
        return cls(ix, synonyms)

    def terms(self, text: str) -> list[str]:
        return [t for m in WORD.finditer(text) for t in normalise_terms(m.group(0), self._tok.protected)]

    def _build_query(self, text: str, reader) -> tuple[Q.Query, dict[str, list[str]], list[str]]:
        parts: list[Q.Query] = []
        fuzzy: list[str] = []
        for term in dict.fromkeys(self.terms(text)):
            fields = [Q.Term(f, term) for f in SEARCH_FIELDS]
            if not any(reader.doc_frequency(f, term) for f in SEARCH_FIELDS) and len(term) >= 4 and term.isalpha():
                fields += [Q.FuzzyTerm(f, term, maxdist=1 if len(term) < 7 else 2, prefixlength=1, boost=0.6)
                           for f in ("title", "tags", "summary", "body")]
                fuzzy.append(term)
            parts.append(Q.Or(fields))
        expansions = self.synonyms.expand(text)
        for found, others in expansions.items():
            # A multi-word alternative that repeats a term already searched adds only noise ("dip certificate").
            single = {t for p in (found, *others) for t in self.terms(p) if len(self.terms(p)) == 1}
            for phrase in others:
                pterms = self.terms(phrase)
                if not pterms or (len(pterms) > 1 and single.intersection(pterms)):
                    continue
                per_field = [Q.And([Q.Term(f, t) for t in pterms]) for f in SEARCH_FIELDS]
                parts.append(Q.Or(per_field, boost=0.5))
        return Q.Or(parts, scale=0.9), expansions, fuzzy

    def search(self, text: str, limit: int = 10, category: str | None = None,
               kinds: tuple[str, ...] = ("article", "glossary")) -> tuple[list[SearchHit], str | None]:
        """Ranked hits and, when a word is unknown, a corrected query to suggest."""
        with self._ix.searcher() as s:
            q, expansions, fuzzy = self._build_query(text, s.reader())
            if not q.subqueries:
                return [], None
            filters = [Q.Or([Q.Term("kind", k) for k in kinds])]
            if category:
                filters.append(Q.Term("category", category))
            results = s.search(q, limit=limit, filter=Q.And(filters), terms=True)
            results.fragmenter = ContextFragmenter(maxchars=240, surround=70)
            results.formatter = HtmlFormatter(tagname="mark", between=" … ")
            hits = []
            for hit in results:  # re-sorted below after kind weighting
                matched = sorted({t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t)
                                  for _, t in hit.matched_terms()})
                snippet = hit.highlights("body", top=1) or hit.highlights("summary") or _escape(hit.get("summary") or hit["body"][:220])
                hits.append(SearchHit(
                    kind=hit["kind"], slug=hit["slug"], title=hit["display"], url=hit["url"], snippet=snippet,
                    score=float(hit.score) * KIND_WEIGHT[hit["kind"]], category=hit["category"] if hit["kind"] == "article" else None,
                    why={"keyword_terms": matched, "keyword_rank": None,
                         "expansions": {k: v for k, v in expansions.items()}, "fuzzy": fuzzy},
                ))
            hits.sort(key=lambda h: -h.score)
            for rank, h in enumerate(hits, start=1):
                h.why["keyword_rank"] = rank
            suggestion = self._suggest(text, s) if (fuzzy or not hits) else None
        return hits, suggestion

    def _suggest(self, text: str, searcher) -> str | None:
        """Replace each word the index does not know with its closest known spelling."""
        corrector = searcher.corrector("spell")
        changed, words = False, []
        for m in WORD.finditer(text):
            word = m.group(0)
            low = word.lower()
            if len(low) >= 4 and low.isalpha() and not searcher.reader().doc_frequency("spell", low):
                found = corrector.suggest(low, limit=1, maxdist=2)
                if found and found[0] != low:
                    words.append(found[0])
                    changed = True
                    continue
            words.append(word)
        return " ".join(words) if changed else None


def _escape(text: str) -> str:
    return html.escape(text[:220])
