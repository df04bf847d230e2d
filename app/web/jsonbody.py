"""Reading a JSON request body: one place that refuses what Python's parser accepts but nothing else can use."""
from __future__ import annotations

import json
from typing import Any

from flask import request

from app.web.errors import FieldError

#: Deeper nesting than any request of ours needs is refused before it reaches a validator or the database.
MAX_DEPTH = 32


def json_object(field: str = "body", message: str = "The request body must be a JSON object.") -> dict[str, Any]:
    """The body as a JSON object, or FieldError (400, naming ``field`` with ``message``) when it is not
    application/json or not an object; also 400 when nested deeper than MAX_DEPTH or when a string or key
    holds a lone surrogate (a valid JSON escape, but not text: no database or encoder takes it)."""
    if not request.is_json:
        raise FieldError(field, message)
    try:
        data = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise FieldError("body", f"The request body is nested too deeply: at most {MAX_DEPTH} levels.") from None
    except ValueError:  # also UnicodeDecodeError: bytes that are not UTF-8
        raise FieldError(field, message) from None
    if not isinstance(data, dict):
        raise FieldError(field, message)
    _check(data)
    return data


def _check(data: dict[str, Any]) -> None:
    """Walk the parsed body without recursion; name the top-level field a problem is in."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "body")]
    while stack:
        value, depth, field = stack.pop()
        if depth > MAX_DEPTH:
            raise FieldError(field, f"Nested too deeply: at most {MAX_DEPTH} levels.")
        if isinstance(value, str):
            if not _is_text(value):
                raise FieldError(field, "Contains an invalid character (an unpaired UTF-16 surrogate).")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = key if depth == 1 and _is_text(key) else field
                if not _is_text(key):
                    raise FieldError(name, "A key contains an invalid character (an unpaired UTF-16 surrogate).")
                stack.append((item, depth + 1, name))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
