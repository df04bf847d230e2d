"""Which entries of a short list (the service request catalogue, the DIP scenarios) a typed filter matches.

The filter understands what search understands, with the same code: the search synonyms ("new starter" finds
"new user"), stemming ("requests" finds "request") and typos ("pasword" finds "password"). Every word typed
must be found in an entry, as itself, as one of its synonyms or as a near spelling of a word the list holds.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from app.search.analysis import WORD, normalise_terms, tokenize
from app.search.fuzzy import Vocabulary, max_edits
from app.search.synonyms import Synonyms

#: One requirement of the filter: any one of these sets of terms found in an entry satisfies it.
Need = tuple[frozenset[str], ...]


class ListMatcher:
    """Built once per list; safe to share between threads (nothing changes after construction)."""

    def __init__(self, texts: Mapping[str, str], synonyms: Synonyms) -> None:
        self._terms = {key: frozenset(tokenize(text)) for key, text in texts.items()}
        # typos are judged on words as written ("trainnig" is two edits from "training", not from "train")
        self._spelled = {m.group(0).lower(): tuple(normalise_terms(m.group(0)))
                         for text in texts.values() for m in WORD.finditer(text)}
        self._vocabulary = Vocabulary(self._spelled)
        self._synonyms = synonyms

    def matches(self, query: str) -> list[str]:
        """Keys of the entries that satisfy every need of the query, in list order; all of them for a blank query."""
        needs = self._needs(query)
        return [key for key, terms in self._terms.items() if all(any(alt <= terms for alt in need) for need in needs)]

    def _needs(self, query: str) -> list[Need]:
        needs: list[Need] = []
        rest = query
        for phrase, others in self._synonyms.expand(query).items():
            alternatives = tuple(frozenset(terms) for p in (phrase, *others) if (terms := tokenize(p)))
            if alternatives:
                needs.append(alternatives)
            rest = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", rest, flags=re.I)
        for m in WORD.finditer(rest):
            word = m.group(0).lower()
            typed = normalise_terms(m.group(0))
            if not typed:
                continue  # a stop word
            # ids and codes ("sr-12", "if-036") are never respelled into their neighbours
            near = [] if any(c.isdigit() for c in word) else self._vocabulary.within(word, max_edits(word))
            needs.append(tuple(dict.fromkeys(
                [frozenset(typed[:1]), *(frozenset(self._spelled[w][:1]) for w, _ in near if self._spelled[w])])))
        return needs
