import pytest

from app.search.analysis import cached_terms
from app.search.snippets import highlight


def terms_of(word):
    return cached_terms(word, frozenset({"dip"}))


@pytest.mark.parametrize("text, terms, expected", [
    ("Your message bounced back.", {"bounc"}, "Your message <mark>bounced</mark> back."),
    ("Nothing here.", {"bounc"}, ""),
    ("Use <b>bold</b> bouncing", {"bounc"}, "Use &lt;b&gt;bold&lt;/b&gt; <mark>bouncing</mark>"),
    ("Flows IF-036 and D0010 held", {"if-036", "d0010"}, "Flows <mark>IF-036</mark> and <mark>D0010</mark> held"),
    ("(bounce) first", {"bounc"}, "(<mark>bounce</mark>) first"),
])
def test_marks_words_whose_index_terms_matched_and_escapes_the_rest(text, terms, expected):
    assert highlight(text, terms, terms_of) == expected


def test_picks_the_densest_stretch_within_the_length_limit():
    text = "webhook " + "filler words here " * 40 + "the webhook endpoint and webhook listener " + "tail " * 40
    snippet = highlight(text, {"webhook"}, terms_of, maxchars=120, surround=20)
    assert snippet.count("<mark>") == 2
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 140
