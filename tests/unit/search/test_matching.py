from app.search.matching import ListMatcher
from app.search.synonyms import Synonyms

ITEMS = {
    "SR-12": "SR-12 New User Access Request: create a new user account for DIP access.",
    "SR-14": "SR-14 Account Deactivation: deactivate or remove a user account.",
    "SR-22": "SR-22 Training Session Request: on-site or virtual training on using DIP.",
    "SR-02": "SR-02 Bulk Data Upload: bulk data uploads for large datasets.",
}
MATCHER = ListMatcher(ITEMS, Synonyms([["new starter", "new user"], ["remove", "leaver"]]))


def test_every_word_must_be_found_in_an_entry():
    assert MATCHER.matches("user account") == ["SR-12", "SR-14"]
    assert MATCHER.matches("user training") == []


def test_synonyms_stems_and_typos_match_like_search():
    assert MATCHER.matches("new starter") == ["SR-12"]
    assert MATCHER.matches("leaver") == ["SR-14"]
    assert MATCHER.matches("uploading") == ["SR-02"]  # stemmed
    assert MATCHER.matches("trainnig") == ["SR-22"]  # two edits in a long word


def test_ids_are_matched_exactly_and_a_blank_filter_keeps_everything():
    assert MATCHER.matches("SR-12") == ["SR-12"]
    assert MATCHER.matches("  ") == list(ITEMS)
