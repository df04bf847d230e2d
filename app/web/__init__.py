"""Web layer: Flask blueprints, templates helpers, errors and CLI. The only package that imports Flask."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.web import api, cases, cases_api, cli, errors, glossary, pages, search, security

    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for bp in (pages.bp, glossary.bp, search.bp, api.bp, cases.bp, cases_api.bp):
        app.register_blueprint(bp)
    from app.web import assistant

    app.register_blueprint(assistant.bp)
