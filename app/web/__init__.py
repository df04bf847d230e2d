"""Web layer: Flask blueprints, templates helpers, errors and CLI. The only package that imports Flask."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.cases.store import MAX_COMMENT
    from app.web import (
        account,
        api,
        assistant,
        auth,
        cases,
        cases_api,
        cli,
        console,
        errors,
        glossary,
        health,
        pages,
        ratelimit,
        search,
        security,
        status,
    )

    app.jinja_env.globals["max_comment"] = MAX_COMMENT  # comment, note and resolution boxes
    security.init_app(app)
    ratelimit.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for bp in (health.bp, pages.bp, glossary.bp, search.bp, api.bp, cases.bp, cases_api.bp, assistant.bp):
        app.register_blueprint(bp)
    account.init_app(app)
    auth.init_app(app)
    console.init_app(app)
    status.init_app(app)
