"""A message cut into the parts that each state a problem or a request: its sentences, and within a sentence the
clauses joined by "and" when each states one of its own. The assistant answers the first and offers the others."""
from __future__ import annotations

import re

from app.assistant.reading import without_facts
from app.assistant.signals import read_signals
from app.assistant.text import terms_of

#: sentences, and clauses announced as another matter ("also", "separately")
_SEGMENT = re.compile(r"(?<=[.!?;])\s+|\n+|\s+(?:also|and also|separately|another thing)[,:]?\s+", re.I)
#: "X and Y" in one sentence: two problems when each side states one of its own
_AND = re.compile(r",?\s+and\s+", re.I)
#: a sentence of its own says at least this many words, a clause joined by "and" at least this many
PART_WORDS, CLAUSE_WORDS = 4, 3
#: ... and names the thing it is about in at least this many terms besides who, how badly and when
CLAUSE_TERMS = 1
#: beyond the fault and request cues: a need or a lapse stated plainly ("her login needs removing", "it expired")
_NEEDS = re.compile(r"\b(?:needs?|needed|expired|lapsed)\b", re.I)


def _states_one(part: str, words: int = PART_WORDS) -> bool:
    """The part states a problem, a request or a need in at least ``words`` words."""
    sig = read_signals(part)
    return len(part.split()) >= words and (sig.problem or sig.request or _NEEDS.search(part) is not None)


#: a clause with a subject of its own opens with a pronoun or a determiner; "... and need to correct it" shares the
#: subject before it, so it goes on with the same sentence
_SUBJECT = re.compile(r"^(?:i|we|you|they|he|she|it|it'?s|our|my|your|their|his|her|the|a|an|this|that|these|those|"
                      r"some|no|nothing|nobody|none|every\w*|all|one|another)\b", re.I)


def _own_clause(clause: str, first: bool) -> bool:
    """A clause joined by "and" states a problem of its own: with a subject of its own, and not only how bad, who or
    when ("and nothing is flowing" says more about the problem before it)."""
    return (_states_one(clause, CLAUSE_WORDS) and (first or _SUBJECT.match(clause) is not None)
            and len(terms_of(without_facts(clause))) >= CLAUSE_TERMS)


def problem_parts(body: str) -> list[str]:
    """The parts of a message that each state a problem or a request: its sentences, and within a sentence the
    clauses joined by "and" when each of them states one ("our certificate expired and we can't see any messages")."""
    parts: list[str] = []
    for p in (p.strip() for p in _SEGMENT.split(body) if p):
        clauses = [c.strip() for c in _AND.split(p)]
        if len(clauses) > 1 and all(_own_clause(c, i == 0) for i, c in enumerate(clauses)):
            parts.extend(clauses)
        elif _states_one(p):
            parts.append(p)
    return parts
