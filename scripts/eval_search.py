"""Search quality: recall@1, recall@3 and MRR@10 for keyword, semantic and hybrid on labelled questions.

    .venv/bin/python scripts/eval_search.py                       # the dev, paraphrase and unrelated sets
    .venv/bin/python scripts/eval_search.py --data scripts/data/search-paraphrases.yaml --misses
    .venv/bin/python scripts/eval_search.py --sweep               # hybrid over a grid of fusion settings

Brings the indexes in KB_INDEX_DIR up to date first (only changed passages are embedded), then waits for
the model. Ranks count every result as the user sees the list, glossary entries included.
"""
from __future__ import annotations

import argparse
import itertools
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import load_config  # noqa: E402
from app.content.repository import ContentRepository  # noqa: E402
from app.search.build import build_keyword  # noqa: E402
from app.search.embedder import SentenceTransformerEmbedder  # noqa: E402
from app.search.evaluation import Question, Scores, first_relevant_rank, load_questions, score  # noqa: E402
from app.search.hybrid import DEFAULT_OFFSETS, DEFAULT_WEIGHTS, RRF_K  # noqa: E402
from app.search.semantic import SemanticSearcher  # noqa: E402
from app.search.service import SearchService  # noqa: E402
from app.search.store import IndexStore  # noqa: E402

MODES = ("keyword", "semantic", "hybrid")
DEFAULT_DATA = [ROOT / ".." / "shared" / "data" / "assist-dev.yaml",
                ROOT / "scripts" / "data" / "search-paraphrases.yaml"]
#: questions nothing answers: every mode should give them no result (the relevance floor)
UNRELATED = ROOT / "scripts" / "data" / "search-unrelated.yaml"


class CachedEmbedder:
    """The real embedder with a memo of query vectors, so a sweep embeds each question once."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.relevance_floor = inner.relevance_floor
        self._memo: dict[tuple[str, ...], np.ndarray] = {}

    def load(self) -> None:
        self.inner.load()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self._memo:
            self._memo[key] = self.inner.encode(texts)
        return self._memo[key]


def run(service: SearchService, questions: list[Question], covers: dict[str, set[str]],
        modes: Sequence[str] = MODES) -> dict[str, list[int | None]]:
    ranks: dict[str, list[int | None]] = {m: [] for m in modes}
    for q in questions:
        for mode in modes:
            r = service.search(q.text, mode=mode, limit=10)
            if r.degraded:
                print(f"{q.id} {mode}: degraded: {r.notice}", file=sys.stderr)
            ranks[mode].append(first_relevant_rank(r.hits, q.expected, lambda s: covers.get(s, ())))
    return ranks


def row(name: str, s: Scores) -> str:
    return f"{name:<10}{s.recall_at_1:>10.3f}{s.recall_at_3:>10.3f}{s.mrr_at_10:>10.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append",
                        help="question set (YAML items: id, q, expect_scenario, also_acceptable, expect_article); "
                             "repeatable; default ../shared/data/assist-dev.yaml and "
                             "scripts/data/search-paraphrases.yaml")
    parser.add_argument("--misses", action="store_true", help="list questions hybrid does not answer in the top 3")
    parser.add_argument("--ranks", action="store_true", help="print every question's rank in each mode")
    parser.add_argument("--keyword-weight", type=float, default=DEFAULT_WEIGHTS["keyword"])
    parser.add_argument("--semantic-weight", type=float, default=DEFAULT_WEIGHTS["semantic"])
    parser.add_argument("--rrf-k", type=float, default=RRF_K)
    parser.add_argument("--sweep", action="store_true", help="hybrid scores over a grid of weights and k")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    config = load_config()
    repo = ContentRepository(Path(config["KB_CONTENT_DIR"]))
    store = IndexStore(Path(config["KB_INDEX_DIR"]))
    embedder = CachedEmbedder(SentenceTransformerEmbedder())
    weights = {"keyword": args.keyword_weight, "semantic": args.semantic_weight}
    semantic = SemanticSearcher(repo, store, embedder, weights=weights, rrf_k=args.rrf_k)
    semantic.start()
    build_keyword(repo, store)
    semantic.build()
    if not semantic.wait_ready(timeout=300) or semantic.status():
        print(f"semantic search is not ready: {semantic.status()}", file=sys.stderr)
        return 1
    service = SearchService(repo, store, semantic=semantic)
    covers = {a.slug: set(a.covers()) for a in repo.published()}

    for data in args.data or DEFAULT_DATA:
        questions = load_questions(data)
        print(f"{data}: {len(questions)} questions with an expected scenario or article")
        if args.sweep:
            print(f"{'gloss':>6}{'sem':>5}{'k':>5}{'mode':>9}{'recall@1':>10}{'recall@3':>10}{'MRR@10':>10}")
            grid = itertools.product((0.0, -0.2), (0.3, 0.5, 0.7, 1.0, 1.2), (10, 30, 60))
            for off, sem, k in grid:
                semantic.weights, semantic.rrf_k = {"keyword": 1.0, "semantic": sem}, k
                semantic.offsets = {"glossary": off}
                ranks = run(service, questions, covers, ("semantic", "hybrid"))
                for mode, found in ranks.items():
                    s = score(found)
                    print(f"{off:>6}{sem:>5}{k:>5}{mode:>9}"
                          f"{s.recall_at_1:>10.3f}{s.recall_at_3:>10.3f}{s.mrr_at_10:>10.3f}")
            semantic.weights, semantic.rrf_k, semantic.offsets = weights, args.rrf_k, dict(DEFAULT_OFFSETS)
            print()
            continue
        ranks = run(service, questions, covers)
        print(f"{'mode':<10}{'recall@1':>10}{'recall@3':>10}{'MRR@10':>10}")
        for mode in MODES:
            print(row(mode, score(ranks[mode])))
        if args.ranks or args.misses:
            for i, q in enumerate(questions):
                found = {m: ranks[m][i] for m in MODES}
                if args.ranks or found["hybrid"] is None or found["hybrid"] > 3:
                    cells = " ".join(f"{m[:3]}={'-' if found[m] is None else found[m]:<3}" for m in MODES)
                    print(f"  {q.id:<7} {cells} {'/'.join(q.expected):<22} {q.text[:70]}")
        print()
    unrelated = [str(item["q"]) for item in yaml.safe_load(UNRELATED.read_text(encoding="utf-8"))["items"]]
    print(f"{UNRELATED.relative_to(ROOT)}: {len(unrelated)} questions nothing answers; given any result:")
    for mode in MODES:
        shown = [q for q in unrelated if service.search(q, mode=mode, limit=10).hits]
        print(f"{mode:<10}{len(shown):>4}  {'; '.join(shown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
