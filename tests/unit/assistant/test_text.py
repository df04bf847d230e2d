"""Question analysis: typos corrected against the corpus, synonyms and glossary names expanded."""
from __future__ import annotations

from collections import Counter

from app.assistant.text import Analyzer, terms_of
from app.search.fuzzy import Speller
from app.search.synonyms import Synonyms

CORPUS = [
    "Your message was returned by the DIP: it bounced back. Check the response code.",
    "Receiving messages: the webhook endpoint logs every error.",
    "Subscribe to service alerts and notifications.",
    "The Data Acquisition Hub is part of Helix.",
    "Every night the acquisition runs; the right receiving endpoint matters.",
]


def analyzer() -> Analyzer:
    groups = [["bounce", "bounced", "bounce back", "returned"], ["DAH", "Data Acquisition Hub"]]
    return Analyzer(CORPUS, Synonyms(groups), protected={"dip", "dah"})


def test_speller_corrects_typos_to_known_words():
    s = Speller(Counter({"receiving": 3, "every": 5, "subscribe": 2, "acquisition": 2, "night": 1, "right": 9}))
    assert s.correct("recieving") == "receiving"
    assert s.correct("evry") == "every"
    assert s.correct("subscibe") == "subscribe"
    assert s.correct("aquisition") == "acquisition"


def test_speller_leaves_known_short_and_first_letter_changes_alone():
    s = Speller(Counter({"right": 9, "shows": 4}))
    assert s.correct("right") is None
    assert s.correct("nigt") is None  # would need a new first letter
    assert s.correct("cat") is None


def test_analyse_corrects_and_expands():
    q = analyzer().analyse("my recieving endpoint logs errors evry time")
    assert q.corrections == {"recieving": "receiving", "evry": "every"}
    assert {"receiv", "endpoint", "error"} <= {c.word for c in q.concepts}


def test_synonyms_become_alternatives_of_the_same_concept():
    q = analyzer().analyse("outbound message came back as a bounce")
    bounce = next(c for c in q.concepts if c.word == "bounc")
    assert any(a.terms == ("return",) for a in bounce.alternatives)


def test_glossary_acronym_expands_to_its_name():
    q = analyzer().analyse("is the DAH down?")
    dah = next(c for c in q.concepts if c.word == "dah")
    assert any(a.terms == ("data", "acquisit", "hub") for a in dah.alternatives)


def test_filler_words_are_not_concepts():
    assert terms_of("Could you please tell us what we should do with the certificate") == ["certif"]


def test_the_act_and_its_noun_are_one_term():
    assert len(set(terms_of("decrypted decryption"))) == 1
    assert len(set(terms_of("submit submitted submitting submission submissions"))) == 1
    assert terms_of("permission") == terms_of("permitted") != terms_of("submission")


def test_when_it_happened_is_not_a_topic_word():
    plain = analyzer().analyse("replaying messages fails")
    for when in ("from last night", "yesterday", "since Tuesday", "this morning", "over the weekend", "at 9pm"):
        query = analyzer().analyse(f"replaying messages {when} fails")
        assert (query.concepts, query.known_share) == (plain.concepts, plain.known_share), when


def test_unknown_words_lower_the_known_share():
    assert analyzer().analyse("what time does the canteen close").known_share < 1.0
