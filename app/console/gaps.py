"""Knowledge gaps: what people looked for and did not find, grouped by similar wording, as article stubs.

Sources: searches with no or poor results, assistant questions that ended in a case resolved with no
article, agents' "no article exists" flags, and the reasons people gave for "not helpful" votes.
Grouping is single-link clustering on token-set (Jaccard) similarity: plain and explainable. Searches
arrive already counted per normalised query (app.console.searchlog), and each phrasing is compared only
with phrasings sharing one of its words (at most CANDIDATES_PER_WORD of them per word), so the report's
time grows linearly with the number of distinct phrasings.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import yaml

from app.cases.records import Case, Conversation, Vote
from app.console.reports import Table, is_finished
from app.console.searchlog import SearchGap
from app.console.store import CaseLink, KnowledgeRequest
from app.console.wording import similarity, tokens

#: Two phrasings belong together when they share at least this share of their distinct words.
SIMILARITY = 0.5
#: Grouping compares a phrasing with at most this many earlier (more frequent) ones per word it has, so a
#: flood of phrasings sharing a word costs linear time; below that, every pair sharing a word is compared.
CANDIDATES_PER_WORD = 40
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
    count: int = 1  # how many times it was seen (searches are counted per normalised query)
    last_at: datetime | None = None  # when it was last seen, if counted more than once

    @property
    def seen_last(self) -> datetime:
        return self.last_at or self.created_at


@dataclass(frozen=True)
class GapGroup:
    key: str
    title: str
    items: tuple[GapItem, ...]

    @property
    def size(self) -> int:
        return sum(i.count for i in self.items)

    @property
    def sources(self) -> Counter[GapSource]:
        counts: Counter[GapSource] = Counter()
        for i in self.items:
            counts[i.source] += i.count
        return counts

    @property
    def first_seen(self) -> datetime:
        return min(i.created_at for i in self.items)

    @property
    def last_seen(self) -> datetime:
        return max(i.seen_last for i in self.items)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.ref for i in self.items if i.ref))

    def keywords(self, n: int = 5) -> list[str]:
        counts: Counter[str] = Counter()
        for i in self.items:
            counts.update(dict.fromkeys(tokens(i.text), i.count))
        return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def collect_gap_items(
    *,
    searches: Iterable[SearchGap] = (),
    conversations: Iterable[Conversation] = (),
    cases: Iterable[Case] = (),
    links: Iterable[CaseLink] = (),
    requests: Iterable[KnowledgeRequest] = (),
    votes: Iterable[Vote] = (),
) -> list[GapItem]:
    items = [GapItem(GapSource.SEARCH, s.query, s.first_at, count=s.count, last_at=s.last_at) for s in searches
             if s.query.strip()]
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
    counts: Counter[str] = Counter()
    for i in items:
        counts[" ".join(i.text.split()).casefold()] += i.count
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
    weight = {t: sum(i.count for i in its) for t, its in by_tokens.items()}
    keys = sorted(by_tokens, key=lambda t: (-weight[t], sorted(t)))
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[str, list[int]] = {}  # word -> the first phrasings (most frequent first) that use it
    for i, key in enumerate(keys):
        seen: set[int] = set()
        for word in sorted(key):
            posting = postings.setdefault(word, [])
            for j in posting:
                if j not in seen:
                    seen.add(j)
                    if similarity(keys[j], key) >= threshold:
                        parent[find(i)] = find(j)
            if len(posting) < CANDIDATES_PER_WORD:
                posting.append(i)
    clusters: dict[int, list[frozenset[str]]] = {}
    for i in range(len(keys)):
        clusters.setdefault(find(i), []).append(keys[i])
    groups = []
    for members in clusters.values():
        group_items = tuple(sorted((it for m in members for it in by_tokens[m]), key=lambda i: i.created_at))
        anchor = min(members, key=lambda t: (-weight[t], sorted(t)))
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
