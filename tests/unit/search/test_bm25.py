"""The array scorer gives Whoosh's scores, coordination included, except where Whoosh's would rank wrongly."""
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as Q

from app.content.repository import ContentRepository
from app.search.bm25 import POSTINGS_FILE, FieldGroup, PostingsScorer, _sqr
from app.search.build import build_keyword
from app.search.keyword import SEARCH_FIELDS, KeywordIndex
from app.search.store import IndexStore
from app.search.synonyms import Synonyms


@pytest.fixture
def index(content_dir: Path, tmp_path: Path) -> KeywordIndex:
    store = IndexStore(tmp_path / "index")
    build_keyword(ContentRepository(content_dir), store)
    return KeywordIndex.open(store.path("keyword"), Synonyms([["bounce", "returned"]]))


def whoosh_scores(index: KeywordIndex, q: Q.Query) -> dict[int, float]:
    with index._ix.searcher() as s:
        return {hit.docnum: hit.score for hit in s.search(q, limit=None)}


def ours(index: KeywordIndex, q: Q.Query) -> dict[int, float]:
    found = index._scorer.evaluate(q)
    return {int(d): float(s) for d, s in zip(found.docs, found.scores, strict=True)}


@pytest.mark.parametrize("text", ["webhook", "message bounced back", "certificate upload GlobalSign", "IF-036 D0010",
                                  "raise a case", "ldso registration"])
def test_scores_equal_whoosh_without_coordination(index, text):
    q, _, _ = index._build_query(text)
    flat = Q.Or(q.subqueries)  # no scale: Whoosh's coordination depends on the order it visits documents
    assert ours(index, flat) == pytest.approx(whoosh_scores(index, flat))


def test_and_requires_every_term_and_boosts_multiply(index):
    both = Q.And([Q.Term("body", "messag"), Q.Term("body", "return")], boost=0.5)
    assert ours(index, both) == pytest.approx(whoosh_scores(index, both))
    assert ours(index, Q.And([Q.Term("body", "messag"), Q.Term("body", "nosuchword")])) == {}


def test_coordination_rewards_documents_matching_more_terms():
    scores = _sqr(np.array([2.0, 2.0]), np.array([1, 3]), termcount=4, scale=0.9)
    assert scores[1] > scores[0]
    assert scores[0] == pytest.approx(2.0 * 3 / 4)


def whoosh_coordinated(index: KeywordIndex, q: Q.Query, docs) -> dict[int, float]:
    """Whoosh's score of each document by a fresh matcher, which counts all the query's terms for coordination
    (a search reuses one matcher, whose count shrinks as its term matchers run out)."""
    out = {}
    with index._ix.searcher() as s:
        for doc in docs:
            m = q.matcher(s)
            m.skip_to(doc)
            if m.is_active() and m.id() == doc:
                out[doc] = m.score()
    return out


@pytest.mark.parametrize("text", ["message bounced back", "certificate upload GlobalSign", "IF-036 D0010",
                                  "raise a case", "ldso registration webhook"])
def test_scores_equal_whoosh_with_coordination(index, text):
    q, _, _ = index._build_query(text)
    assert isinstance(q, Q.Or) and q.scale and len(q.subqueries) > 1
    mine = ours(index, q)
    assert mine and mine == pytest.approx(whoosh_coordinated(index, q, sorted(mine)))
    assert whoosh_coordinated(index, q, range(index._scorer.doc_count)).keys() == mine.keys()


def test_a_query_with_one_term_present_ranks_by_that_terms_bm25(index):
    """Whoosh's coordination gives every document 0 here (factor (1 - 1) / 1), leaving them in index order."""
    alone = Q.Term("body", "messag")
    q = Q.Or([alone, Q.Term("body", "nosuchword"), Q.Term("title", "nosuchword")], scale=0.9)
    assert set(whoosh_coordinated(index, q, ours(index, q)).values()) == {0.0}
    assert ours(index, q) == pytest.approx(ours(index, alone))
    assert len(set(ours(index, q).values())) > 1


def test_one_known_word_among_unknown_ones_is_ranked_by_its_score(index):
    body_only = next(t for t in index._scorer.terms("body") if t.isalpha() and len(index._scorer.docs_of("body", t)) > 2
                     and not any(index._scorer.frequency(f, t) for f in SEARCH_FIELDS if f != "body"))
    hits, _ = index.search(f"{body_only} qqqq zzzz", limit=10)
    assert len(hits) > 2 and all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score > hits[-1].score


def test_query_nodes_the_scorer_does_not_model_are_an_error_not_a_silent_fallback(index):
    with pytest.raises(TypeError):
        index._scorer.evaluate(Q.Or([Q.Term("body", "webhook"), Q.Prefix("body", "web")]))


def test_postings_are_saved_with_the_index_and_match_a_fresh_extraction(index, tmp_path):
    folder = next((tmp_path / "index").glob("keyword-*"))
    assert (folder / POSTINGS_FILE).exists()
    saved = PostingsScorer.load(folder)
    fresh = PostingsScorer.from_reader(index._ix.reader(), SEARCH_FIELDS)
    q = Q.Or([Q.Term(f, "webhook") for f in SEARCH_FIELDS], scale=0.9)
    a, b = saved.evaluate(q), fresh.evaluate(q)
    assert np.array_equal(a.docs, b.docs) and np.allclose(a.scores, b.scores)


@pytest.mark.parametrize("terms, boost", [(["webhook"], 1.0), (["messag", "return"], 0.5), (["nosuchword"], 1.0)])
def test_a_field_group_scores_and_explains_like_the_tree_it_stands_for(index, terms, boost):
    plain = Q.Or([Q.And([Q.Term(f, t) for t in terms]) if len(terms) > 1 else Q.Term(f, terms[0])
                  for f in SEARCH_FIELDS], boost=boost)
    query = Q.Or([FieldGroup.of(terms, SEARCH_FIELDS, boost), Q.Term("body", "case")], scale=0.9)
    same = Q.Or([plain, Q.Term("body", "case")], scale=0.9)
    for _ in range(2):  # the second time from the scorer's cache, which must come back unchanged
        assert ours(index, query) == pytest.approx(ours(index, same))
    docs = np.arange(index._scorer.doc_count, dtype=np.int32)
    mask, leaves = index._scorer.matches(query, docs)
    want_mask, want_leaves = index._scorer.matches(same, docs)
    assert np.array_equal(mask, want_mask)
    matched = {(leaf, int(d)) for leaf, m in leaves for d in docs[m]}
    assert matched == {(leaf, int(d)) for leaf, m in want_leaves for d in docs[m]}
    assert terms == ["nosuchword"] or matched
