"""Keyword scoring: Whoosh's BM25F, evaluated with numpy over postings loaded once per index.

Why the keyword index is scored here and not by Whoosh's searcher (Whoosh still defines the index, schema and
analysis; this is the one place that says why):
- speed: Whoosh walks every posting of every query term in Python, tens of milliseconds for a sentence-long
  question over 1,000 articles; here each posting's score is precomputed and a query is array additions (well
  under a millisecond);
- one-term matches: Whoosh's "SQR" coordination multiplies every score by (terms - 1) / terms, so when only one
  (field, term) of the query exists in the index every score becomes 0 and results come back in document
  order; here such a match keeps its BM25 score;
- incremental builds: Whoosh counts documents an incremental build deleted (replaced) in its document count and
  field lengths; here statistics count live documents only, so an incremental build scores exactly as a full one;
- coordination as the query states it: Whoosh counts a query's terms afresh as its matchers run out, so a
  document's bonus depends on the order documents are visited; here every document gets the query's count.

Otherwise the scores are Whoosh's: per (field, term) posting, BM25 with Whoosh's idf and quantised field lengths;
Or sums, And sums when all match, boosts multiply, and Or(scale=s) applies the SQR coordination bonus. The
keyword index resolves fuzzy terms into plain terms first, so Term, And, Or and FieldGroup are all it meets.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import log
from pathlib import Path

import numpy as np
from whoosh import query as Q

logger = logging.getLogger(__name__)

POSTINGS_FILE = "postings.npz"
B, K1 = 0.75, 1.2  # whoosh.scoring.BM25F defaults, which the keyword index uses
#: postings kept by the scorer's cache of evaluated field groups (about 20 bytes each) before it starts afresh.
GROUP_CACHE = 500_000


class FieldGroup(Q.Or):
    """A word, or a phrase (all its terms in one field), sought in any of several fields: Or over the fields of
    And over the terms. The keyword index asks for every query word and synonym this way, and questions repeat
    the same groups ("dip" in six fields), so the scorer evaluates each distinct group once and keeps it.
    """

    key: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (terms, fields); None if Whoosh rebuilt it

    @classmethod
    def of(cls, terms: Sequence[str], fields: Sequence[str], boost: float = 1.0) -> FieldGroup:
        if len(fields) > 16:
            raise ValueError("a field group covers at most 16 fields")
        group = cls([Q.And([Q.Term(f, t) for t in terms]) if len(terms) > 1 else Q.Term(f, terms[0]) for f in fields],
                    boost=boost)
        group.key = (tuple(terms), tuple(fields))
        return group


@dataclass(frozen=True)
class Evaluation:
    """Scores of the documents a query matched (docnums ascending)."""

    docs: np.ndarray
    scores: np.ndarray


@dataclass
class _Node:
    docs: np.ndarray  # sorted docnums matched
    scores: np.ndarray  # float64, aligned with docs
    matching: np.ndarray  # leaf term matchers matching each doc (for coordination)
    termcount: int  # leaf term matchers in the subtree


@dataclass(frozen=True)
class _Group:
    node: _Node | None  # the group's evaluation without its boost
    fields: np.ndarray  # per doc of node.docs, bit i set when the group's terms all match in its field i


def extract_postings(reader, fields: Iterable[str]) -> dict[str, np.ndarray]:
    """Every posting (field, term, docnum, weight) and every document's quantised field lengths, as arrays."""
    fields = list(fields)
    keys: list[str] = []
    starts: list[int] = [0]
    docs: list[int] = []
    weights: list[float] = []
    for field in fields:
        for btext in reader.lexicon(field):
            m = reader.postings(field, btext)
            while m.is_active():
                docs.append(m.id())
                weights.append(m.weight())
                m.next()
            keys.append(f"{field}\t{btext.decode('utf-8')}")
            starts.append(len(docs))
    count = reader.doc_count_all()  # docnums run to here; documents an incremental build replaced stay as gaps
    lengths = np.array([[reader.doc_field_length(d, f, 0) for f in fields] for d in range(count)],
                       dtype=np.float64).reshape(count, len(fields))
    # Total field lengths of live documents. Whoosh's reader.field_length() also counts deleted documents, whose
    # exact lengths it does not keep; a document's exact length in a field is the sum of its postings' weights
    # (term frequency x field boost), and postings hold live documents only.
    starts_arr, weights_arr = np.array(starts, dtype=np.int64), np.array(weights, dtype=np.float64)
    field_of = np.repeat(np.array([k.split("\t", 1)[0] for k in keys]), np.diff(starts_arr))
    totals = np.array([weights_arr[field_of == f].sum() / reader.schema[f].format.field_boost
                       for f in fields])
    return {"fields": np.array(fields), "keys": np.array(keys), "starts": starts_arr,
            "docs": np.array(docs, dtype=np.int32), "weights": weights_arr,
            "lengths": lengths, "totals": totals, "doc_count": np.array([count]),
            "live_count": np.array([reader.doc_count()])}


def save_postings(folder: Path, reader, fields: Iterable[str]) -> None:
    np.savez(folder / POSTINGS_FILE, **extract_postings(reader, fields))


class PostingsScorer:
    """Precomputed BM25 score of every posting; evaluates Term / Or / And trees like Whoosh does."""

    def __init__(self, data: dict[str, np.ndarray]) -> None:
        fields = [str(f) for f in data["fields"]]
        self.doc_count = int(data["doc_count"][0])  # docnums, live or not: the size of per-document arrays
        count = int(data["live_count"][0])  # live documents: the N of idf and of average field lengths
        self._docs = data["docs"]
        starts = data["starts"]
        avg = {f: (data["totals"][i] / (count or 1)) or 1.0 for i, f in enumerate(fields)}
        self._slices: dict[tuple[str, str], tuple[int, int]] = {}
        scores = np.empty(len(self._docs), dtype=np.float64)
        for i, key in enumerate(data["keys"]):
            field, text = str(key).split("\t", 1)
            lo, hi = int(starts[i]), int(starts[i + 1])
            self._slices[(field, text)] = (lo, hi)
            idf = log(count / (hi - lo + 1)) + 1
            fl = data["lengths"][self._docs[lo:hi], fields.index(field)]
            w = data["weights"][lo:hi]
            scores[lo:hi] = idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * fl / avg[field])))
        self._scores = scores
        self._groups: dict[tuple, _Group] = {}
        self._cached = 0  # postings held by _groups

    @classmethod
    def load(cls, folder: Path) -> PostingsScorer | None:
        path = folder / POSTINGS_FILE
        if not path.exists():
            return None
        with np.load(path) as data:
            return cls({k: data[k] for k in data.files})

    @classmethod
    def from_reader(cls, reader, fields: Iterable[str]) -> PostingsScorer:
        return cls(extract_postings(reader, fields))

    def frequency(self, field: str, text: str) -> int:
        """Documents holding `text` in `field` (a dictionary lookup: no index file is read)."""
        lo, hi = self._slices.get((field, text), (0, 0))
        return hi - lo

    def terms(self, field: str) -> list[str]:
        """Every term indexed in `field`."""
        return [text for f, text in self._slices if f == field]

    def docs_of(self, field: str, text: str) -> np.ndarray:
        lo, hi = self._slices.get((field, text), (0, 0))
        return self._docs[lo:hi]

    def evaluate(self, query: Q.Query) -> Evaluation:
        """The query's scores; TypeError for a node type other than Term, And, Or and FieldGroup."""
        node = self._eval(query)
        if node is None:
            return Evaluation(np.zeros(0, dtype=np.int32), np.zeros(0))
        return Evaluation(node.docs, node.scores)

    def matches(self, q: Q.Query, docs: np.ndarray) -> tuple[np.ndarray, list[tuple[tuple[str, str], np.ndarray]]]:
        """Which of `docs` the query matches, and for each (field, term) leaf which of them it matched in (leaves
        matching none may be left out). An And's terms count only where all of them match, as in Whoosh's
        matched_terms()."""
        if type(q) is FieldGroup and q.key is not None:
            group = self._group(q)
            if group.node is None or not len(group.node.docs):
                return np.zeros(len(docs), dtype=bool), []
            at = np.minimum(np.searchsorted(group.node.docs, docs), len(group.node.docs) - 1)
            mask = group.node.docs[at] == docs
            bits = np.where(mask, group.fields[at], 0)
            present = int(np.bitwise_or.reduce(bits))
            terms, fields = q.key
            return mask, [((field, term), (bits >> i) & 1 == 1) for i, field in enumerate(fields)
                          if present >> i & 1 for term in terms]
        if isinstance(q, Q.Term):
            postings = self.docs_of(q.fieldname, q.text)
            at = np.minimum(np.searchsorted(postings, docs), max(len(postings) - 1, 0))
            mask = postings[at] == docs if len(postings) else np.zeros(len(docs), dtype=bool)
            return mask, [((q.fieldname, q.text), mask)]
        if not isinstance(q, Q.CompoundQuery) or not q.subqueries:
            return np.zeros(len(docs), dtype=bool), []
        parts = [self.matches(sub, docs) for sub in q.subqueries]
        masks = np.array([m for m, _ in parts])
        mask = masks.all(axis=0) if isinstance(q, Q.And) else masks.any(axis=0)
        leaves = [(leaf, m & mask) if isinstance(q, Q.And) else (leaf, m) for _, ls in parts for leaf, m in ls]
        return mask, leaves

    def _group(self, q: FieldGroup) -> _Group:
        group = self._groups.get(q.key)
        if group is None:
            node = self._eval(Q.Or(q.subqueries))  # unboosted: the boost applies per use
            bits = np.zeros(len(node.docs) if node is not None else 0, dtype=np.uint16)
            for i, sub in enumerate(q.subqueries):
                found = self._eval(sub) if node is not None else None
                if found is not None and len(found.docs):
                    bits[np.searchsorted(node.docs, found.docs)] |= 1 << i
            group = _Group(node, bits)
            if self._cached > GROUP_CACHE:
                self._groups, self._cached = {}, 0
            self._groups[q.key] = group
            self._cached += len(bits)
        return group

    def _eval(self, q: Q.Query) -> _Node | None:
        kind = type(q)
        if kind is FieldGroup and q.key is not None:
            node = self._group(q).node
            if node is None:
                return None
            return _Node(node.docs, node.scores * q.boost if q.boost != 1.0 else node.scores, node.matching,
                         node.termcount)
        if kind is Q.Term:
            lo, hi = self._slices.get((q.fieldname, q.text), (0, 0))
            if lo == hi:
                return None
            scores = self._scores[lo:hi] * q.boost if q.boost != 1.0 else self._scores[lo:hi]
            return _Node(self._docs[lo:hi], scores, np.ones(hi - lo, dtype=np.int32), 1)
        if kind in (Q.Or, Q.And):
            subs = q.subqueries
            if not subs:
                return None
            if len(subs) == 1:  # Whoosh uses the single child's matcher as it is: no boost, no coordination
                return self._eval(subs[0])
            nodes = [self._eval(s) for s in subs]
            node = _union(nodes, self.doc_count) if kind is Q.Or else _intersection(nodes)
            if node is None:
                return None
            if q.boost != 1.0:
                node.scores = node.scores * q.boost
            scale = getattr(q, "scale", None)
            if kind is Q.Or and scale and node.termcount:
                node.scores = _sqr(node.scores, node.matching, node.termcount, scale)
            return node
        raise TypeError(f"the keyword scorer does not evaluate {kind.__name__} queries")


def _union(nodes: list[_Node | None], doc_count: int) -> _Node | None:
    present = [n for n in nodes if n is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    if sum(len(n.docs) for n in present) * 8 < doc_count:  # small: merge sorted lists
        docs = np.concatenate([n.docs for n in present])
        docs.sort()  # unique by sorting: np.unique costs three times as much on arrays this small
        docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
        scores = np.zeros(len(docs))
        matching = np.zeros(len(docs), dtype=np.int32)
        for n in present:
            at = np.searchsorted(docs, n.docs)
            scores[at] += n.scores
            matching[at] += n.matching
    else:  # large: accumulate over every document (a child's docs are unique, so += is safe)
        dense = np.zeros(doc_count)
        counts = np.zeros(doc_count, dtype=np.int32)
        for n in present:
            dense[n.docs] += n.scores
            counts[n.docs] += n.matching
        docs = np.flatnonzero(counts).astype(np.int32)
        scores, matching = dense[docs], counts[docs]
    return _Node(docs, scores, matching, sum(n.termcount for n in present))


def _intersection(nodes: list[_Node | None]) -> _Node | None:
    if any(n is None for n in nodes):
        return None
    docs = nodes[0].docs
    for n in nodes[1:]:
        docs = np.intersect1d(docs, n.docs, assume_unique=True)
    scores = np.zeros(len(docs))
    matching = np.zeros(len(docs), dtype=np.int32)
    for n in nodes:
        at = np.searchsorted(n.docs, docs)
        scores += n.scores[at]
        matching += n.matching[at]
    return _Node(docs, scores, matching, sum(n.termcount for n in nodes))


def _sqr(scores: np.ndarray, matching: np.ndarray, termcount: int, scale: float) -> np.ndarray:
    """whoosh.matching.CoordMatcher: rewards documents matching more of the query's terms.

    Except that a query with one (field, term) present keeps its scores: Whoosh's formula multiplies them by
    (1 - 1) / 1 = 0, which would rank every match equal.
    """
    if termcount <= 1 or termcount == scale:
        return scores
    return (scores + (matching - 1) / (termcount - scale) ** 2) * ((termcount - 1) / termcount)
