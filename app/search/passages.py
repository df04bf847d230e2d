"""Articles split into passages of about 150-200 words along headings; each maps back to its section."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from app.content.models import Article, GlossaryTerm
from app.content.render import anchor_for, plain_text, render_markdown

TARGET_WORDS = 180
MAX_WORDS = 220
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Passage:
    id: str  # "<kind>:<slug>#<n>"
    kind: str  # "article" | "glossary"
    slug: str
    title: str
    section: str | None  # heading anchor, None for the article's opening
    heading: str | None
    text: str

    @property
    def embed_text(self) -> str:
        """What gets embedded: the title and heading give the passage its context."""
        head = f"{self.title}. {self.heading}." if self.heading else f"{self.title}."
        return f"{head} {self.text}"

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()[:32]


def _sections(body: str) -> list[tuple[str | None, str]]:
    """(heading text, markdown) blocks in order; the opening block has no heading."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    fenced = False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            blocks.append((m.group(2), []))
        else:
            blocks[-1][1].append(line)
    return [(h, "\n".join(lines)) for h, lines in blocks if h or "\n".join(lines).strip()]


def _split_words(words: list[str]) -> list[list[str]]:
    """Chunks of about TARGET_WORDS, never over MAX_WORDS, no tiny tail."""
    if len(words) <= MAX_WORDS:
        return [words]
    n = -(-len(words) // TARGET_WORDS)
    size = -(-len(words) // n)
    return [words[i : i + size] for i in range(0, len(words), size)]


def article_passages(a: Article) -> list[Passage]:
    passages: list[Passage] = []
    pending_heading: str | None = None
    carry: list[str] = []
    sections = _sections(a.body)
    for i, (heading, md) in enumerate(sections):
        words = render_markdown(md).text.split() if md.strip() else []
        if heading is not None and not carry:
            pending_heading = heading
        carry += words
        last = i == len(sections) - 1
        # Merge very short sections into the next one so a passage has enough meaning to embed.
        if len(carry) < 60 and not last:
            continue
        for chunk in _split_words(carry):
            passages.append(Passage(
                id=f"article:{a.slug}#{len(passages)}", kind="article", slug=a.slug, title=a.title,
                section=anchor_for(pending_heading) if pending_heading else None, heading=pending_heading,
                text=" ".join(chunk),
            ))
        carry, pending_heading = [], None
    if not passages:
        passages.append(Passage(f"article:{a.slug}#0", "article", a.slug, a.title, None, None, a.summary))
    # The summary is the article's own one-line answer and the tags are how readers name the problem:
    # embed them with the title as a passage too.
    overview = f"{a.summary} {'; '.join(a.tags)}." if a.tags else a.summary
    passages.append(Passage(f"article:{a.slug}#summary", "article", a.slug, a.title, None, None, overview))
    return passages


def glossary_passage(t: GlossaryTerm) -> Passage:
    names = ", ".join(t.names())
    return Passage(f"glossary:{t.slug}#0", "glossary", t.slug, t.term, None, None, f"{names}: {plain_text(t.html)}")
