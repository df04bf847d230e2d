"""All loaded content in memory, with the lookups pages and search need."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from app.content.loader import load_articles, load_categories, load_glossary
from app.content.models import Article, Category, ContentProblem, GlossaryTerm
from app.content.render import render_markdown
from app.content.rendercache import RenderCache

PER_PAGE_CHOICES = (10, 20, 50)
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("0-9",)


@dataclass(frozen=True)
class GlossaryPage:
    terms: tuple[GlossaryTerm, ...]
    total: int
    page: int
    per_page: int | None  # None means "All"

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * (self.per_page or self.total) + 1

    @property
    def last(self) -> int:
        return self.first + len(self.terms) - 1 if self.terms else 0

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))


class ContentRepository:
    """Articles, categories and glossary loaded once from a content folder."""

    def __init__(self, content_dir: Path, render_cache: Path | None = None) -> None:
        """`render_cache`: a file keeping the rendered Markdown between loads (app.content.rendercache)."""
        self.content_dir = Path(content_dir)
        self.categories: dict[str, Category] = load_categories(self.content_dir)
        cache = RenderCache(render_cache) if render_cache is not None else None
        render = cache.render if cache is not None else render_markdown
        articles = load_articles(self.content_dir, set(self.categories) or None, render)
        glossary = load_glossary(self.content_dir, render)
        if cache is not None:
            cache.save()
        self.problems: tuple[ContentProblem, ...] = articles.problems + glossary.problems
        self._articles: dict[str, Article] = {a.slug: a for a in articles.items}
        self.glossary: tuple[GlossaryTerm, ...] = tuple(sorted(glossary.items, key=lambda t: t.term.casefold()))
        self._terms = {t.slug: t for t in self.glossary}
        self._names: dict[str, GlossaryTerm] = {}
        for t in self.glossary:
            for name in t.names():
                self._names.setdefault(name.casefold(), t)
        self._mention = _mention_pattern(self.glossary)

    # Articles
    def all_articles(self) -> tuple[Article, ...]:
        return tuple(self._articles.values())

    def published(self) -> tuple[Article, ...]:
        return tuple(a for a in self._articles.values() if a.is_public)

    def get_article(self, slug: str) -> Article | None:
        return self._articles.get(slug)

    def in_category(self, slug: str) -> tuple[Article, ...]:
        return tuple(sorted((a for a in self.published() if a.category == slug), key=lambda a: a.title))

    def related(self, article: Article) -> tuple[Article, ...]:
        found = (self._articles.get(s) for s in article.related)
        return tuple(a for a in found if a is not None and a.is_public)

    def covering(self, source_id: str) -> tuple[Article, ...]:
        """Published articles whose front matter lists this DIP-, KA- or SR- id."""
        return tuple(a for a in self.published() if source_id in a.covers())

    # Glossary
    def get_term(self, slug: str) -> GlossaryTerm | None:
        return self._terms.get(slug)

    def find_term(self, name: str) -> GlossaryTerm | None:
        """The glossary entry a term, acronym or alias names (any case)."""
        return self._names.get(name.strip().casefold())

    def glossary_page(self, letter: str | None, page: int, per_page: int | None, query: str = "") -> GlossaryPage:
        """One page of the terms under `letter` (all when None) whose term, acronym or an alias holds `query`."""
        wanted = query.strip().casefold()
        terms = [t for t in self.glossary if (not letter or t.letter == letter)
                 and (not wanted or any(wanted in n.casefold() for n in t.names()))]
        size = per_page or max(len(terms), 1)
        page = min(max(1, page), max(1, -(-len(terms) // size)))  # past the end shows the last page
        start = (page - 1) * size
        return GlossaryPage(tuple(terms[start : start + size]), len(terms), page, per_page)

    def letters_in_use(self) -> set[str]:
        return {t.letter for t in self.glossary}

    def terms_in(self, article: Article) -> tuple[GlossaryTerm, ...]:
        """Glossary terms an article mentions, by acronym or full term, in order of first mention."""
        if self._mention is None:
            return ()
        seen: dict[str, GlossaryTerm] = {}
        for m in self._mention.finditer(article.text):
            term = self.find_term(m.group(0))
            if term is not None:
                seen.setdefault(term.slug, term)
        return tuple(seen.values())

    def fingerprint(self) -> str:
        """Hash of every content file: tells `make index` whether anything changed."""
        h = hashlib.sha256()
        for folder in ("articles", "glossary"):
            for path in sorted((self.content_dir / folder).glob("*")):
                if path.is_file():
                    h.update(path.name.encode())
                    h.update(path.read_bytes())
        return h.hexdigest()


def _mention_pattern(terms: tuple[GlossaryTerm, ...]) -> re.Pattern[str] | None:
    """Acronyms match case-sensitively (so 'CI' is not 'ci'); full terms of 2+ words match in any case."""
    acronyms = {t.acronym for t in terms if t.acronym and len(t.acronym) >= 2}
    phrases = {t.term for t in terms if len(t.term.split()) >= 2}
    parts = [re.escape(a) for a in sorted(acronyms, key=len, reverse=True)]
    parts += ["(?i:" + re.escape(p) + ")" for p in sorted(phrases, key=len, reverse=True)]
    if not parts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
