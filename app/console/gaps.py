"""Knowledge gaps: what people looked for and did not find, grouped by similar wording, as article stubs.

Sources: searches with no or poor results, assistant questions that ended in a case resolved with no
article, agents' "no article exists" flags, and the reasons people gave for "not helpful" votes.
Grouping is single-link clustering on token-set (Jaccard) similarity: plain, explainable, and
good enough for the few hundred distinct phrasings a desk sees in a quarter.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import yaml

from app.cases.records import Case, Conversation, SearchEntry, Vote
from app.console.reports import Table, is_finished
from app.console.store import CaseLink, KnowledgeRequest

#: Two phrasings belong together when they share at least this share of their distinct words.
SIMILARITY = 0.5
#: A search counts as "poor" when its best score is below this, per search mode (keyword scores are unbounded).
POOR_SCORES: Mapping[str, float] = {"semantic": 0.35}
STOPWORDS = frozenset(
    "a an and are as at be been but by can cannot could did do does doing for from had has have how i if in "
    "into is it its me my no not of on or our please should so that the their them there they this to up "
    "us was we were what when where which who why will with would you your".split()
)
_WORD = re.compile(r"[a-z0-9]+")
TITLE_MAX = 90


class GapSource(StrEnum):
    SEARCH = "search"
    ASSISTANT = "assistant"
    NO_ARTICLE = "no_article"
    UNHELPFUL = "unhelpful_vote"

    @property
    def label(self) -> str:
        return {"search": "Search with no or poor results", "assistant": "Assistant question that became a case",
                "no_article": "Agent flagged: no article exists", "unhelpful_vote": "Not helpful vote"}[self.value]


@dataclass(frozen=True)
class GapItem:
    source: GapSource
    text: str
    created_at: datetime
    ref: str | None = None  # case reference, or the article a vote was about


@dataclass(frozen=True)
class GapGroup:
    key: str
    title: str
    items: tuple[GapItem, ...]

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def sources(self) -> Counter[GapSource]:
        return Counter(i.source for i in self.items)

    @property
    def first_seen(self) -> datetime:
        return min(i.created_at for i in self.items)

    @property
    def last_seen(self) -> datetime:
        return max(i.created_at for i in self.items)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.ref for i in self.items if i.ref))

    def keywords(self, n: int = 5) -> list[str]:
        counts = Counter(t for i in self.items for t in tokens(i.text))
        return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> frozenset[str]:
    """Lower-cased words without stop words and with plain English endings trimmed."""
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_poor_search(entry: SearchEntry, poor_scores: Mapping[str, float] = POOR_SCORES) -> bool:
    if entry.result_count == 0:
        return True
    floor = poor_scores.get(entry.mode)
    return floor is not None and entry.top_score is not None and entry.top_score < floor


def collect_gap_items(
    *,
    searches: Iterable[SearchEntry] = (),
    conversations: Iterable[Conversation] = (),
    cases: Iterable[Case] = (),
    links: Iterable[CaseLink] = (),
    requests: Iterable[KnowledgeRequest] = (),
    votes: Iterable[Vote] = (),
    poor_scores: Mapping[str, float] = POOR_SCORES,
) -> list[GapItem]:
    items = [GapItem(GapSource.SEARCH, s.query, s.created_at) for s in searches
             if s.query.strip() and is_poor_search(s, poor_scores)]
    linked = {link.case_id for link in links}
    unanswered = {c.reference for c in cases if is_finished(c) and c.id not in linked}
    for conv in conversations:
        if conv.case_reference in unanswered:
            question = next((t.question for t in conv.turns if t.question.strip()), "")
            if question:
                items.append(GapItem(GapSource.ASSISTANT, question, conv.created_at, conv.case_reference))
    items += [GapItem(GapSource.NO_ARTICLE, r.text, r.created_at, r.case_reference) for r in requests]
    items += [GapItem(GapSource.UNHELPFUL, v.reason, v.created_at, v.slug) for v in votes
              if not v.helpful and v.reason and v.reason.strip()]
    return items


def _title(items: Sequence[GapItem]) -> str:
    """The phrasing most often used; ties go to the shortest, then the earliest."""
    counts = Counter(" ".join(i.text.split()).casefold() for i in items)
    first = {}
    for i in sorted(items, key=lambda i: i.created_at):
        first.setdefault(" ".join(i.text.split()).casefold(), " ".join(i.text.split()))
    best = min(counts, key=lambda t: (-counts[t], len(t), t))
    title = first[best].splitlines()[0] if first[best] else best
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def group_gaps(items: Iterable[GapItem], threshold: float = SIMILARITY) -> list[GapGroup]:
    """Groups of similar wording, biggest first. Items with no usable words are left out."""
    by_tokens: dict[frozenset[str], list[GapItem]] = {}
    for item in sorted(items, key=lambda i: (i.created_at, i.source, i.text)):
        t = tokens(item.text)
        if t:
            by_tokens.setdefault(t, []).append(item)
    keys = sorted(by_tokens, key=lambda t: (-len(by_tokens[t]), sorted(t)))
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if similarity(keys[i], keys[j]) >= threshold:
                parent[find(j)] = find(i)
    clusters: dict[int, list[frozenset[str]]] = {}
    for i in range(len(keys)):
        clusters.setdefault(find(i), []).append(keys[i])
    groups = []
    for members in clusters.values():
        group_items = tuple(sorted((it for m in members for it in by_tokens[m]), key=lambda i: i.created_at))
        anchor = min(members, key=lambda t: (-len(by_tokens[t]), sorted(t)))
        key = hashlib.sha256(" ".join(sorted(anchor)).encode()).hexdigest()[:12]
        groups.append(GapGroup(key, _title(group_items), group_items))
    return sorted(groups, key=lambda g: (-g.size, -g.last_seen.timestamp(), g.key))


def _markdown_escape(text: str) -> str:
    """One line of user text, safe to show as plain Markdown (no HTML, links or formatting)."""
    line = " ".join(text.split())
    return re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", line)


def article_stub(group: GapGroup, *, category: str, owner: str = "", today: date,
                 review_months: int = 6, max_examples: int = 15) -> str:
    """A draft article (front matter plus headed sections) an author can edit and commit."""
    title = group.title.rstrip("?.… ").strip() or "Knowledge request"
    title = title[0].upper() + title[1:]
    meta = {
        "title": title,
        "summary": "TODO: one or two sentences that answer the question.",
        "category": category,
        "tags": group.keywords(),
        "status": "draft",
        "owner": owner,
        "reviewed": None,
        "review_by": today + timedelta(days=30 * review_months),
        "related": [],
        "scenarios": [],
        "topics": [],
        "service_requests": [],
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None).strip()
    sources = ", ".join(f"{n} {s.label.lower()}" for s, n in sorted(group.sources.items()))
    examples = [f"- {_markdown_escape(i.text)}" for i in group.items[:max_examples]]
    refs = ", ".join(group.refs[:20])
    seen = f"first seen {group.first_seen.date().isoformat()}, last seen {group.last_seen.date().isoformat()}"
    body = [
        "---", front, "---",
        "TODO: start with the answer in one short paragraph.",
        "",
        "## What this means",
        "",
        "TODO",
        "",
        "## What to check first",
        "",
        "1. TODO",
        "",
        "## When to raise a case",
        "",
        "TODO",
        "",
        "## What people asked (delete before publishing)",
        "",
        f"Knowledge request from {group.size} item(s): {sources}; {seen}."
        + (f" Cases and articles: {_markdown_escape(refs)}." if refs else ""),
        "",
        *examples,
        "",
    ]
    return "\n".join(body)


def gaps_table(groups: Sequence[GapGroup]) -> Table:
    return Table(
        ("Group", "Suggested title", "Items", "Searches", "Assistant questions", "No article flags",
         "Not helpful votes", "First seen", "Last seen", "Keywords", "Cases and articles"),
        tuple((g.key, g.title, g.size, g.sources[GapSource.SEARCH], g.sources[GapSource.ASSISTANT],
               g.sources[GapSource.NO_ARTICLE], g.sources[GapSource.UNHELPFUL], g.first_seen.date().isoformat(),
               g.last_seen.date().isoformat(), " ".join(g.keywords()), " ".join(g.refs)) for g in groups),
    )
