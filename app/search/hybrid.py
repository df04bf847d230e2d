"""Pure ranking arithmetic: fold passage matches into documents, and fuse rankings by reciprocal rank.

Reciprocal rank fusion scores a document sum(weight / (k + rank)) over the rankings it appears in, so BM25
scores and cosine similarities never need to be put on one scale.
"""
from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

#: k in 1/(k + rank): about 60 in the literature; larger flattens the difference between top ranks.
RRF_K = 60.0
#: how much each ranking counts in hybrid search. Chosen over weighted RRF (semantic 0.3-1.2, k 5-60) and a
#: score-normalised combination (keyword share 0.2-0.8) as the setting at least as good as keyword alone and
#: semantic alone at recall@1, recall@3 and MRR@10 on both public sets, and on each half of the paraphrase set
#: when the other half was used to choose (`scripts/eval_search.py --sweep` prints the RRF grid). Keyword leads;
#: meaning breaks its ties and rescues what it misses: on users' own wording keyword alone is the stronger part.
DEFAULT_WEIGHTS: Mapping[str, float] = {"keyword": 1.0, "semantic": 0.3}
#: keyword scores within this share of each other are a tie, which the semantic ranking breaks (tied_positions):
#: BM25 orders near-equal documents by accidents of wording (a repeated word, a longer section), so "keyword
#: leads" holds only where keyword is clear. Chosen the same way as the weights, with them unchanged: on the
#: paraphrase set 0.95 takes hybrid recall@1 from 0.689 to 0.756 (semantic alone 0.711), 0.9 and 0.8 to 0.733,
#: and recall@3 and MRR@10 stay at least as good on both public sets and on each half of the paraphrases.
KEYWORD_TIE = 0.95
#: kind -> added to cosine similarity when ordering semantic results (the keyword side halves glossary scores).
DEFAULT_OFFSETS: Mapping[str, float] = {"glossary": -0.2}


@dataclass(frozen=True)
class PassageMatch:
    """One passage found by vector search."""

    kind: str
    slug: str
    section: str | None
    score: float
    passage_id: str = ""


@dataclass(frozen=True)
class FoldedMatch:
    """A document's best passage: its section, its similarity, and how many of its passages matched."""

    kind: str
    slug: str
    section: str | None
    similarity: float
    passages: int = 1
    passage_id: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.slug


@dataclass(frozen=True)
class Fused(Generic[K]):
    key: K
    score: float
    ranks: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)  # ranking name -> 1-based rank


def fold_passages(matches: Iterable[PassageMatch], offsets: Mapping[str, float] | None = None) -> list[FoldedMatch]:
    """One entry per document at its best passage, best first; equal scores keep their first-seen order.

    `offsets` (kind -> added to the similarity for ordering only) lets articles outrank a glossary definition
    that is merely about the same subject.
    """
    matches = list(matches)
    offsets = offsets or {}
    keys: dict[tuple[str, str], int] = {}
    docs = np.array([keys.setdefault((m.kind, m.slug), len(keys)) for m in matches], dtype=np.int64)
    scores = np.array([m.score for m in matches], dtype=np.float64)
    shifts = np.array([offsets.get(kind, 0.0) for kind, _ in keys], dtype=np.float64)
    best, passages = fold_arrays(docs, scores, shifts)
    return [FoldedMatch(m.kind, m.slug, m.section, m.score, int(n), m.passage_id)
            for m, n in zip((matches[i] for i in best.tolist()), passages.tolist(), strict=True)]


def fold_arrays(docs: np.ndarray, scores: np.ndarray, offsets: np.ndarray | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """fold_passages over arrays, for search: passage i belongs to document number docs[i] and has similarity
    scores[i] (float64); offsets[d] is added to document d's similarity for ordering.

    Returns, one entry per document in fold_passages' order, the position of its best passage (the first of
    its highest-scoring ones) and how many passages it has.
    """
    n = len(docs)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    positions = np.arange(n)
    by_doc = np.lexsort((positions, -scores, docs))  # each document's passages together, best first
    grouped = docs[by_doc]
    starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    best = by_doc[starts]
    passages = np.diff(np.append(starts, n))
    first_seen = np.argsort(np.minimum.reduceat(by_doc, starts))  # documents in the order they first appear
    best, passages = best[first_seen], passages[first_seen]
    key = scores[best] if offsets is None else scores[best] + offsets[docs[best]]
    order = np.argsort(-key, kind="stable")  # stable: ties keep their first-seen order
    return best[order], passages[order]


def tied_positions(scores: Sequence[float], tie: float = KEYWORD_TIE) -> list[int]:
    """1-based positions of scores sorted best first, where a score within `tie` of a better one shares its
    position: each is placed after only the scores that beat it by more than that."""
    ascending = sorted(scores)
    return [1 + len(ascending) - bisect.bisect_right(ascending, s / tie) for s in scores]


def fuse(rankings: Mapping[str, Sequence[K]], weights: Mapping[str, float] | None = None,
         k: float = RRF_K, positions: Mapping[str, Sequence[int]] | None = None) -> list[Fused[K]]:
    """Reciprocal rank fusion of named rankings (best first); a key repeated within a ranking counts once.
    `positions` gives a ranking (of distinct keys) positions other than 1, 2, 3... (ties: tied_positions).

    Ties are broken by the best single rank, then by the order of the rankings given.
    """
    weights = DEFAULT_WEIGHTS if weights is None else weights
    positions = positions or {}
    scores: dict[K, float] = {}
    ranks: dict[K, dict[str, int]] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        keys = dict.fromkeys(ranking)
        for position, key in zip(positions.get(name, range(1, len(keys) + 1)), keys, strict=True):
            scores[key] = scores.get(key, 0.0) + weight / (k + position)
            ranks.setdefault(key, {})[name] = position
    order = {key: i for i, key in enumerate(scores)}
    ordered = sorted(scores, key=lambda key: (-scores[key], min(ranks[key].values()), order[key]))
    return [Fused(key, scores[key], ranks[key]) for key in ordered]
