"""Major incidents in public: /status, /status/<reference>, the Atom feed, GET /api/status, following by email,
and the banner on every page while one is open."""
from __future__ import annotations

from flask import Flask

from app.web.incident_cli import incident_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(incident_cli)
