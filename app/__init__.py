"""MHHS knowledge base and deflection assistant: `create_app`, and nothing else.

Importing `app` (or any `app.*` module) loads nothing but this function: Flask, the database and the
services are imported when an app is created, and each service is built when first used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: settings, process policy, services (built lazily), blueprints and CLI."""
    import logging
    from pathlib import Path

    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import heap
    from app.config import load_config
    from app.secret_key import check_environment, load_or_create_secret
    from app.services import build_services
    from app.web import register_blueprints

    app = Flask(__name__, instance_relative_config=True)
    config = load_config()
    config.update(test_config or {})
    check_environment(config.get("KB_ENV"), config.get("KB_SECRET_KEY"))
    if not config.get("KB_SECRET_KEY"):  # development: one generated key shared by every worker
        config["KB_SECRET_KEY"] = load_or_create_secret(Path(app.instance_path) / "secret_key")
    app.config.update(config)
    if config.get("KB_ENV") == "production" and app.debug:
        raise RuntimeError("KB_ENV=production must not run in debug mode: unset FLASK_DEBUG (and DEBUG)")
    app.config["SECRET_KEY"] = config["KB_SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    if proxies := int(config.get("KB_PROXY_FIX") or 0):  # only headers the trusted proxies themselves add count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    heap.configure()
    app.extensions["kb"] = build_services(app.config)
    register_blueprints(app)
    return app
