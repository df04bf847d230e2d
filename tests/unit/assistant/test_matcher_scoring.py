"""Word coverage over all evidence at once, and which scores can make the kept top lists."""
from __future__ import annotations

import numpy as np
import pytest

from app.assistant.coverage import PLACES, FieldPostings, contenders, word_coverage
from app.assistant.targets import Target, TextField
from app.assistant.text import Alternative, Concept, Query


def _target(ident: str, *fields: tuple[dict[str, int], float, bool]) -> Target:
    return Target("article", ident, ident, tuple(TextField(f"f{i}", terms, w, sat)
                                                  for i, (terms, w, sat) in enumerate(fields)))


TARGETS = [
    _target("cert", ({"cert": 1, "upload": 1}, 1.0, False), ({"cert": 3, "expir": 1}, 0.6, True)),
    _target("upload", ({"upload": 2}, 1.0, False)),
    _target("password", ({"password": 1, "reset": 2}, 0.7, True)),
    _target("hours", ({"hours": 1, "cert": 1}, 1.0, False)),
    _target("hour", ({"hour": 1, "cert": 1}, 1.0, False)),
]


def _concept(word: str, weight: float, *alternatives: tuple[tuple[str, ...], float]) -> Concept:
    return Concept(word, weight, tuple(Alternative(terms, factor, " ".join(terms)) for terms, factor in alternatives),
                   True)


def _coverage(*concepts: Concept):
    return word_coverage(FieldPostings(TARGETS), Query("q", concepts), len(TARGETS))


def test_best_field_and_alternative_per_word_weighted_by_the_question():
    cov = _coverage(_concept("cert", 2.0, (("cert",), 1.0)), _concept("upload", 1.0, (("upload",), 1.0)),
                    _concept("renew", 1.0, (("password", "reset"), 0.8)))
    # cert: own field 1.0 beats the saturated body 0.6 x 3/4; renew: both terms in one field, fewest mentions 1
    assert cov.scores == pytest.approx([(2.0 + 1.0) / 4, 1.0 / 4, 0.7 * 0.8 * 0.5 / 4, 2.0 / 4, 2.0 / 4])
    assert cov.covered.tolist() == [True] * 5
    assert [cov.matched(i) for i in range(5)] == [["cert", "upload"], ["upload"], ["renew"], ["cert"], ["cert"]]


@pytest.mark.parametrize(("terms", "expected"), [
    (("password", "reset"), [False, False, True, False, False]),  # all terms in the same field
    (("password", "cert"), [False] * 5),  # never in one field together
    (("nowhere",), [False] * 5),
])
def test_an_alternative_needs_every_term_in_one_field(terms, expected):
    assert _coverage(_concept("x", 1.0, (terms, 1.0))).covered.tolist() == expected


def test_a_repeated_word_counts_once_in_the_order_each_target_meets_it():
    # "hour" twice (as the added timing concept can repeat a word); equal weights keep the order met
    cov = _coverage(_concept("hour", 1.0, (("hours",), 1.0)), _concept("cert", 1.0, (("cert",), 1.0)),
                    _concept("hour", 1.0, (("hour",), 1.0)))
    assert cov.words == ("hour", "cert")
    assert cov.matched(3) == ["hour", "cert"]  # met by the first "hour" concept
    assert cov.matched(4) == ["cert", "hour"]  # met by the last one only
    assert cov.scores[4] == pytest.approx(2 / 3)


def test_no_concepts_cover_nothing():
    cov = _coverage()
    assert not cov.covered.any() and not cov.scores.any()


@pytest.mark.parametrize(("scores", "limit", "expected"), [
    ([0.3, 0.1], 5, [0, 1]),  # fewer than the limit: all
    ([0.5, 0.40004, 0.40001, 0.3, 0.39985], 2, [0, 1, 2, 4]),  # within rounding of the 2nd best stay in
    ([0.9, 0.8, 0.7, 0.1], 2, [0, 1]),
])
def test_contenders(scores, limit, expected):
    pool = np.arange(len(scores))
    assert contenders(np.array(scores), pool, limit).tolist() == expected


def test_contenders_hold_the_top_list_after_rounding():
    rng = np.random.default_rng(7)
    scores = np.round(rng.random(2000) * 0.01, 5)  # many scores equal after rounding
    pool = np.flatnonzero(rng.random(2000) < 0.7)
    kept = set(contenders(scores, pool, 10).tolist())
    best = sorted(pool.tolist(), key=lambda i: (-round(float(scores[i]), PLACES), i))[:10]
    assert set(best) <= kept and len(kept) < len(pool)
