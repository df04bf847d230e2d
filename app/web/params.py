"""Query-string parsing shared by pages and the API; bad values raise FieldError naming the field."""
from __future__ import annotations

from collections.abc import Mapping

from app.content.repository import LETTERS, PER_PAGE_CHOICES
from app.search.service import MAX_QUERY, MODES
from app.web.errors import FieldError


def int_param(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        number = float(raw)  # "8.0" is the whole number the OpenAPI schema allows; "8.5" is not
        if not number.is_integer():
            raise ValueError(raw)
        value = int(number)
    except (ValueError, OverflowError):
        raise FieldError(name, f"'{name}' must be a whole number") from None
    if not low <= value <= high:
        raise FieldError(name, f"'{name}' must be between {low} and {high}")
    return value


def glossary_params(args: Mapping[str, str]) -> tuple[str | None, int, int | None]:
    letter = (args.get("letter") or "").strip()
    if letter.lower() in ("", "all"):
        letter = None
    else:
        letter = letter.upper()
        if letter not in LETTERS:
            raise FieldError("letter", "'letter' must be A-Z, 0-9 or All")
    raw = (args.get("per_page") or "").strip().lower()
    if raw == "all":
        per_page = None
    else:
        per_page = int_param(args, "per_page", 10, 1, 1000)
        if "per_page" in args and per_page not in PER_PAGE_CHOICES and args.get("per_page"):
            raise FieldError("per_page", "'per_page' must be 10, 20, 50 or all")
    page = int_param(args, "page", 1, 1, 100_000)
    return letter, page, per_page


def glossary_query(args: Mapping[str, str]) -> str:
    """The glossary filter: text a term, acronym or alias must hold."""
    q = (args.get("q") or "").strip()
    if len(q) > 100:
        raise FieldError("q", "The filter is too long: at most 100 characters.")
    return q


def query_param(args: Mapping[str, str], required: bool = True) -> str:
    """What to search for (`q`): required unless suggesting, at most MAX_QUERY characters."""
    q = (args.get("q") or "").strip()
    if required and not q:
        raise FieldError("q", "Type something to search for.")
    if len(q) > MAX_QUERY:
        raise FieldError("q", f"The search is too long: at most {MAX_QUERY} characters.")
    return q


def search_params(args: Mapping[str, str]) -> tuple[str, str, str | None, int, int]:
    """(q, mode, category, page, per_page). per_page is 10, 20 or 50; `limit` (1-50), the older API parameter,
    stands for per_page when per_page is not given."""
    q = query_param(args)
    mode = (args.get("mode") or "hybrid").strip().lower()
    if mode not in MODES:
        raise FieldError("mode", "'mode' must be keyword, semantic or hybrid")
    if args.get("per_page"):
        per_page = int_param(args, "per_page", 10, 1, 50)
        if per_page not in PER_PAGE_CHOICES:
            raise FieldError("per_page", "'per_page' must be 10, 20 or 50")
    else:
        per_page = int_param(args, "limit", 10, 1, 50)
    category = (args.get("category") or "").strip() or None
    return q, mode, category, int_param(args, "page", 1, 1, 1000), per_page
