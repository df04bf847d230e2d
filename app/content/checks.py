"""`make check`: every problem in the articles and glossary, as path:line: message, before it reaches readers.

The loader's own parsing finds the per-file errors (front matter, required fields, status, category);
this module adds the checks that need the whole corpus or the service model.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import yaml

from app.content.frontmatter import split_document
from app.content.loader import load_articles, load_categories, load_glossary
from app.content.models import Article, ContentProblem, GlossaryTerm, Status
from app.content.unconfirmed import problems as unconfirmed_problems

ERROR, WARNING = "error", "warning"
SUMMARY_MAX = 300

#: list field -> the id prefix it holds (ids come from the service model).
ID_FIELDS = {"scenarios": "DIP-", "topics": "KA-", "service_requests": "SR-"}
ID_KINDS = {"DIP-": "a DIP scenario", "KA-": "a knowledge article topic", "SR-": "a service request"}

#: Capitalised words that need no glossary entry: general abbreviations any reader knows, words written in
#: capitals for emphasis, and the LLSD's own labels quoted as written ("Channel: PORTAL", type "OTHER").
#: Everything else in capitals is MHHS or IT jargon and belongs in the glossary.
ORDINARY_CAPS = frozenset({
    "AI", "AM", "PM", "ASAP", "CSV", "ETA", "EU", "FAQ", "GB", "ID", "IT", "NB", "OK", "PC", "PDF", "SMS", "TBC",
    "TBD", "UK", "URL",
    "ALL", "AND", "DO", "MUST", "NEVER", "NO", "NOT", "ONLY", "OR",
    "OTHER", "PORTAL", "TODO",
})
#: What `content new` leaves for the author to replace.
PLACEHOLDER = re.compile(r"\bTODO\b")
#: 2-6 capital letters standing alone (not part of an id like DIP-SEND-04 or a code like IF-036); plural "s" allowed.
ACRONYM = re.compile(r"(?<![\w-])([A-Z]{2,6})s?(?![\w-])")
#: Markdown inline links and reference definitions to the site's own pages.
INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
INLINE_CODE = re.compile(r"`+[^`]*`+")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
SITE_URL = re.compile(r"^/(articles|glossary|categories)/([^#?/]*)/?(?:\?[^#]*)?(?:#(.*))?$")


class IdCatalogue(Protocol):
    """The part of the service model the check needs (app.servicemodel.ServiceModel fits)."""

    def known_ids(self) -> set[str]: ...


class _Source:
    """One loaded file: its lines and where its body starts, so findings point at the right line."""

    def __init__(self, content_dir: Path, rel: str) -> None:
        text = (content_dir / rel).read_text(encoding="utf-8")
        self.lines = text.splitlines()
        _, _, self.body_start, self.fields = split_document(text)

    def field(self, name: str) -> int:
        return self.fields.get(name, 2)

    def value_line(self, name: str, value: str) -> int:
        """The line of one item of a list field (block or flow style); the field's line if not found."""
        start = self.fields.get(name)
        if start is None:
            return 2
        following = [n for n in self.fields.values() if n > start]
        end = min(following) if following else self.body_start - 1
        for number in range(start, end):
            if re.search(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])", self.lines[number - 1]):
                return number
        return start

    def body_lines(self) -> Iterable[tuple[int, str]]:
        """Body lines outside fenced code, with inline code removed."""
        fenced = False
        for offset, line in enumerate(self.lines[self.body_start - 1 :]):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                yield self.body_start + offset, INLINE_CODE.sub("", line)


def check_content(content_dir: Path, model: IdCatalogue, today: dt.date) -> list[ContentProblem]:
    """Every error and warning in the articles, categories and glossary under content_dir, sorted by file and line."""
    content_dir = Path(content_dir)
    problems: list[ContentProblem] = []
    categories_path = content_dir / "articles" / "categories.yaml"
    try:
        categories = set(load_categories(content_dir))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(ContentProblem("articles/categories.yaml", mark.line + 1 if mark else 1,
                                       "categories file is not valid YAML"))
        categories = set()
    if not categories_path.exists():
        problems.append(ContentProblem("articles/categories.yaml", 1, "no categories file: every article needs one"))
    articles = load_articles(content_dir, categories)
    glossary = load_glossary(content_dir)
    problems += articles.problems + glossary.problems
    sources = {item.path: _Source(content_dir, item.path) for item in (*articles.items, *glossary.items)}
    problems += _check_articles(articles.items, glossary.items, sources, categories, model.known_ids(), today)
    problems += _check_glossary(glossary.items, sources)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.severity, p.message))


def only_in(problems: Iterable[ContentProblem], files: Iterable[str | Path], content_dir: Path) -> list[ContentProblem]:
    """The problems in the named files (paths as given on the command line); a changed categories file
    can break any article, so naming it keeps every problem."""
    wanted = {Path(f).resolve() for f in files}
    if (Path(content_dir) / "articles" / "categories.yaml").resolve() in wanted:
        return list(problems)
    return [p for p in problems if (Path(content_dir) / p.path).resolve() in wanted]


def _check_articles(articles: tuple[Article, ...], terms: tuple[GlossaryTerm, ...], sources: dict[str, _Source],
                    categories: set[str], known_ids: set[str], today: dt.date) -> list[ContentProblem]:
    by_slug = {a.slug: a for a in articles}
    out = _duplicates([(a.slug.casefold(), a) for a in articles], sources, "slug", None)
    out += _duplicates([(" ".join(a.title.casefold().split()), a) for a in articles if a.status is not Status.RETIRED],
                       sources, "title", "title")
    links = _LinkTargets(by_slug, {t.slug for t in terms}, categories)
    glossary_names = {n.casefold() for t in terms for n in t.names()}
    for a in articles:
        src = sources[a.path]
        found = [
            *_related(a, src, by_slug),
            *_links(a, src, links),
            *_ids(a, src, known_ids),
            *_review(a, src, today),
            *_placeholders(a, src),
            *_unconfirmed(a, src, today),
            *_unknown_acronyms(a, src, glossary_names),
        ]
        if len(a.summary) > SUMMARY_MAX:
            found.append((src.field("summary"), f"summary is {len(a.summary)} characters; keep it to {SUMMARY_MAX}",
                          WARNING))
        out += [ContentProblem(a.path, line, message, severity) for line, message, severity in found]
    return out


Finding = tuple[int, str, str]  # line, message, severity


def _related(a: Article, src: _Source, by_slug: dict[str, Article]) -> Iterator[Finding]:
    for slug in a.related:
        target = by_slug.get(slug)
        if target is None:
            yield src.value_line("related", slug), f"related article '{slug}' does not exist", ERROR
        elif target.status is Status.RETIRED:
            yield src.value_line("related", slug), f"related article '{slug}' is retired" + _instead(target), ERROR
    if a.replaced_by and a.replaced_by not in by_slug:
        yield src.field("replaced_by"), f"replaced_by names a missing article '{a.replaced_by}'", ERROR


def _instead(retired: Article) -> str:
    return f"; link to its replacement '{retired.replaced_by}'" if retired.replaced_by else ""


def _links(a: Article, src: _Source, links: _LinkTargets) -> Iterator[Finding]:
    for line_no, line in src.body_lines():
        for url in (*INLINE_LINK.findall(line), *REFERENCE_LINK.findall(line)):
            message = links.broken(url, a)
            if message:
                yield line_no, message, ERROR


def _ids(a: Article, src: _Source, known_ids: set[str]) -> Iterator[Finding]:
    for name, prefix in ID_FIELDS.items():
        for value in getattr(a, name):
            if value not in known_ids:
                yield src.value_line(name, value), f"unknown id '{value}' in {name}", ERROR
            elif not value.startswith(prefix):
                kind = next((k for p, k in ID_KINDS.items() if value.startswith(p)), "another kind of")
                yield src.value_line(name, value), f"'{value}' is {kind} id; it does not belong in {name}", ERROR


def _review(a: Article, src: _Source, today: dt.date) -> Iterator[Finding]:
    if a.status is not Status.PUBLISHED:
        return
    owner = f" (owner: {a.owner})" if a.owner else ""
    if a.review_by is None:
        yield 2, f"published article has no review_by date{owner}", WARNING
    elif a.review_by < today:
        yield (src.field("review_by"), f"review_by {a.review_by.isoformat()} has passed: review the article and "
               f"move reviewed and review_by on{owner}", ERROR)
    if not a.covers():
        yield src.field("scenarios"), "published article lists no scenarios, topics or service_requests", WARNING


class _LinkTargets:
    """Decides whether a link in an article leads to a page its readers can open."""

    def __init__(self, articles: dict[str, Article], glossary: set[str], categories: set[str]) -> None:
        self.articles, self.glossary, self.categories = articles, glossary, categories

    def broken(self, url: str, source: Article) -> str | None:
        if url.startswith("#"):
            return self._anchor(source, url[1:], "this article")
        m = SITE_URL.match(url)
        if m is None:
            return None
        kind, slug, anchor = m.groups()
        if not slug:
            return None
        if kind == "glossary":
            return None if slug in self.glossary else f"link to a missing glossary term '{slug}'"
        if kind == "categories":
            return None if slug in self.categories else f"link to a missing category '{slug}'"
        target = self.articles.get(slug)
        if target is None:
            return f"link to a missing article '{slug}'"
        if source.is_public and target.status is Status.RETIRED:
            return f"link to retired article '{slug}'" + _instead(target)
        if source.is_public and not target.is_public:
            return f"link to article '{slug}', which is {target.status.value} and not visible to the public"
        return self._anchor(target, anchor, f"'{slug}'") if anchor else None

    @staticmethod
    def _anchor(target: Article, anchor: str, where: str) -> str | None:
        if anchor in {h.anchor for h in target.headings}:
            return None
        return f"link to a missing anchor '#{anchor}' in {where}"


def _duplicates(keyed: list[tuple[str, Article]], sources: dict[str, _Source], what: str,
                field: str | None) -> list[ContentProblem]:
    """Each member of a group sharing a key is told about the others (so a pre-commit run on either sees it)."""
    groups: dict[str, list[Article]] = defaultdict(list)
    for key, article in keyed:
        groups[key].append(article)
    out = []
    for group in (g for g in groups.values() if len(g) > 1):
        for a in group:
            others = ", ".join(o.path for o in group if o is not a)
            line = sources[a.path].field(field) if field else 1
            out.append(ContentProblem(a.path, line, f"duplicate {what}: also used by {others}"))
    return out


def _placeholders(a: Article, src: _Source) -> Iterator[Finding]:
    if a.status is not Status.PUBLISHED:
        return
    if PLACEHOLDER.search(a.summary):
        yield src.field("summary"), "published article still has a TODO placeholder in its summary", ERROR
    line = next((n for n, text in src.body_lines() if PLACEHOLDER.search(text)), None)
    if line is not None:
        yield line, "published article still has a TODO placeholder", ERROR


def _unconfirmed(a: Article, src: _Source, today: dt.date) -> Iterator[Finding]:
    if a.status is Status.RETIRED:
        return
    for line_no, line in src.body_lines():
        for message in unconfirmed_problems(line, today):
            yield line_no, message, ERROR


def _unknown_acronyms(a: Article, src: _Source, glossary_names: set[str]) -> Iterator[Finding]:
    """One warning per capitalised abbreviation the glossary cannot explain, at its first use."""
    if a.status is Status.RETIRED:
        return
    seen: set[str] = set()
    for line_no, line in src.body_lines():
        text = re.sub(r"https?://\S+", "", INLINE_LINK.sub("]", line))
        for m in ACRONYM.finditer(text):
            word = m.group(1)
            if word in seen or word in ORDINARY_CAPS or word.casefold() in glossary_names:
                continue
            seen.add(word)
            yield line_no, f"'{word}' is not in the glossary: add a term or spell it out", WARNING


def _check_glossary(terms: tuple[GlossaryTerm, ...], sources: dict[str, _Source]) -> list[ContentProblem]:
    out: list[ContentProblem] = []
    slugs = {t.slug for t in terms}
    owners: dict[str, list[GlossaryTerm]] = defaultdict(list)
    for t in terms:
        owners[t.term.casefold()].append(t)
    for t in terms:
        src = sources[t.path]
        clashes = [o for o in owners[t.term.casefold()] if o is not t]
        if t.acronym:
            # "DIP" as one entry's acronym and another entry's term defines the same thing twice.
            clashes += [o for o in owners.get(t.acronym.casefold(), []) if o is not t and o not in clashes]
        clashes += [o for o in terms if o is not t and o.acronym and o.acronym.casefold() == t.term.casefold()
                    and o not in clashes]
        if clashes:
            others = ", ".join(o.path for o in clashes)
            out.append(ContentProblem(t.path, src.field("term"), f"glossary term '{t.term}' is defined twice: "
                                      f"also in {others}"))
        for slug in t.see_also:
            if slug not in slugs:
                out.append(ContentProblem(t.path, src.value_line("see_also", slug),
                                          f"see_also names a missing glossary term '{slug}'"))
    return out


def summarise(problems: list[ContentProblem], articles: int, terms: int, scope: str | None = None) -> str:
    """The last line of `make check`."""
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    checked = f"{articles} articles and {terms} glossary terms checked" + (f"; reporting on {scope}" if scope else "")
    if not problems:
        return f"No problems ({checked})."
    files = len({p.path for p in problems})
    return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)} ({checked}).")
