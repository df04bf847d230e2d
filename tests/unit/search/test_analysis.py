import pytest

from app.search.analysis import tokenize


@pytest.mark.parametrize("text, expected", [
    ("LDSO", ["ldso"]),
    ("DCP", ["dcp"]),
    ("CI and UC", ["ci", "uc"]),            # two-letter acronyms are never dropped
    ("IF-036", ["if-036", "if", "036"]),   # hyphenated id whole and in parts
    ("DIP-SEND-03", ["dip-send-03", "dip", "send", "03"]),
    ("D0010", ["d0010"]),
    ("REP002a", ["rep002a"]),
    ("DUoS", ["duos"]),                     # mixed-case acronym is not stemmed to 'duo'
    ("messages bouncing", ["messag", "bounc"]),
    ("it is the", []),
])
def test_acronyms_and_ids_are_kept_whole_and_words_are_stemmed(text, expected):
    assert tokenize(text) == expected


def test_known_acronyms_typed_in_lower_case_are_protected():
    assert tokenize("duos charges", frozenset({"duos"})) == ["duos", "charg"]
    assert tokenize("duos charges") == ["duo", "charg"]
