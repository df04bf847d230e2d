"""Access to the services built by the composition root, from inside a request."""
from __future__ import annotations

from flask import current_app

from app.services import Services


def services() -> Services:
    return current_app.extensions["kb"]
