"""The services a major incident can affect, kept as data (data/services.yaml), and the words for them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from app.search.analysis import normalise_terms
from app.servicemodel import MajorIncidentScenario

DATA = Path(__file__).parent / "data" / "services.yaml"
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
#: Negations the search tokenizer drops as stop words; here they change the meaning ("not working").
NEGATIONS = frozenset({"no", "not", "never", "nothing", "cannot", "can't", "won't", "isn't", "aren't", "doesn't",
                       "don't", "hasn't", "haven't", "didn't", "wasn't", "weren't"})
#: How many words from a service's keyword a negation may be and still say the service is not working.
NEGATION_REACH = 2

Phrase = tuple[str, ...]


def terms(text: str) -> tuple[str, ...]:
    """Stemmed words in order (the search index's tokenising), negations kept."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group(0).replace("\u2019", "'")
        out += [word.lower()] if word.lower() in NEGATIONS else normalise_terms(word)
    return tuple(out)


def contains(words: tuple[str, ...], phrase: Phrase) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive terms."""
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class AffectedService:
    id: str
    name: str
    keywords: tuple[Phrase, ...]


@dataclass(frozen=True)
class Catalogue:
    services: dict[str, AffectedService]  # id -> service, in the data file's order
    symptoms: tuple[Phrase, ...]

    def mentioned(self, words: tuple[str, ...]) -> dict[str, int]:
        """Service id -> how many of its keywords the words contain (only services mentioned at all)."""
        hits = {s.id: sum(contains(words, k) for k in s.keywords) for s in self.services.values()}
        return {sid: n for sid, n in hits.items() if n}

    def has_symptom(self, words: tuple[str, ...], services: tuple[str, ...] = ()) -> bool:
        """A symptom phrase, or a negation within NEGATION_REACH words of one of ``services``' keywords."""
        if any(contains(words, p) for p in self.symptoms):
            return True
        negated = [i for i, w in enumerate(words) if w in NEGATIONS]
        for sid in services:
            for phrase in self.services[sid].keywords:
                n = len(phrase)
                for start in (i for i in range(len(words) - n + 1) if words[i : i + n] == phrase):
                    if any(start - NEGATION_REACH <= i < start + n + NEGATION_REACH for i in negated):
                        return True
        return False

    def resolve(self, name: str) -> str | None:
        """The service id for an id typed in any case ('dip' -> 'DIP'), else None."""
        wanted = name.strip().casefold()
        return next((sid for sid in self.services if sid.casefold() == wanted), None)

    def for_scenario(self, scenario: MajorIncidentScenario) -> tuple[str, ...]:
        """The services a section 18 scenario affects: its system's first word ('VAS - Helix' -> VAS)."""
        sid = self.resolve(scenario.system.split(" - ")[0])
        return (sid,) if sid else ()


@lru_cache(maxsize=1)
def load_catalogue(path: Path = DATA) -> Catalogue:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    services = {
        s["id"]: AffectedService(s["id"], s["name"], tuple(p for p in (terms(str(k)) for k in s["keywords"]) if p))
        for s in data["services"]
    }
    return Catalogue(services, tuple(p for p in (terms(str(x)) for x in data["symptoms"]) if p))
