"""The words of a question that say what it is about: lower-cased, without stop words, plain endings trimmed."""
from __future__ import annotations

import re

STOPWORDS = frozenset(
    "a an and are as at be been but by can cannot could did do does doing for from had has have how i if in "
    "into is it its me my no not of on or our please should so that the their them there they this to up "
    "us was we were what when where which who why will with would you your".split()
)
WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> frozenset[str]:
    """Lower-cased words without stop words and with plain English endings trimmed."""
    return frozenset(_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1)


def normalise(text: str) -> str:
    """One key for every wording with the same words: 'Webhooks not working?' and 'webhook working' agree."""
    return " ".join(sorted(tokens(text)))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of distinct words two phrasings have in common (Jaccard)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
