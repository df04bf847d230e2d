import pytest

from app.search.evaluation import Question, first_relevant_rank, load_questions, score
from app.search.models import SearchHit


def hit(slug, kind="article"):
    return SearchHit(kind, slug, slug, f"/{slug}", "", 1.0)


COVERS = {"bounce": {"DIP-SEND-04", "KA-12"}, "codes": {"DIP-SEND-04", "DIP-SEND-05"}, "case": {"KA-29"}}


@pytest.mark.parametrize("hits, expected, rank", [
    ([hit("bounce")], ["DIP-SEND-04"], 1),
    ([hit("case"), hit("codes")], ["DIP-SEND-04"], 2),
    ([hit("case"), hit("bounce")], ["SR-01", "KA-12"], 2),
    ([hit("bounce", kind="glossary"), hit("case")], ["DIP-SEND-04"], None),  # a glossary entry never answers
    ([], ["KA-29"], None),
])
def test_first_relevant_rank_counts_every_result_shown(hits, expected, rank):
    assert first_relevant_rank(hits, expected, lambda s: COVERS.get(s, set())) == rank


def test_scores():
    s = score([1, 3, None, 12])
    assert s.questions == 4
    assert (s.recall_at_1, s.recall_at_3) == (0.25, 0.5)
    assert s.mrr_at_10 == pytest.approx((1 + 1 / 3) / 4)
    assert score([]).questions == 0


def test_loads_questions_with_an_expected_scenario_or_article(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text("""items:
- {id: A, q: one, expect_scenario: DIP-SEND-04, also_acceptable: [SR-04]}
- {id: B, q: two, expect_scenario: null, expect_article: KA-12}
- {id: C, q: three, expect_scenario: null}
""", encoding="utf-8")
    assert load_questions(path) == [Question("A", "one", ("DIP-SEND-04", "SR-04")), Question("B", "two", ("KA-12",))]
