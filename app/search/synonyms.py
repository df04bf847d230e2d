"""Query expansion from the synonyms file kept in Git and from glossary acronyms."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

DEFAULT_FILE = Path(__file__).parent / "synonyms.txt"


class Synonyms:
    """Groups of equivalent phrases; a query mentioning one is expanded with the others."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self._groups: list[tuple[str, ...]] = []
        self._index: dict[str, list[int]] = {}
        for g in groups:
            phrases = tuple(dict.fromkeys(p.strip().lower() for p in g if p and p.strip()))
            if len(phrases) < 2:
                continue
            gi = len(self._groups)
            self._groups.append(phrases)
            for p in phrases:
                self._index.setdefault(p, []).append(gi)
        alternation = "|".join(re.escape(p) for p in sorted(self._index, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I) if alternation else None

    @classmethod
    def from_file(cls, path: Path = DEFAULT_FILE, extra: Iterable[Iterable[str]] = ()) -> Synonyms:
        """One group per line, phrases separated by commas; '#' starts a comment."""
        groups: list[list[str]] = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    groups.append(line.split(","))
        return cls([*groups, *extra])

    def expand(self, query: str) -> dict[str, list[str]]:
        """Phrase found in the query -> the equivalent phrases to add."""
        found: dict[str, list[str]] = {}
        if self._pattern is None:
            return found
        for m in self._pattern.finditer(query):
            phrase = m.group(0).lower()
            others = [o for gi in self._index[phrase] for o in self._groups[gi] if o != phrase]
            if others:
                found.setdefault(phrase, list(dict.fromkeys(others)))
        return found
