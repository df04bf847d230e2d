"""Keyword search with Whoosh: BM25F over boosted fields, synonyms, typo tolerance, highlighted snippets."""
from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh import query as Q
from whoosh.analysis import Analyzer
from whoosh.fields import ID, STORED, TEXT, Schema

from app.content.models import Article, GlossaryTerm
from app.search.analysis import WORD, KBTokenizer, SpellTokenizer, cached_terms
from app.search.bm25 import FieldGroup, PostingsScorer, save_postings
from app.search.english import is_english
from app.search.fuzzy import Speller, Vocabulary, max_edits
from app.search.models import IndexUnavailable, SearchHit
from app.search.progress import progress_bar
from app.search.snippets import highlight
from app.search.synonyms import Synonyms

logger = logging.getLogger(__name__)

#: field -> boost: title above tags and summary above body.
FIELD_BOOSTS = {"title": 5.0, "names": 5.0, "tags": 2.5, "summary": 2.0, "ids": 2.0, "body": 1.0}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)
#: Short glossary definitions win on BM25 length normalisation; articles answer questions, so they lead.
KIND_WEIGHT = {"article": 1.0, "glossary": 0.5}
#: uid -> hash of each document's indexed fields, beside the index, for incremental builds.
DOCUMENTS_FILE = "documents.json"


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
                        protected: Iterable[str], previous: Path | None = None,
                        progress: bool | None = None) -> tuple[int, int]:
    """Write the index into `target`, with its postings as arrays; returns (documents, documents indexed).

    With `previous` (a built index with the same schema) only documents whose fields changed are re-indexed. A
    full build (about 10 s at 1,000 articles) shows a progress bar on a terminal (app.search.progress).
    """
    if previous is not None:
        updated = update_keyword_index(target, previous, articles, terms)
        if updated is not None:
            return updated
    ix = windex.create_in(str(target), build_schema(protected))
    docs = _documents(articles, terms)
    with progress_bar(len(docs), "keyword index", progress, unit="document") as bar:
        with ix.writer(limitmb=128, compound=False) as w:
            for doc in docs:
                w.add_document(**doc)
                if bar is not None:
                    bar.update()
            if bar is not None:  # writing the segment and the postings take as long again
                bar.set_postfix_str("writing")
        _finish(ix, target, docs)
    return len(docs), len(docs)


def update_keyword_index(target: Path, previous: Path, articles: Iterable[Article],
                         terms: Iterable[GlossaryTerm]) -> tuple[int, int] | None:
    """Copy `previous` (same schema) into `target` and re-index only the documents whose fields changed.

    Returns (documents, documents re-indexed), or None when `previous` does not say what it holds.
    """
    try:
        known = json.loads((previous / DOCUMENTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    shutil.copytree(previous, target, dirs_exist_ok=True)
    docs = _documents(articles, terms)
    current = {d["uid"]: _doc_hash(d) for d in docs}
    changed = [d for d in docs if known.get(d["uid"]) != current[d["uid"]]]
    removed = [uid for uid in known if uid not in current]
    ix = windex.open_dir(str(target))
    if changed or removed:
        with ix.writer(limitmb=128, compound=False) as w:
            for uid in removed:
                w.delete_by_term("uid", uid)
            for doc in changed:
                w.update_document(**doc)
    _finish(ix, target, docs)
    return len(docs), len(changed)


def _documents(articles: Iterable[Article], terms: Iterable[GlossaryTerm]) -> list[dict[str, str]]:
    return [*(article_doc(a) for a in articles), *(glossary_doc(t) for t in terms)]


def _doc_hash(doc: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def _finish(ix: windex.Index, target: Path, docs: list[dict[str, str]]) -> None:
    """Postings as arrays for the scorer, and a hash per document for the next incremental build."""
    with ix.reader() as reader:
        save_postings(target, reader, SEARCH_FIELDS)
    hashes = {d["uid"]: _doc_hash(d) for d in docs}
    (target / DOCUMENTS_FILE).write_text(json.dumps(hashes, sort_keys=True), encoding="utf-8")


class KeywordIndex:
    """An opened keyword index; safe to share between threads.

    Queries are scored with numpy over postings loaded once (app.search.bm25 says why not by Whoosh's searcher).
    Unknown words are matched to the indexed words near them, and spelling suggestions found, over vocabularies
    held in memory (app.search.fuzzy), not by Whoosh's per-word automaton.
    """

    def __init__(self, ix: windex.Index, synonyms: Synonyms, scorer: PostingsScorer | None = None) -> None:
        self._ix = ix
        self._tok: KBTokenizer = self._ix.schema["title"].analyzer
        self.synonyms = synonyms
        self.doc_count = self._ix.doc_count()
        with ix.reader() as reader:
            if scorer is None or scorer.doc_count != reader.doc_count_all():
                scorer = PostingsScorer.from_reader(reader, SEARCH_FIELDS)
            # Indexed by docnum; documents deleted by an incremental build stay as empty entries. Bodies are kept
            # too (about 3 MB per 1,000 articles): reading them back from the index costs more than the snippet.
            self._stored: list[dict] = [{} for _ in range(reader.doc_count_all())]
            for docnum, fields in reader.iter_docs():
                self._stored[docnum] = fields
            #: word -> occurrences, of the whole words "did you mean" may suggest
            self._spelling = {_text(btext): info.weight() for btext, info in reader.iter_field("spell")}
        self._scorer = scorer
        self._near = Vocabulary(scorer.terms("body"))  # what an unknown query term may have meant
        self._speller = Speller(self._spelling)
        kinds = [d.get("kind", "") for d in self._stored]
        self._kinds = np.array(kinds)
        self._categories = np.array([d.get("category") or "" for d in self._stored])
        self._kind_weight = np.array([KIND_WEIGHT.get(k, 0.0) for k in kinds], dtype=np.float64)
        self._uid_order = np.argsort(np.argsort([d.get("uid", "") for d in self._stored], kind="stable"))

    @classmethod
    def open(cls, path: Path, synonyms: Synonyms) -> KeywordIndex:
        try:
            return cls(windex.open_dir(str(path)), synonyms, PostingsScorer.load(path))
        except Exception as exc:  # Whoosh raises several kinds for missing or corrupt folders
            raise IndexUnavailable(f"keyword index at {path} cannot be opened: {exc}") from exc

    @classmethod
    def in_memory(cls, articles: Iterable[Article], terms: Iterable[GlossaryTerm], protected: Iterable[str],
                  synonyms: Synonyms) -> KeywordIndex:
        """A throw-away index, for when none has been built on disk.

        It lives in a private temporary folder, not Whoosh's RamStorage, whose segment writer spills to a fixed
        /tmp/MAIN.tmp path that concurrent processes (several workers, parallel test runs) would share.
        """
        folder = tempfile.mkdtemp(prefix="kb-keyword-")
        ix = windex.create_in(folder, build_schema(protected))
        with ix.writer(limitmb=128, compound=False) as w:
            for doc in _documents(articles, terms):
                w.add_document(**doc)
        index = cls(ix, synonyms)
        weakref.finalize(index, shutil.rmtree, folder, True)
        return index

    def terms(self, text: str) -> list[str]:
        return [t for m in WORD.finditer(text) for t in cached_terms(m.group(0), self._tok.protected)]

    def coverage(self, text: str) -> float:
        """Share of the query's words that the index holds, exactly or within typo distance (0 with no words).
        A correctly spelled English word is no typo (app.search.english): "weather" does not count as "whether".

        Part of the relevance floor (app.search.service): most words of a question about the service occur in
        the articles, most words of one about the weather or a recipe do not.
        """
        terms = list(dict.fromkeys(self.terms(text)))
        known = [t for t in terms if any(self._scorer.frequency(f, t) for f in SEARCH_FIELDS)
                 or (len(t) >= 4 and t.isalpha() and not is_english(t) and self._near.within(t, max_edits(t)))]
        return len(known) / len(terms) if terms else 0.0

    def _build_query(self, text: str) -> tuple[Q.Query, dict[str, list[str]], list[str]]:
        parts: list[Q.Query] = []
        fuzzy: list[str] = []
        for term in dict.fromkeys(self.terms(text)):
            if not any(self._scorer.frequency(f, term) for f in SEARCH_FIELDS) and len(term) >= 4 and term.isalpha():
                fields = [Q.Term(f, term) for f in SEARCH_FIELDS]
                fields += [Q.FuzzyTerm(f, term, maxdist=max_edits(term), prefixlength=1, boost=0.6)
                           for f in ("title", "tags", "summary", "body")]
                parts.append(Q.Or(fields))
                fuzzy.append(term)
            else:
                parts.append(FieldGroup.of([term], SEARCH_FIELDS))
        expansions = self.synonyms.expand(text)
        for found, others in expansions.items():
            # A multi-word alternative that repeats a term already searched adds only noise ("dip certificate").
            single = {t for p in (found, *others) for t in self.terms(p) if len(self.terms(p)) == 1}
            for phrase in others:
                pterms = self.terms(phrase)
                if not pterms or (len(pterms) > 1 and single.intersection(pterms)):
                    continue
                parts.append(FieldGroup.of(pterms, SEARCH_FIELDS, boost=0.5))
        return Q.Or(parts, scale=0.9), expansions, fuzzy

    def search(self, text: str, limit: int = 10, category: str | None = None,
               kinds: tuple[str, ...] = ("article", "glossary"),
               snippets: int | None = None, explain: bool = True) -> tuple[list[SearchHit], str | None]:
        """Ranked hits and, when a word is unknown, a corrected query to suggest.

        Only the first `snippets` hits (all when None) get a highlighted snippet; the rest show their summary.
        explain=False is for callers that need the ranking only (the assistant): no matched terms, snippets or
        spelling suggestion are worked out.
        """
        q, expansions, fuzzy = self._build_query(text)
        if fuzzy:
            q = self._resolve_fuzzy(q)
        if not q.subqueries:
            return [], None
        found = self._scorer.evaluate(q)
        docs, scores = found.docs, found.scores
        keep = np.isin(self._kinds[docs], kinds)
        if category:
            keep &= self._categories[docs] == category
        docs, scores = docs[keep], scores[keep]
        weighted = scores * self._kind_weight[docs]
        order = np.lexsort((self._uid_order[docs], -weighted))[:limit]  # ties: the same order whatever the build
        top = docs[order]
        _, leaves = self._scorer.matches(q, top) if explain else (None, [])
        # per hit, the (field, term) leaves it matched: one pass over a leaves x hits table, not a lookup per pair
        found = np.array([mask for _, mask in leaves], dtype=bool).reshape(len(leaves), len(top)).T.tolist()
        hits = []
        for rank, (i, doc, row) in enumerate(zip(order.tolist(), top.tolist(), found, strict=True), start=1):
            matched = {leaf for (leaf, _), hit in zip(leaves, row, strict=True) if hit}
            hits.append(self._hit(doc, float(weighted[i]), rank, matched, expansions, fuzzy,
                                  explain and (snippets is None or rank <= snippets)))
        suggestion = self.suggestion(text) if explain and (fuzzy or not hits) else None
        return hits, suggestion

    def _resolve_fuzzy(self, q: Q.Query) -> Q.Query:
        """Replace each fuzzy term by the indexed words within its edit distance."""
        if isinstance(q, Q.FuzzyTerm):
            words = sorted(w for w, _ in self._near.within(q.text, q.maxdist))  # they share the first letter
            terms = [Q.Term(q.fieldname, w, boost=q.boost) for w in words
                     if self._scorer.frequency(q.fieldname, w)]
            return Q.Or(terms) if terms else Q.NullQuery
        if isinstance(q, Q.CompoundQuery):
            subs = [self._resolve_fuzzy(sub) for sub in q.subqueries]
            if all(a is b for a, b in zip(subs, q.subqueries, strict=True)):
                return q
            return q.__class__([sub for sub in subs if sub is not Q.NullQuery], boost=q.boost,
                               **({"scale": q.scale} if isinstance(q, Q.Or) else {}))
        return q

    def _hit(self, doc: int, score: float, rank: int, matched: set[tuple[str, str]], expansions: dict,
             fuzzy: list[str], highlighted: bool) -> SearchHit:
        meta = self._stored[doc]
        snippet = ""
        if highlighted:
            body_terms = {t for f, t in matched if f == "body"}
            if body_terms:
                snippet = highlight(meta.get("body", ""), body_terms, self._terms_of)
            if not snippet:
                summary_terms = {t for f, t in matched if f == "summary"}
                snippet = highlight(meta.get("summary") or "", summary_terms, self._terms_of)
        if not snippet:
            snippet = _escape(meta.get("summary") or meta.get("body", ""))
        return SearchHit(
            kind=meta["kind"], slug=meta["slug"], title=meta["display"], url=meta["url"], snippet=snippet,
            score=score, category=meta["category"] if meta["kind"] == "article" else None,
            why={"keyword_terms": sorted({t for _, t in matched}), "keyword_rank": rank,
                 "expansions": {k: v for k, v in expansions.items()}, "fuzzy": fuzzy},
        )

    def _terms_of(self, word: str) -> tuple[str, ...]:
        return cached_terms(word, self._tok.protected)

    def suggestion(self, text: str) -> str | None:
        """The text with each word the index does not know replaced by its closest known spelling (Speller)."""

        def fix(m: re.Match) -> str:
            return self._speller.correct(m.group(0).lower()) or m.group(0)

        fixed = WORD.sub(fix, text)
        return fixed if fixed != text else None


def _text(btext: bytes | str) -> str:
    return btext.decode("utf-8") if isinstance(btext, bytes) else btext


def _escape(text: str) -> str:
    return html.escape(text[:220])
