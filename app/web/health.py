"""Health checks for a load balancer: /healthz (the process answers) and /readyz (it can serve everything)."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.web.deps import services

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"alive": True})


@bp.get("/readyz")
def readyz():
    """200 once the keyword index, search by meaning (model and index, unless turned off) and the database are
    ready; else 503 naming what it waits for."""
    s = services()
    waiting = []
    if s.index_store.path("keyword") is None:
        waiting.append("keyword_index")
    semantic = s.search.semantic
    if semantic is not None and getattr(semantic, "build", None) is not None and semantic.status() is not None:
        waiting.append("semantic_search")  # KB_SEMANTIC=off (nothing to build) is ready by design
    try:
        with s.case_store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("readiness: database unavailable (%s)", type(exc).__name__)
        waiting.append("database")
    if waiting:
        return jsonify({"ready": False, "waiting": waiting}), 503
    return jsonify({"ready": True, "waiting": []})
