"""Words within a few edits of a typed word (app.search.fuzzy), checked against Whoosh's own edit distance."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import levenshtein

from app.search.english import is_english
from app.search.fuzzy import MAX_WORD, Speller, Vocabulary

WORDS = ["certif", "certificate", "cert", "connect", "connection", "webhook", "webhooks", "receiv", "receive",
         "recipi", "subscrib", "every", "everi", "evri", "dip", "d0010", "x"]


@pytest.mark.parametrize("typed, maxdist, expected", [
    ("webhok", 1, [("webhook", 1)]),
    ("webhok", 2, [("webhook", 1), ("webhooks", 2)]),
    ("recieving", 2, []),  # "receiv" is three edits away
    ("reciev", 2, [("receiv", 2), ("recipi", 2)]),
    ("evry", 1, [("every", 1), ("evri", 1)]),
    ("cert", 0, [("cert", 0)]),
    ("sert", 2, []),  # never changes the first letter
    ("d0001", 1, []),  # "d0010" is two substitutions away
    ("x", 1, [("x", 0)]),
    ("", 2, []),
])
def test_words_within_the_distance_sharing_the_first_letter(typed, maxdist, expected):
    assert sorted(Vocabulary(WORDS).within(typed, maxdist)) == sorted(expected)


def test_results_come_shortest_first():
    assert [w for w, _ in Vocabulary(WORDS).within("every", 2)] == ["evri", "everi", "every"]


def test_overlong_words_are_never_offered():
    long = "a" * (MAX_WORD + 1)
    assert Vocabulary([long, "a" * MAX_WORD]).within(long, 2) == [("a" * MAX_WORD, 1)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("abcde", min_size=1, max_size=9), min_size=1, max_size=40), st.text("abcde", max_size=9),
       st.integers(0, 3))
def test_same_words_and_distances_as_a_plain_levenshtein(vocabulary, typed, maxdist):
    expected = {(w, levenshtein(typed, w)) for w in set(vocabulary) if w[0] == typed[:1]}
    assert set(Vocabulary(vocabulary).within(typed, maxdist)) == {(w, d) for w, d in expected if d <= maxdist}


@pytest.mark.parametrize("typed, maxdist, expected", [
    ("sert", 2, [("cert", 1)]),  # the first letter swapped for one said the same way is one edit
    ("sertificate", 2, [("certificate", 1)]),
    ("kertif", 1, [("certif", 1)]),
    ("sert", 0, []),
    ("webhok", 1, [("webhook", 1)]),  # other first letters as before
])
def test_a_first_letter_said_the_same_way_when_asked(typed, maxdist, expected):
    assert sorted(Vocabulary(WORDS).within(typed, maxdist, sound_alike=True)) == sorted(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("cksab", min_size=1, max_size=9), min_size=1, max_size=40), st.text("cksab", max_size=9),
       st.integers(0, 3))
def test_a_sound_alike_first_letter_is_one_substitution(vocabulary, typed, maxdist):
    alike = {"c": "ks", "s": "c", "k": "c"}.get(typed[:1], "")
    expected = {(w, levenshtein(typed, w)) for w in set(vocabulary) if w[0] == typed[:1]}
    expected |= {(w, 1 + levenshtein(typed[1:], w[1:])) for w in set(vocabulary) if typed and w[0] in alike}
    found = Vocabulary(vocabulary).within(typed, maxdist, sound_alike=True)
    assert set(found) == {(w, d) for w, d in expected if d <= maxdist}


def test_a_correctly_spelled_english_word_is_never_corrected_into_a_vocabulary_word():
    # the knowledge base says "list", "passcode", "could"; the user meant the lift, a passport, a cold
    s = Speller({"list": 40, "passcode": 5, "could": 30, "formal": 3, "receiving": 3})
    for word in ("lift", "lifts", "passport", "cold", "formula", "jammed"):
        assert s.correct(word) is None, word
    assert s.correct("recieving") == "receiving"  # a typo is still corrected


def test_regular_inflections_of_english_words_count_as_english():
    assert is_english("renewing") and is_english("tried") and is_english("stopped")
    assert not is_english("recieved") and not is_english("certficate") and not is_english("adress")


def test_an_english_word_may_still_take_an_ending_the_vocabulary_uses():
    assert Speller({"complaint": 3, "fortnightly": 2}).correct("complain") == "complaint"


def test_the_speller_tries_a_first_letter_said_the_same_way():
    assert Speller({"certificate": 9}).correct("sertificate") == "certificate"
