"""Read articles, glossary terms and categories from disk; report bad files and skip them."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.content.frontmatter import as_date, as_list, as_str, split_document
from app.content.models import Article, Category, ContentError, ContentProblem, GlossaryTerm, Status
from app.content.render import Rendered, render_markdown

logger = logging.getLogger(__name__)

#: Markdown source -> sanitised HTML, text and headings (render_markdown, or a RenderCache's render)
Render = Callable[[str], Rendered]

REQUIRED_ARTICLE_FIELDS = ("title", "summary", "category", "status")
REQUIRED_GLOSSARY_FIELDS = ("term",)

#: front matter field -> normaliser; unknown fields are kept out of the model.
ARTICLE_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "title": as_str,
    "summary": as_str,
    "category": as_str,
    "tags": as_list,
    "status": as_str,
    "owner": as_str,
    "reviewed": as_date,
    "review_by": as_date,
    "related": as_list,
    "scenarios": as_list,
    "topics": as_list,
    "service_requests": as_list,
    "replaced_by": as_str,
}
GLOSSARY_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "term": as_str,
    "acronym": as_str,
    "aliases": as_list,
    "see_also": as_list,
    "source": as_str,
}


@dataclass(frozen=True)
class Loaded:
    """What a load found: usable items and every problem met on the way."""

    items: tuple[Any, ...]
    problems: tuple[ContentProblem, ...]


def _normalise(meta: dict[str, Any], table: dict[str, Callable[[Any, str], Any]],
               lines: dict[str, int]) -> dict[str, Any]:
    out = {}
    for name, fn in table.items():
        try:
            out[name] = fn(meta.get(name), name)
        except ContentError as exc:
            raise ContentError(exc.message, lines.get(name, 2)) from None
    return out


def _require(values: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if not values.get(name):
            raise ContentError(f"missing required field '{name}'", 2)


def parse_article(path: Path, text: str, categories: set[str] | None = None, rel: str | None = None,
                  render: Render = render_markdown) -> Article:
    meta, body, _, lines = split_document(text)
    values = _normalise(meta, ARTICLE_FIELDS, lines)
    rendered = render(body)
    if not values["title"]:
        first_h1 = next((ln[2:].strip() for ln in body.splitlines() if ln.startswith("# ")), "")
        values["title"] = first_h1 or path.stem.replace("-", " ").capitalize()
    _require(values, REQUIRED_ARTICLE_FIELDS)
    try:
        status = Status(values["status"])
    except ValueError:
        allowed = " | ".join(s.value for s in Status)
        raise ContentError(f"unknown status '{values['status']}' (use {allowed})", lines.get("status", 2)) from None
    if categories is not None and values["category"] not in categories:
        raise ContentError(f"unknown category '{values['category']}'", lines.get("category", 2))
    return Article(
        slug=path.stem,
        title=values["title"],
        summary=values["summary"],
        category=values["category"],
        tags=values["tags"],
        status=status,
        owner=values["owner"],
        reviewed=values["reviewed"],
        review_by=values["review_by"],
        related=values["related"],
        scenarios=values["scenarios"],
        topics=values["topics"],
        service_requests=values["service_requests"],
        replaced_by=values["replaced_by"] or None,
        body=body,
        html=rendered.html,
        text=rendered.text,
        headings=rendered.headings,
        path=rel or str(path),
        field_lines=lines,
    )


def parse_glossary_term(path: Path, text: str, rel: str | None = None,
                        render: Render = render_markdown) -> GlossaryTerm:
    meta, body, _, lines = split_document(text)
    values = _normalise(meta, GLOSSARY_FIELDS, lines)
    _require(values, REQUIRED_GLOSSARY_FIELDS)
    if not body.strip():
        raise ContentError("a glossary term needs a definition below the front matter", 2)
    rendered = render(body)
    return GlossaryTerm(
        slug=path.stem,
        term=values["term"],
        acronym=values["acronym"] or None,
        aliases=values["aliases"],
        see_also=values["see_also"],
        source=values["source"] or None,
        definition=rendered.text,
        html=rendered.html,
        path=rel or str(path),
    )


def _load_dir(folder: Path, parse: Callable[[Path, str, str], Any], root: Path) -> Loaded:
    items, problems = [], []
    for path in sorted(folder.glob("*.md")):
        if path.name.upper() == "README.MD" or path.name.startswith("_"):
            continue
        rel = _relative(path, root)
        try:
            items.append(parse(path, path.read_text(encoding="utf-8"), rel))
        except UnicodeDecodeError:
            problems.append(ContentProblem(rel, 1, "file is not UTF-8 text"))
        except ContentError as exc:
            problems.append(ContentProblem(rel, exc.line, exc.message))
    for p in problems:
        logger.warning("skipped %s", p)
    return Loaded(tuple(items), tuple(problems))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_categories(content_dir: Path) -> dict[str, Category]:
    path = content_dir / "articles" / "categories.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        slug: Category(slug, str(v.get("title", slug)), str(v.get("description", "")))
        for slug, v in data.items()
        if isinstance(v, dict)
    }


def load_articles(content_dir: Path, categories: set[str] | None = None, render: Render = render_markdown) -> Loaded:
    return _load_dir(
        content_dir / "articles", lambda p, t, r: parse_article(p, t, categories, r, render), content_dir
    )


def load_glossary(content_dir: Path, render: Render = render_markdown) -> Loaded:
    return _load_dir(content_dir / "glossary", lambda p, t, r: parse_glossary_term(p, t, r, render), content_dir)
