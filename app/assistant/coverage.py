"""Weighted word coverage of a question over every piece of evidence at once, with numpy postings."""
from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.assistant.targets import Target
from app.assistant.text import Query

#: scores are reported rounded to this many decimal places, and ranked as rounded
PLACES = 4

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
