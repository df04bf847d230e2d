"""Command-line interface: `flask --app app index build`, and the other groups as they are added."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.web.deps import services

index_cli = AppGroup("index", help="Build the search indexes.")


@index_cli.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
def index_build(force: bool) -> None:
    """Bring the search indexes up to date with the content (only what changed)."""
    from app.search.build import build_all

    s = services()
    for problem in s.content.problems:
        click.echo(f"skipped {problem}", err=True)
    for report in build_all(s, force=force):
        state = "rebuilt" if report.rebuilt else "up to date"
        click.echo(f"{report.kind}: {state}, {report.documents} documents, {report.seconds:.2f}s"
                   + (f" ({report.detail})" if report.detail and report.rebuilt else ""))


def init_app(app: Flask) -> None:
    app.cli.add_command(index_cli)
