"""Command-line interface: `flask --app app index build`, and the other groups as they are added."""
from __future__ import annotations

import copy
import datetime as dt
import logging
from collections import Counter
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.web.deps import services

index_cli = AppGroup("index", help="Build the search indexes.")
content_cli = AppGroup("content", help="Check and create articles and glossary terms.")


@index_cli.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
def index_build(force: bool) -> None:
    """Bring the search indexes up to date with the content (only what changed)."""
    from app.assistant.semantic import VECTORS_KIND
    from app.assistant.targets import evidence_texts
    from app.content.repository import ContentRepository
    from app.content.source import ContentSource
    from app.search.build import build_all

    # Index what is on disk now, without changing what this process serves (servers switch to the new content
    # when they see the new index): the content this process loaded when it started, unless edited since.
    s = copy.copy(services())  # the same settings and services, with its own content source set below
    repo = s.source.current()
    if repo.fingerprint() != s.source.fingerprint:
        repo = ContentRepository(Path(s.config["KB_CONTENT_DIR"]))
    s.source = ContentSource.fixed(repo)
    for problem in s.content.problems:
        click.echo(f"skipped {problem}", err=True)
    # The assistant's evidence is embedded here too, so a server loads its vectors instead of computing them.
    for report in build_all(s, force=force, texts={VECTORS_KIND: evidence_texts(repo, s.model)}):
        if report.error:
            click.echo(f"{report.kind}: NOT BUILT ({report.error}); search serves with the other indexes", err=True)
            continue
        state = "rebuilt" if report.rebuilt else "up to date"
        click.echo(f"{report.kind}: {state}, {report.documents} documents, {report.seconds:.2f}s"
                   + (f" ({report.detail})" if report.detail and report.rebuilt else ""))


@content_cli.command("check")
@click.option("--files", "only_files", is_flag=True,
              help="Report only problems in the FILES given (for pre-commit); links are still checked "
                   "against the whole corpus.")
@click.argument("files", nargs=-1, type=click.Path())
def content_check(only_files: bool, files: tuple[str, ...]) -> None:
    """Check every article and glossary term; print path:line: problems, exit 1 on any error."""
    from app.content.checks import ERROR, check_content, only_in, summarise

    s = services()
    content_dir = Path(s.config["KB_CONTENT_DIR"])
    loader_log = logging.getLogger("app.content.loader")
    level = loader_log.level
    loader_log.setLevel(logging.ERROR)  # the report below names every skipped file
    try:
        problems = check_content(content_dir, s.model, dt.date.today())
    finally:
        loader_log.setLevel(level)
    if only_files or files:
        problems = only_in(problems, files, content_dir)
    for p in problems:
        click.echo(str(p))
    repo = s.content
    scope = f"{len(files)} changed file{'s' * (len(files) != 1)}" if only_files or files else None
    click.echo(summarise(problems, len(repo.all_articles()), len(repo.glossary), scope))
    if any(p.severity == ERROR for p in problems):
        raise SystemExit(1)


@content_cli.command("new")
@click.argument("title")
@click.option("--category", required=True, help="A category slug from articles/categories.yaml.")
@click.option("--owner", help="The team that keeps the article correct (default: the category's usual owner).")
@click.option("--summary", help="One or two sentences for search results and the top of the page.")
def content_new(title: str, category: str, owner: str | None, summary: str | None) -> None:
    """Write articles/<slug>.md from the template: front matter filled in, status draft."""
    from app.content.authoring import new_article, slug_for

    s = services()
    repo = s.content
    if category not in repo.categories:
        raise click.BadParameter(f"'{category}' is not one of: {', '.join(sorted(repo.categories))}",
                                 param_hint="--category")
    slug = slug_for(title)
    if not slug:
        raise click.BadParameter("the title needs at least one letter or digit", param_hint="TITLE")
    if owner is None:
        owners = Counter(a.owner for a in repo.all_articles() if a.category == category and a.owner) or Counter(
            a.owner for a in repo.all_articles() if a.owner)
        owner = owners.most_common(1)[0][0] if owners else "MHHS Knowledge Management"
    path = Path(s.config["KB_CONTENT_DIR"]) / "articles" / f"{slug}.md"
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(new_article(title, category, owner, dt.date.today(), summary))
    except FileExistsError:
        raise click.ClickException(f"articles/{slug}.md already exists; edit it or choose another title") from None
    click.echo(f"wrote articles/{slug}.md (status draft, owner {owner}, review by in 6 months)")
    click.echo("Next: replace each TODO, add scenarios/topics/service_requests, then `make check`.")


def init_app(app: Flask) -> None:
    app.cli.add_command(index_cli)
    app.cli.add_command(content_cli)
