"""The lists of steps in an article ("## What to check first" and its numbered items), its tables and the questions
it answers itself (FAQ entries), as plain text."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.assistant.text import Query
from app.content.models import Article
from app.content.render import anchor_for

MAX_STEPS = 6
STEP_WORDS = 45
_HEADING = re.compile(r"^#{2,6}\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(?:\d+[.)]|[-*+])\s+(.*)$")
#: sections whose lists are things to do; routing fields and reading lists are not steps
_DOING = re.compile(r"check|what to do|what you can do|how to|steps|fix|try|before you|renew|set up|prepare", re.I)
_NOT_STEPS = re.compile(r"raise a case|when to raise|see also|related|further reading|who (?:is|handles)|contact", re.I)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: a question an article asks and answers itself: a bold lead-in ("**Can we ...?** Yes, ...") or a heading
_BOLD_QUESTION = re.compile(r"^\*\*(?P<q>[^*\n]{3,200}?\?)\*\*\s*(?P<a>.*)$")


@dataclass(frozen=True)
class Faq:
    question: str
    answer: str  # plain text, at most about STEP_WORDS words
    anchor: str  # the section it is in ("" before the first heading)


@dataclass(frozen=True)
class StepList:
    heading: str
    anchor: str
    items: tuple[str, ...]
    doing: bool  # the heading says these are things to do


def plain(markdown: str) -> str:
    """A list item as plain text: links to their words, no emphasis marks, at most about STEP_WORDS words."""
    text = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", markdown)).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text.split()) > STEP_WORDS:
        sentences = _SENTENCE_END.split(text)
        kept = sentences[0]
        if len(kept.split()) < 8 and len(sentences) > 1:  # a short lead-in ("Is it just you?") needs what follows
            kept = f"{kept} {sentences[1]}"
        text = kept if len(kept.split()) <= STEP_WORDS else " ".join(kept.split()[:STEP_WORDS]) + " …"
    return text


def article_steps(article: Article) -> tuple[StepList, ...]:
    """Every top-level list under a heading, in article order."""
    found: list[StepList] = []
    heading: str | None = None
    items: list[str] = []
    fenced = False

    def flush() -> None:
        if heading and len(items) >= 2:
            found.append(StepList(heading, anchor_for(heading), tuple(plain(i) for i in items[:MAX_STEPS]),
                                  bool(_DOING.search(heading))))
        items.clear()

    for line in article.body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        if m := _HEADING.match(line):
            flush()
            heading = m.group(1)
        elif m := _ITEM.match(line):
            items.append(m.group(1))
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] += " " + line.strip()  # an item's continuation line
        elif items and line.strip():
            flush()  # a paragraph after the list ends it
    flush()
    return tuple(found)


def best_steps(lists: tuple[StepList, ...], query: Query, protected: frozenset[str],
               score: Callable[[str, Query, frozenset[str]], float]) -> StepList | None:
    """The list of things to do that fits the question best; routing fields and reading lists never."""
    usable = [s for s in lists if not _NOT_STEPS.search(s.heading)]
    if not usable:
        return None
    return max(usable, key=lambda s: (s.doing, score(s.heading + " " + " ".join(s.items), query, protected),
                                      -usable.index(s)))


_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_RULE = re.compile(r"^[\s|:-]+$")


def article_tables(article: Article) -> dict[str, tuple[str, ...]]:
    """Each section's table rows as plain text ("Field: what to enter"), by section anchor; header rows left out."""
    found: dict[str, list[str]] = {}
    heading: str | None = None
    header = True
    for line in article.body.splitlines():
        if m := _HEADING.match(line):
            heading, header = m.group(1), True
        elif (m := _ROW.match(line)) and heading:
            if _RULE.match(line):
                header = False
                continue
            if header:
                continue
            cells = [plain(c) for c in m.group(1).split("|") if c.strip()]
            if cells:
                found.setdefault(anchor_for(heading), []).append(
                    cells[0] + (": " + "; ".join(cells[1:]) if len(cells) > 1 else ""))
    return {k: tuple(v) for k, v in found.items()}


def article_faqs(article: Article) -> tuple[Faq, ...]:
    """The questions the article asks and answers itself, in article order: a bold question leading a paragraph
    (answered by the rest of it), or a heading that is a question (answered by the paragraph under it)."""
    found: list[Faq] = []
    anchor = ""
    question: str | None = None
    answer: list[str] = []

    def flush() -> None:
        if question and answer:
            found.append(Faq(plain(question), plain(" ".join(answer)), anchor))

    for line in article.body.splitlines():
        text = line.strip()
        if m := _HEADING.match(line):
            flush()
            anchor = anchor_for(m.group(1))
            question, answer = (m.group(1), []) if m.group(1).endswith("?") else (None, [])
        elif m := _BOLD_QUESTION.match(text):
            flush()
            question, answer = m.group("q"), [m.group("a")] if m.group("a") else []
        elif not text or _ITEM.match(text):
            if answer:
                flush()
                question, answer = None, []
        elif question:
            answer.append(text)
    flush()
    return tuple(found)
