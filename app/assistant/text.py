"""Question analysis: words to weighted concepts, with typo correction, synonyms and glossary expansion."""
from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from app.assistant.signals import DESK_HOURS, EXPIRED, IMPACT_HIGH, IMPACT_LOW, IMPACT_MEDIUM, WHO_TO_CONTACT
from app.search.analysis import STOP, normalise_terms
from app.search.fuzzy import Speller
from app.search.synonyms import Synonyms

WORD = re.compile(r"[^\W_]+(?:[-_&'][^\W_]+)*")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\bhttps?://\S+", re.I)
#: When something happened is read as a signal (in or out of hours), never as a topic word: clock times, days and
#: parts of the day, with the words that place them ("last night", "this morning", "over the weekend").
_WHEN = re.compile(r"\b\d{1,2}(?:[:.]\d\d)?\s?(?:am|pm)\b|\b(?:(?:last|this|next|yesterday|every|each|over the)\s+)?"
                   r"(?:yesterday|today|tonight|tomorrow|overnight|midnight|lunchtime|(?:mon|tues|wednes|thurs|fri|"
                   r"satur|sun)days?|nights?|mornings?|afternoons?|evenings?|weekends?|weeks?|months?)\b", re.I)
#: ... of which these place an event in the past or in the coming weeks ("the case I raised last week", "our
#: certificate runs out next month"): never what a question is about
_EVENT_TIME = re.compile(r"\b(?:last|this|earlier this)\s+(?:week|month|year|quarter|morning|afternoon|evening|night|"
                   r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\byesterday(?:\s+(?:morning|afternoon|evening))?\b"
                   r"|\b\d+\s+(?:minute|hour|day|week|month|year)s?\s+ago\b"
                   r"|\bnext\s+(?:week|month|year|quarter)\b"
                   r"|\bin\s+(?:a|one|two|three|a few|\d+)\s+(?:days?|weeks?|months?)(?:'? time)?\b", re.I)
#: a span of time ("for the last 6 months", "over the past two weeks", "in the next few days") says when, whether a
#: problem has lasted or data is asked for: never what a message is about
_SPAN = re.compile(r"\b(?:(?:for|over|in|during|within|from)\s+)?(?:the\s+)?(?:last|past|previous|next|coming)\s+"
                   r"(?:\d+|a few|few|a couple of|couple of|several|two|three|four|five|six|seven|eight|nine|ten|"
                   r"twelve)\s+(?:hours?|days?|weeks?|months?|years?|quarters?)\b", re.I)
#: the priority matrix's words about a workaround say how urgent a problem is, never what it is about
_WORKAROUND = re.compile(r"\b(?:(?:there is |there's |we have |we've got )?(?:no|a|any|without (?:a|any))\s+)?"
                         r"work[- ]?arounds?\b", re.I)
#: a question announced before it is asked ("quick one -", "I have a question:") says nothing about what it asks
_FRAMING = re.compile(r"^\W*(?:(?:hi|hello|hey|morning)\b\W*)?(?:(?:i have|i've got|i've|got|just)\s+)?(?:a\s+)?"
                      r"(?:(?:quick|small|simple)\s+(?:one|question)|question)\b\W*", re.I)
#: who is affected ("everyone", "only us"): they weigh for an outage, yet alone never make a message about this service
_REACH = re.compile("|".join([rx.pattern for rx in (IMPACT_HIGH, IMPACT_MEDIUM, IMPACT_LOW)]
                              + [r"\b(?:affected|affecting|impacted|impacting)\b"]), re.I)
#: a negation typed without its apostrophe ("dont", "isnt", "cant") is that negation, not a typo of another word
#: ("done")
_BARE_NEGATION = re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|ca|wo|should|could|would|must|need)nt\b",
                            re.I)
#: auxiliaries, determiners and time adverbs between a phrase's words: "the certificate has now expired" says
#: "certificate expired" (negation is kept: "not working" is not "working")
_JOINING = re.compile(r"(?<=\w)\s+(?:(?:has|have|had|is|are|was|were|been|be|being|now|just|already|the|a|an|our|my|"
                      r"their|its|your)\s+)+(?=\w)", re.I)
_HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|org|net|uk|io|eu|co|gov|info|biz)\b", re.I)
#: General English function words and fillers, beyond the search tokenizer's stop list; they say nothing about a topic.
FILLER = frozenset("""
a about above after again ago all also although am an and another any anybody anyone anything are aren as at be
because been before being below between both but by can cannot could couldn did didn do does doesn doing don done during
each else etc ever every few for from further get gets getting got had hadn has hasn have haven having he her here
hers him his how however i if in instead into is isn it its itself just let lets like ll made make many may me might
more most much must my myself need needs never no nobody nor not now of often on once one only or other others our ours
ourselves out over own per please put quite rather re really s said same say says see seem seems shall she
should since so some somebody someone something still such sure t take than that the their theirs them themselves then
there these they this those though through thus to too under unless until up upon us use used ve very via want
wants was wasn way we well were weren what whats when where whereas whether which while whilst who whom whose
why will with within without won would wouldn yes yet you your yours yourself tell wonder wondering
""".split())
#: factor applied when a concept is met through a synonym or glossary name rather than the user's own word
EXPANSION_FACTOR = 0.8
#: factor for a word that was corrected as a typo
CORRECTION_FACTOR = 0.9
#: factor for a spelling variant of a term the corpus also uses ("sync" / "synch"), or the word a clipped one
#: shortens ("env" / "environment")
VARIANT_FACTOR = 0.7
#: a word the corpus never uses, of at least this many letters, that begins a word the corpus uses (two or more
#: letters longer, twice or more) is read as that word clipped: "env", "config", "dash"
CLIPPED_MIN = 3


def _unify(term: str) -> str:
    """The Porter stemmer keeps "decryption" and "submission" but gives "decrypt" and "submit" for "decrypted" and
    "submitted": make them one term."""
    if len(term) > 6 and term.isalpha():
        if term.endswith(("ption", "ction")):
            return term[:-3]
        if term.endswith("miss"):  # submission, permission, transmission
            return term[:-3] + "it"
        if term.endswith("mitt"):  # submitting
            return term[:-1]
    return term


#: "log in", "logged on", "signing in": one act, getting into an account, not the logs a system writes
_LOGIN = re.compile(r"\b(?:log(?:s|ged|ging)?[ -]?(?:in|on)|sign(?:s|ed|ing)?[ -]?in)\b(?![-'])", re.I)


def _phrasal(text: str) -> str:
    """Two-word verbs whose first word means something else alone, as one word."""
    return EXPIRED.sub("expired", _LOGIN.sub("login", text))  # "run" alone is a settlement run


def terms_of(text: str, protected: frozenset[str] = frozenset()) -> list[str]:
    """Index terms (stemmed, stop and filler words dropped, acronyms and ids whole) in text order."""
    # one object per distinct set: the cache below compares keys, and equal sets that are not the same object are
    # compared element by element, for every word
    protected = _SETS.setdefault(protected, protected)
    word_terms = _word_terms
    return [t for word in WORD.findall(_phrasal(text)) for t in word_terms(word, protected)]


_SETS: dict[frozenset[str], frozenset[str]] = {}

#: Words that start a new phrase: pronouns, light verbs and clause openers. A name's words are read as that name
#: only within one phrase: "users get an error" is not "User Error", where "keys are not working" is "Keys not
#: working" and "submit a DIP data request" submits a data request (auxiliaries, negation, determiners and "and"/"of"
#: join a phrase's words, as names write them).
PHRASE_BREAKS = frozenset("""
i we you they he she it us them me him
get gets got getting gotten make makes made making take takes took give gives gave see sees saw use uses used
when whenever if because while since until after before which who whom whose where than but
""".split())


def phrase_runs(text: str, protected: frozenset[str] = frozenset()) -> list[list[str]]:
    """The text's terms (as terms_of gives them) in runs that PHRASE_BREAKS and punctuation end."""
    runs: list[list[str]] = [[]]
    last = 0
    text = _phrasal(text)
    for m in WORD.finditer(text):
        if m.group(0).lower() in PHRASE_BREAKS or re.search(r"[.,;:!?()]", text[last:m.start()]):
            if runs[-1]:
                runs.append([])
        last = m.end()
        runs[-1].extend(terms_of(m.group(0), protected))
    return [r for r in runs if r]


@lru_cache(maxsize=200_000)
def _word_terms(word: str, protected: frozenset[str]) -> tuple[str, ...]:
    """One word's terms: the evidence of 1,000 articles is millions of words but tens of thousands distinct."""
    return tuple(_unify(t) for part in re.split(r"[&']", word) if part and part.lower() not in FILLER
                 for t in normalise_terms(part, protected))


@dataclass(frozen=True)
class Alternative:
    """One way to meet a concept: all of these terms present, worth ``factor`` of a direct match."""

    terms: tuple[str, ...]
    factor: float
    label: str


@dataclass(frozen=True)
class Concept:
    """Something the user said; matched when any alternative is present in a text."""

    word: str
    weight: float
    alternatives: tuple[Alternative, ...]
    known: bool  # the corpus uses this word (or its correction) at all
    fact: bool = False  # who is affected ("everyone"): weighs in matching, yet says nothing about the topic


@dataclass(frozen=True)
class Query:
    text: str
    concepts: tuple[Concept, ...]
    corrections: dict[str, str] = field(default_factory=dict)
    expansions: dict[str, list[str]] = field(default_factory=dict)
    fixed: str = ""  # the text with typos corrected

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.concepts) or 1.0

    @property
    def known_share(self) -> float:
        """Weight share of what the user said about the topic that the corpus knows at all (0 for gibberish or
        off-topic); facts about the problem are not about the topic."""
        return sum(c.weight for c in self.concepts if c.known) / self.topic_weight

    @property
    def topic_weight(self) -> float:
        """The weight of what the user said about the topic: everything but facts about the problem."""
        return sum(c.weight for c in self.concepts if not c.fact) or 1.0


class Analyzer:
    """Turns a question into weighted concepts using the corpus vocabulary and document frequencies."""

    def __init__(self, texts: Iterable[str], synonyms: Synonyms, protected: Iterable[str] = (),
                 extra_groups: Iterable[Iterable[str]] = ()) -> None:
        self.protected = frozenset(p.lower() for p in protected)
        self.synonyms = synonyms
        self.extra = Synonyms(extra_groups)
        words: Counter[str] = Counter()
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            words.update(map(str.lower, WORD.findall(text)))
            df.update(set(terms_of(text, self.protected)))
        self.docs = max(n, 1)
        self.df = df
        self.speller = Speller(words)
        self._words = words
        self._sorted = sorted(w for w, n in words.items() if n >= 2 and w.isalpha() and len(w) >= CLIPPED_MIN + 2)
        self.stems = set(df)
        self._by_prefix: dict[str, list[str]] = {}
        for stem in df:
            if len(stem) >= 4 and stem.isalpha():
                self._by_prefix.setdefault(stem[:4], []).append(stem)

    def variants(self, term: str) -> list[str]:
        """Corpus terms that extend or shorten this one by a letter or two ("sync", "synch")."""
        if len(term) < 4 or not term.isalpha():
            return []
        return [s for s in self._by_prefix.get(term[:4], ()) if s != term and abs(len(s) - len(term)) <= 2
                and (s.startswith(term) or term.startswith(s)) and min(len(s), len(term)) >= 4]

    def unclipped(self, word: str) -> str | None:
        """The corpus's most used word that this unknown word is the start of ("env" -> "environment"), if any."""
        word = word.lower()
        if len(word) < CLIPPED_MIN or not word.isalpha() or word in self._words:
            return None
        i = bisect.bisect_left(self._sorted, word)
        found = []
        while i < len(self._sorted) and self._sorted[i].startswith(word):
            if len(self._sorted[i]) >= len(word) + 2:
                found.append(self._sorted[i])
            i += 1
        return max(found, key=lambda w: (self._words[w], w), default=None)

    def idf(self, term: str) -> float:
        """Rarer terms say more; a term the corpus never uses gets a middling weight, not the maximum."""
        d = self.df.get(term)
        if not d:
            return math.log(1 + self.docs / 8)
        return math.log(1 + self.docs / d)

    def _phrase_terms(self, phrase: str) -> tuple[str, ...]:
        return tuple(terms_of(phrase, self.protected))

    @staticmethod
    def _typed_as_name(phrase: str, text: str) -> bool:
        """A short name that is also an ordinary word ("IF", "CR", "SLA") counts only when typed in capitals."""
        if len(phrase) > 3 and phrase not in FILLER and phrase not in STOP:
            return True
        return re.search(rf"(?<![\w-]){re.escape(phrase.upper())}(?![\w-])", text) is not None or (
            len(phrase) > 2 and phrase not in FILLER and phrase not in STOP)

    @staticmethod
    def _plain(text: str, when: bool) -> str:
        """Addresses the user typed say what kind of thing they are, not which one: the words our texts use."""
        text = _BARE_NEGATION.sub(r"\1n't", _EMAIL.sub(" email address ", text))
        text = _URL.sub(" link ", text)
        text = _EVENT_TIME.sub(" ", _SPAN.sub(" ", text))
        if not when:
            text = _WHEN.sub(" ", text)
        text = _WORKAROUND.sub(" ", text)
        text = _FRAMING.sub(" ", text)
        text = WHO_TO_CONTACT.sub(r"\1contact", text)  # "who do I call": the word our texts use for reaching us
        # "is anyone around", "are you open": the desk's hours, in our texts' words where the user's are others
        text = DESK_HOURS.sub(lambda m: m.group(0) if "hour" in m.group(0).lower() else " support hours ", text)
        return _HOST.sub(" domain ", text)

    def analyse(self, text: str, when: bool = False) -> Query:
        """``when``: its days and times are what it is about ("is anyone there at the weekend?"), not when
        something happened ("down since 3am"), which is read as a signal instead."""
        text = _phrasal(self._plain(text, when))
        corrections: dict[str, str] = {}
        words: list[tuple[str, int, int]] = []  # (term-bearing word, start, end)
        fixed_text = text
        for m in WORD.finditer(text):
            raw = m.group(0)
            low = raw.lower()
            if low in STOP or low in FILLER or any(c.isdigit() for c in raw) or raw[:1].isupper() and m.start() > 0:
                continue  # a capitalised word mid-sentence is a name ("March", "Callisto"), not a typo
            stems = terms_of(raw, self.protected)
            if stems and all(s in self.stems for s in stems):
                continue
            fix = self.speller.correct(low)
            if fix and fix != low:
                corrections[raw] = fix
        if corrections:
            fixed_text = WORD.sub(lambda m: corrections.get(m.group(0), m.group(0)), text)
        # a day or a time can say what a question is about, never that it is about this service; who is affected
        # never says what it is about
        times = {t for m in _WHEN.finditer(text) for t in terms_of(m.group(0), self.protected)} if when else set()
        reach = {t for m in _REACH.finditer(text) for t in terms_of(m.group(0), self.protected)}
        concepts: dict[str, Concept] = {}
        for m in WORD.finditer(fixed_text):
            raw = m.group(0)
            was_fixed = raw in corrections.values() and raw not in text
            for term in terms_of(raw, self.protected):
                if term in concepts:
                    continue
                factor = CORRECTION_FACTOR if was_fixed else 1.0
                alts = (Alternative((term,), factor, term),
                        *(Alternative((v,), factor * VARIANT_FACTOR, v) for v in self.variants(term)))
                if len(alts) == 1 and term not in self.df and (whole := self.unclipped(raw)) \
                        and (full := tuple(terms_of(whole, self.protected))):
                    alts += (Alternative(full, VARIANT_FACTOR, whole),)
                concepts[term] = Concept(term, self.idf(term), alts,
                                         (term in self.df or len(alts) > 1) and term not in times | reach,
                                         term in reach)
            words.append((raw, m.start(), m.end()))
        expansions: dict[str, list[str]] = {}
        joined = _JOINING.sub(" ", fixed_text)
        for source in (self.synonyms, self.extra):
            found = source.expand(fixed_text)
            if joined != fixed_text:
                found |= source.expand(joined)
            for phrase, others in found.items():
                expansions.setdefault(phrase, [])
                expansions[phrase] += [o for o in others if o not in expansions[phrase]]
        for phrase in list(expansions):
            if not self._typed_as_name(phrase, fixed_text):
                del expansions[phrase]
        for phrase, others in expansions.items():
            own = self._phrase_terms(phrase)
            alts = tuple(Alternative(t, EXPANSION_FACTOR, o) for o in others
                         if (t := self._phrase_terms(o)) and t != own)
            if not alts:
                continue
            targets = [t for t in own if t in concepts]
            if not targets:  # e.g. "T&C's": nothing left after tokenising, so the phrase is its own concept
                weight = max(self.idf(t) for a in alts for t in a.terms)
                concepts[phrase] = Concept(phrase, weight, alts, True)
                continue
            for t in targets:  # another name for a day or a time still says nothing about this service
                c = concepts[t]
                concepts[t] = Concept(c.word, c.weight, c.alternatives + alts, not c.fact and t not in times, c.fact)
        return Query(text, tuple(concepts.values()), corrections, expansions, fixed_text)
