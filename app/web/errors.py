"""One error handler: JSON under /api/, the site's own pages elsewhere; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.cases.db import describe

logger = logging.getLogger(__name__)

#: What a page or API that needs the database says while it is unavailable.
DATABASE_UNAVAILABLE = ("The service desk database is not available right now, so cases cannot be raised, "
                        "tracked or updated. Articles, the glossary and search still work. Please try again "
                        "in a few minutes.")
RETRY_AFTER_S = 30
#: The site's own words for the errors a visitor meets, instead of Werkzeug's default descriptions.
SITE_WORDING = {
    400: "Something in the request was not right. Go back and check what you entered.",
    404: "The page may have moved, or the address may be mistyped. Search for what you need below.",
    405: "That page cannot be used that way. Go back and try again.",
    410: "This page has been taken down. Search for what you need below.",
    429: "Too many requests from your network. Please wait a minute and try again.",
    500: "Something went wrong on our side. Please try again.",
}


class FieldError(Exception):
    """Bad input in one named field; becomes 400 (or 422) with {"error", "field", "fields": {field: message}}."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http(exc: HTTPException):
    # Keep the exception's own headers (Allow on 405, Retry-After on 429).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        return jsonify({"error": exc.description or exc.name, "status": exc.code}), exc.code, headers
    message = exc.description if exc.description != type(exc).description else SITE_WORDING.get(exc.code)
    return render_template("error.html", error=exc, message=message or exc.description,
                           guess=_words_from_path() if exc.code in (404, 410) else ""), exc.code, headers


def _words_from_path() -> str:
    """A missing article, glossary term or category's address as search words: /articles/dip-bounce -> 'dip bounce'.
    Nothing for other addresses (a case reference must not show up in the page)."""
    if not request.path.startswith(("/articles/", "/glossary/", "/categories/")):
        return ""
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    return " ".join(last.replace("-", " ").replace("_", " ").split())[:100]


def handle_field(exc: FieldError):
    if _wants_json():
        return jsonify({"error": exc.message, "field": exc.field, "fields": {exc.field: exc.message}}), exc.status
    return render_template("error.html", error=InternalServerError(exc.message), code=exc.status), exc.status


def handle_unexpected(exc: Exception):
    logger.exception("unhandled error on %s", request.path)
    return handle_http(InternalServerError("Something went wrong on our side. Please try again."))


def handle_database(exc: Exception):
    """The database is down, unreachable, read-only, locked for too long or not migrated yet: 503, not 500."""
    if isinstance(exc, IntegrityError | DataError):  # a bug in what we wrote, not an outage
        return handle_unexpected(exc)
    logger.error("database unavailable on %s %s: %s", request.method, request.path, describe(exc))
    return handle_http(ServiceUnavailable(DATABASE_UNAVAILABLE, retry_after=RETRY_AFTER_S))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(FieldError, handle_field)
    app.register_error_handler(DBAPIError, handle_database)
    app.register_error_handler(PoolTimeout, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
