import pytest

from app.search.hybrid import FoldedMatch, PassageMatch, fold_passages, fuse, tied_positions


def P(slug, score, section=None, kind="article", pid=""):
    return PassageMatch(kind, slug, section, score, pid or f"{kind}:{slug}#{section}")


@pytest.mark.parametrize("matches, expected", [
    pytest.param([], [], id="nothing"),
    pytest.param([P("a", 0.9, "intro")], [("a", "intro", 0.9, 1)], id="one passage"),
    pytest.param([P("a", 0.9, "fix"), P("a", 0.5, "intro"), P("b", 0.7, None)],
                 [("a", "fix", 0.9, 2), ("b", None, 0.7, 1)], id="best passage links the section"),
    pytest.param([P("a", 0.4, "intro"), P("b", 0.6), P("a", 0.8, "fix")],
                 [("a", "fix", 0.8, 2), ("b", None, 0.6, 1)], id="a later, better passage wins"),
    pytest.param([P("a", 0.5), P("b", 0.5)], [("a", None, 0.5, 1), ("b", None, 0.5, 1)], id="ties keep order"),
])
def test_folds_passages_into_one_result_per_document(matches, expected):
    folded = fold_passages(matches)
    assert [(f.slug, f.section, f.similarity, f.passages) for f in folded] == expected


def test_folding_keeps_the_best_passage_id_and_separates_kinds():
    folded = fold_passages([P("dip", 0.3, kind="glossary", pid="g"), P("dip", 0.6, "x", pid="best"), P("dip", 0.2)])
    assert [(f.kind, f.slug, f.passage_id) for f in folded] == [("article", "dip", "best"), ("glossary", "dip", "g")]


@pytest.mark.parametrize("offsets, expected", [
    ({}, ["term", "article"]),
    ({"glossary": -0.2}, ["article", "term"]),
    ({"glossary": -0.05}, ["term", "article"]),
])
def test_kind_offsets_change_the_order_but_not_the_similarity(offsets, expected):
    folded = fold_passages([P("term", 0.7, kind="glossary"), P("article", 0.6)], offsets)
    assert [f.slug for f in folded] == expected
    assert {f.slug: f.similarity for f in folded} == {"term": 0.7, "article": 0.6}


def test_folded_match_key_names_kind_and_slug():
    assert FoldedMatch("glossary", "dip", None, 0.1).key == ("glossary", "dip")


@pytest.mark.parametrize("rankings, weights, k, expected", [
    pytest.param({"keyword": [], "semantic": []}, None, 60, [], id="empty"),
    pytest.param({"keyword": ["a", "b"], "semantic": ["a", "b"]}, {}, 60, ["a", "b"], id="agreement"),
    pytest.param({"keyword": ["a", "b", "c"], "semantic": ["b", "c", "a"]}, {}, 60, ["b", "a", "c"],
                 id="best on both together wins"),
    pytest.param({"keyword": ["a", "b"], "semantic": ["c", "b"]}, {}, 60, ["b", "a", "c"],
                 id="found by both beats first in one"),
    pytest.param({"keyword": ["a", "x"], "semantic": ["b", "x"]}, {}, 60, ["x", "a", "b"], id="consensus wins"),
    pytest.param({"keyword": ["a"], "semantic": ["b"]}, {}, 60, ["a", "b"], id="tie: ranking order decides"),
    pytest.param({"keyword": ["a"], "semantic": ["b"]}, {"semantic": 2.0}, 60, ["b", "a"], id="weights"),
    pytest.param({"keyword": ["a", "b"], "semantic": ["b"]}, {"keyword": 1.0, "semantic": 0.0}, 60, ["a", "b"],
                 id="zero weight ignores a ranking"),
    pytest.param({"keyword": ["a", "a", "b"]}, {}, 60, ["a", "b"], id="duplicates count once"),
])
def test_reciprocal_rank_fusion(rankings, weights, k, expected):
    assert [f.key for f in fuse(rankings, weights, k)] == expected


def test_fused_score_is_the_weighted_sum_of_reciprocal_ranks_and_keeps_each_rank():
    [top, *_] = fuse({"keyword": ["a", "b"], "semantic": ["b", "a"]}, {"keyword": 1.0, "semantic": 0.5}, k=10)
    assert top.key == "a"
    assert top.score == pytest.approx(1 / 11 + 0.5 / 12)
    assert dict(top.ranks) == {"keyword": 1, "semantic": 2}


@pytest.mark.parametrize("k, expected", [(1, ["a", "b"]), (1000, ["b", "a"])])
def test_small_k_favours_a_single_top_rank_and_large_k_favours_consensus(k, expected):
    rankings = {"keyword": ["a", "b"], "semantic": ["c", "b"], "other": ["d", "e", "f", "a"]}
    assert [f.key for f in fuse(rankings, {}, k)][:2] == expected


@pytest.mark.parametrize("scores, expected", [
    pytest.param([], [], id="nothing"),
    pytest.param([9.0, 5.0, 2.0], [1, 2, 3], id="clear gaps keep their order"),
    pytest.param([100.0, 97.0, 90.0, 50.0, 49.0], [1, 1, 3, 4, 4], id="within 5% shares the better position"),
    pytest.param([3.0, 3.0, 3.0], [1, 1, 1], id="equal scores"),
])
def test_near_equal_keyword_scores_share_a_position(scores, expected):
    assert tied_positions(scores, 0.95) == expected


def test_meaning_breaks_a_keyword_near_tie_but_not_a_clear_keyword_lead():
    weights = {"keyword": 1.0, "semantic": 0.3}
    semantic = ["b", "a"]  # meaning prefers b
    near = fuse({"keyword": ["a", "b"], "semantic": semantic}, weights, 60,
                {"keyword": tied_positions([10.0, 9.8])})
    clear = fuse({"keyword": ["a", "b"], "semantic": semantic}, weights, 60,
                 {"keyword": tied_positions([10.0, 8.0])})
    assert [f.key for f in near] == ["b", "a"] and dict(near[0].ranks) == {"keyword": 1, "semantic": 1}
    assert [f.key for f in clear] == ["a", "b"]


def _fold_by_definition(matches, offsets):
    """The plain definition: each document at its first best passage, in first-seen order, stably by score."""
    best: dict = {}
    for m in matches:
        seen = best.setdefault((m.kind, m.slug), [m, 0])
        seen[1] += 1
        if m.score > seen[0].score:
            seen[0] = m
    ordered = sorted(best.values(), key=lambda b: -(b[0].score + offsets.get(b[0].kind, 0.0)))
    return [(m.kind, m.slug, m.section, m.score, n, m.passage_id) for m, n in ordered]


@pytest.mark.parametrize("seed", range(20))
def test_folding_as_arrays_agrees_with_the_definition_on_random_passages(seed):
    import random

    rng = random.Random(seed)
    scores = [round(rng.uniform(-0.2, 1.0), 1) for _ in range(rng.randint(1, 60))]  # one decimal: many ties
    matches = [P(f"d{rng.randint(0, 12)}", s, f"s{i}", rng.choice(["article", "glossary"]), f"p{i}")
               for i, s in enumerate(scores)]
    offsets = {"glossary": -0.2}
    assert [(f.kind, f.slug, f.section, f.similarity, f.passages, f.passage_id)
            for f in fold_passages(matches, offsets)] == _fold_by_definition(matches, offsets)
