"""One error handler: JSON under /api/, the site's own pages elsewhere; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)


class FieldError(Exception):
    """Bad input in one named field; becomes 400 (or 422) with {"error", "field"}."""

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
    return render_template("error.html", error=exc), exc.code, headers


def handle_field(exc: FieldError):
    if _wants_json():
        return jsonify({"error": exc.message, "field": exc.field}), exc.status
    return render_template("error.html", error=InternalServerError(exc.message), code=exc.status), exc.status


def handle_unexpected(exc: Exception):
    logger.exception("unhandled error on %s", request.path)
    return handle_http(InternalServerError("Something went wrong on our side. Please try again."))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(FieldError, handle_field)
    app.register_error_handler(Exception, handle_unexpected)
