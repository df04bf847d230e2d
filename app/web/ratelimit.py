"""Per-client rate limits of the public forms and JSON endpoints: built-in defaults, overridable by name
with KB_RATE_LIMITS (checked at start-up, so a typo stops the app instead of silently lifting a limit)."""
from __future__ import annotations

import re

from flask import Flask, current_app

#: The limits a deployment may override, and what each counts.
NAMES = {
    "assist-api": "POST /api/assist calls",
    "assist-page": "questions asked on the /assist page",
    "case-create": "cases raised (form and API together)",
    "case-comment": "comments added from tracking pages",
    "case-link": "lost-link requests",
    "case-token": "failed case reference and token checks (tracking pages, comments, GET /api/cases/<reference>)",
    "article-vote": "\"Was this helpful?\" votes recorded (more are thanked but not counted)",
    "search-log": "searches counted for the knowledge-gaps report (more are answered but not counted)",
    "code-address": "one-time codes requested from one client address (registration and sign-in)",
    "code-email": "one-time codes sent to one email address",
    "incident-follow": "requests to follow a major incident by email (each sends a confirmation link)",
}
_ITEM = re.compile(r"^\s*([a-z-]+)\s*=\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_rate_limits(value: str | None) -> dict[str, tuple[int, int]]:
    """'case-create=10/3600, assist-api=30/60' -> {name: (count, seconds)}; ValueError on anything else."""
    limits: dict[str, tuple[int, int]] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        match = _ITEM.match(item)
        if match is None or match.group(1) not in NAMES or int(match.group(2)) < 1 or int(match.group(3)) < 1:
            raise ValueError(f"KB_RATE_LIMITS: {item.strip()!r} is not name=count/seconds with a positive count "
                             f"and window and a name from {', '.join(NAMES)}")
        limits[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return limits


def rate_limit(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """(count, window seconds) for ``name``: the configured override, else the caller's default."""
    return current_app.extensions.get("kb_rate_limits", {}).get(name, default)


def init_app(app: Flask) -> None:
    app.extensions["kb_rate_limits"] = parse_rate_limits(app.config.get("KB_RATE_LIMITS"))
