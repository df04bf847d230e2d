"""Per-client rate limits of the public forms and JSON endpoints: the defaults in app.config, overridable by name
with KB_RATE_LIMITS (checked at start-up, so a typo stops the app instead of silently lifting a limit)."""
from __future__ import annotations

import re

from flask import Flask, current_app

from app.config import RATE_LIMITS

_ITEM = re.compile(r"^\s*([a-z-]+)\s*=\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_rate_limits(value: str | None) -> dict[str, tuple[int, int]]:
    """'case-create=10/3600, assist-api=30/60' -> {name: (count, seconds)}; ValueError on anything else."""
    limits: dict[str, tuple[int, int]] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        match = _ITEM.match(item)
        if match is None or match.group(1) not in RATE_LIMITS or int(match.group(2)) < 1 or int(match.group(3)) < 1:
            raise ValueError(f"KB_RATE_LIMITS: {item.strip()!r} is not name=count/seconds with a positive count "
                             f"and window and a name from {', '.join(RATE_LIMITS)}")
        limits[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return limits


def rate_limit(name: str) -> tuple[int, int]:
    """(count, window seconds) for ``name``: the KB_RATE_LIMITS override, else the default in app.config."""
    default = RATE_LIMITS[name]
    return current_app.extensions.get("kb_rate_limits", {}).get(name, (default.count, default.seconds))


def init_app(app: Flask) -> None:
    app.extensions["kb_rate_limits"] = parse_rate_limits(app.config.get("KB_RATE_LIMITS"))
