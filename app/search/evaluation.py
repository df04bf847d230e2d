"""Search quality on a labelled question set: recall@1, recall@3 and MRR@10 (used by scripts/eval_search.py).

A question is answered at rank r when the r-th result (as the user sees the list, glossary entries included)
is an article whose front matter (scenarios, topics, service_requests) lists one of the expected ids.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.search.models import SearchHit


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    expected: tuple[str, ...]  # DIP-.., SR-.. or KA-.. ids; any one will do


@dataclass(frozen=True)
class Scores:
    questions: int
    recall_at_1: float
    recall_at_3: float
    mrr_at_10: float


def load_questions(path: Path) -> list[Question]:
    """Items with an expected scenario (plus also_acceptable) or an expected article topic; others are skipped."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    questions = []
    for item in data.get("items") or []:
        expected = [item.get("expect_scenario"), *(item.get("also_acceptable") or []), item.get("expect_article")]
        ids = tuple(dict.fromkeys(str(x).strip() for x in expected if x))
        if ids and item.get("q"):
            questions.append(Question(str(item["id"]), str(item["q"]).strip(), ids))
    return questions


def first_relevant_rank(hits: Sequence[SearchHit], expected: Iterable[str],
                        covers: Callable[[str], Iterable[str]]) -> int | None:
    """1-based rank of the first article covering an expected id; None when none is listed."""
    wanted = set(expected)
    for rank, hit in enumerate(hits, start=1):
        if hit.kind == "article" and wanted.intersection(covers(hit.slug)):
            return rank
    return None


def score(ranks: Sequence[int | None], mrr_depth: int = 10) -> Scores:
    n = len(ranks)
    if not n:
        return Scores(0, 0.0, 0.0, 0.0)
    found = [r for r in ranks if r is not None]
    return Scores(
        questions=n,
        recall_at_1=sum(r <= 1 for r in found) / n,
        recall_at_3=sum(r <= 3 for r in found) / n,
        mrr_at_10=sum(1 / r for r in found if r <= mrr_depth) / n,
    )
