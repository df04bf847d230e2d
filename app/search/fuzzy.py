"""Words of a fixed vocabulary within a few edits of a typed word, compared all at once with numpy.

Whoosh answers the same question (fuzzy terms, "did you mean") by building a Levenshtein automaton in Python for
each word: 2-12 ms a word at 1,000 articles, paid by every query holding a word the index does not know. Here
the candidates sharing the word's first letter and a close length are compared together: one row of the edit
distance table per letter of the word, each row a few array operations over every candidate (well under a
millisecond). Distances are Levenshtein's (insert, delete, substitute), as Whoosh's automaton counts them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from app.search.english import is_english

#: longer vocabulary words (long ids, run-together text) are never offered as corrections.
MAX_WORD = 40


#: first letters a typo swaps for one said the same way ("sertificate", "kertificate")
SOUND_ALIKE = {"c": "ks", "s": "c", "k": "c"}


def max_edits(word: str) -> int:
    """Edits a typo may hold: one in a short word, two in a long one."""
    return 1 if len(word) < 7 else 2


class Vocabulary:
    """An immutable word list; safe to share between threads."""

    def __init__(self, words: Iterable[str]) -> None:
        groups: dict[str, list[str]] = {}
        for word in set(words):
            if 0 < len(word) <= MAX_WORD:
                groups.setdefault(word[0], []).append(word)
        self._groups = {first: _Group(ws) for first, ws in groups.items()}

    def within(self, word: str, maxdist: int, *, sound_alike: bool = False) -> list[tuple[str, int]]:
        """(vocabulary word, distance) for every word within `maxdist` edits that starts with the same letter (as
        Whoosh's fuzzy terms), in vocabulary order (shortest first, then alphabetical); with `sound_alike`, then
        those starting with a letter said the same way ("sertificate": certificate), that letter one of the edits."""
        if maxdist < 0 or not word:
            return []
        found = []
        others = SOUND_ALIKE.get(word[0], "") if sound_alike else ""
        for first, extra in ((word[0], 0), *((other, 1) for other in others)):
            group = self._groups.get(first)
            if group is not None and maxdist - extra >= 0:
                found += [(w, d + extra) for w, d in group.within(word, maxdist - extra)]
        return found


class Speller:
    """Corrects a word the vocabulary never uses to its most used near spelling: the same first letter (most typos
    keep it) or one said the same way ("sertificate"), fewest edits (one in a short word, two in a long one), then
    the most used. A correctly spelled ordinary English word is left as typed (a broken "lift" is not a broken
    "list"), unless the vocabulary has it with an ending. Search's "did you mean" and the assistant's reading of a
    question both use this."""

    def __init__(self, counts: Mapping[str, float]) -> None:
        self.counts = counts
        self._vocabulary = Vocabulary(w for w in counts if len(w) >= 3 and w.isalpha())

    def known(self, word: str) -> bool:
        return word in self.counts

    def correct(self, word: str) -> str | None:
        """The intended word (lower case in, lower case out), or None when the word is known, too short or has no
        close match."""
        if len(word) < 4 or not word.isalpha() or word in self.counts:
            return None
        near = self._vocabulary.within(word, max_edits(word), sound_alike=True)
        if is_english(word):  # only the same word with an ending: "complain" -> "complaint", never "lift" -> "list"
            near = [(w, d) for w, d in near if w.startswith(word)]
        best = min(near, key=lambda wd: (wd[1], -self.counts[wd[0]], wd[0]), default=None)
        return best[0] if best else None


class _Group:
    """Words sharing a first letter, sorted by length so any length range is one slice."""

    def __init__(self, words: list[str]) -> None:
        words.sort(key=lambda w: (len(w), w))
        self.words = words
        self.lengths = np.array([len(w) - 1 for w in words], dtype=np.int64)  # the letters after the first
        width = int(self.lengths.max(initial=0))
        self.codes = np.full((len(words), max(width, 1)), -1, dtype=np.int32)
        for row, w in enumerate(words):
            self.codes[row, : len(w) - 1] = [ord(c) for c in w[1:]]

    def within(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        rest = word[1:]
        lo = int(np.searchsorted(self.lengths, len(rest) - maxdist, "left"))
        hi = int(np.searchsorted(self.lengths, len(rest) + maxdist, "right"))
        if lo >= hi:
            return []
        width = min(len(rest) + maxdist, self.codes.shape[1])
        codes = self.codes[lo:hi, :width]
        steps = np.arange(width + 1, dtype=np.int32)
        row = np.broadcast_to(steps, (hi - lo, width + 1))  # distance from "" to each candidate prefix
        for i, char in enumerate(rest, start=1):
            # delete the typed letter, or substitute it (free when equal); then insertions, as a running minimum
            cost = (codes != ord(char)).astype(np.int32)
            best = np.minimum(row[:, 1:] + 1, row[:, :-1] + cost)
            best = np.concatenate((np.full((hi - lo, 1), i, dtype=np.int32), best), axis=1)
            row = np.minimum.accumulate(best - steps, axis=1) + steps
        distances = row[np.arange(hi - lo), self.lengths[lo:hi]]
        return [(self.words[lo + int(k)], int(distances[k])) for k in np.flatnonzero(distances <= maxdist)]
