"""Who is signed in: the one question pages ask before showing staff-only content.

Staff sign-in is built in the console (issue 8), which fills this module in.
"""
from __future__ import annotations

from flask import session


def is_staff() -> bool:
    """Whether this request comes from a signed-in staff member (the session holds a staff id)."""
    return session.get("staff_id") is not None
