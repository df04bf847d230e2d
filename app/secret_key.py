"""The development signing key: generated once and kept in instance/, so every worker of a server shares it."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production")
MIN_PRODUCTION_SECRET = 32


def check_environment(env: object, secret: str | None) -> None:
    """Refuse to start on an unknown KB_ENV, or in production without a long enough KB_SECRET_KEY."""
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"KB_ENV must be 'development' or 'production', not {env!r}")
    if env == "production" and not secret:
        raise RuntimeError("KB_SECRET_KEY must be set when KB_ENV=production")
    if env == "production" and len(secret or "") < MIN_PRODUCTION_SECRET:
        raise RuntimeError(f"KB_SECRET_KEY must be at least {MIN_PRODUCTION_SECRET} characters when "
                           "KB_ENV=production (python3 -c 'import secrets; print(secrets.token_hex(32))')")


def load_or_create_secret(path: Path) -> str:
    """The key stored at ``path``, written first (readable by its owner only) if there is none.

    Workers starting together race safely: each writes its own temporary file and links it into place;
    a link that finds the file already there loses, and every worker then reads the winner's key.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read(path)


def _read(path: Path) -> str:
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_PRODUCTION_SECRET:
        raise RuntimeError(f"{path}: the stored secret key is too short; delete the file to make a new one")
    return secret
