"""Settings: every default in one place, each overridable by a KB_* environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int
    counts: str  # what one hit is


#: Every per-client rate limit and its default, in one place: at most `count` hits per client address in a
#: fixed window of `seconds`. KB_RATE_LIMITS overrides any of them by name (app/web/ratelimit.py reads it).
RATE_LIMITS: dict[str, RateLimit] = {
    "assist-api": RateLimit(30, 60, "POST /api/assist calls"),
    "assist-page": RateLimit(60, 60, "questions asked on the /assist page"),
    "case-create": RateLimit(10, 3600, "cases raised (form and API together)"),
    "case-comment": RateLimit(30, 3600, "comments added from tracking pages"),
    "case-link": RateLimit(5, 3600, "lost-link requests"),
    "case-token": RateLimit(20, 3600, "failed case reference and token checks (tracking pages, comments, "
                            "GET /api/cases/<reference>)"),
    "article-vote": RateLimit(30, 3600, "\"Was this helpful?\" votes recorded (more are thanked but not counted)"),
    "search-log": RateLimit(60, 3600, "searches counted for the knowledge-gaps report (more are answered but not "
                            "counted)"),
    "code-address": RateLimit(20, 3600, "one-time codes requested from one client address (registration and "
                              "sign-in)"),
    "code-email": RateLimit(5, 3600, "one-time codes sent to one email address"),
    "incident-follow": RateLimit(10, 3600, "requests to follow a major incident by email (each sends a "
                                 "confirmation link)"),
}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


#: name -> default and help text. Environment variable KB_<NAME> overrides; README documents each.
SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "development", "development | production (anything else refuses to start); production refuses "
            "to start without a KB_SECRET_KEY of at least 32 characters."),
    Setting("SECRET_KEY", None, "Signs sessions and CSRF tokens. Required in production (32+ characters); in "
            "development a generated one is kept in instance/secret_key, shared by every worker."),
    Setting("CONTENT_DIR", str(ROOT), "Folder holding articles/ and glossary/."),
    Setting("INDEX_DIR", str(ROOT / "index"), "Where `make index` writes the keyword and semantic indexes."),
    Setting("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'kb.sqlite3'}",
            "SQLAlchemy URL; SQLite by default, postgresql+psycopg://... in production."),
    Setting("SMTP_URL", None, "smtp://user:pass@host:port to send mail; unset writes .eml files to KB_OUTBOX_DIR."),
    Setting("OUTBOX_DIR", str(ROOT / "outbox"), "Where mail goes when KB_SMTP_URL is unset."),
    Setting("MAIL_FROM", "MHHS Service Desk <no-reply@localhost>", "From: address of notification emails."),
    Setting("BASE_URL", "http://127.0.0.1:5000", "Public address used in links inside emails."),
    Setting("SEMANTIC", "on", "on | torch | off: load the embedding model for semantic and hybrid search (on: "
            "onnxruntime, exported by `make index`; torch: sentence-transformers; off: keyword only)."),
    Setting("NOW", None, "Pins the assistant's clock (ISO time, e.g. 2026-11-04T11:00:00+00:00) for tests, "
            "`make eval` and benchmarks; unset, the server's clock decides in or out of support hours."),
    Setting("SESSION_MINUTES", 60, "Staff and participant sessions expire after this many minutes of inactivity."),
    Setting("RATE_LIMITS", "", "Per-client limits overriding the defaults, as name=count/seconds, comma-separated: "
            + ", ".join(f"{name} ({r.count}/{r.seconds})" for name, r in RATE_LIMITS.items()) + "."),
    Setting("PROXY_FIX", 0, "How many reverse proxies in front of the app to trust for X-Forwarded-For and "
            "X-Forwarded-Proto (0: none, the socket's address is the client). Set it behind nginx or a load "
            "balancer so rate limits see each client, not the proxy."),
)


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults overlaid with KB_* variables, as Flask-style upper-case keys prefixed KB_."""
    env = os.environ if env is None else env
    config: dict[str, Any] = {}
    for s in SETTINGS:
        raw = env.get(f"KB_{s.name}")
        value: Any = s.default if raw is None else raw
        if isinstance(s.default, int) and raw is not None:
            value = int(raw)
        config[f"KB_{s.name}"] = value
    return config
