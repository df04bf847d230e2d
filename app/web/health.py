"""Health checks for a load balancer: /healthz (the process answers) and /readyz (it can serve everything), and
the start of a serving process's start-up work."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.web.deps import services

bp = Blueprint("health", __name__)


@bp.before_app_request
def _start_serving() -> None:
    """Where the server has not started its start-up work as the worker started (gunicorn.conf.py does), the first
    request starts it. A test client only starts loading the model (tests build what they use)."""
    s = services()
    if not current_app.testing:
        s.start_serving()
        return
    start = getattr(s.search.semantic, "start", None)
    if start is not None:
        start()


@bp.get("/healthz")
def healthz():
    return jsonify({"alive": True})


@bp.get("/readyz")
def readyz():
    """200 once the keyword index is open, search by meaning (model and index, unless turned off) is ready and the
    database answers; else 503 naming what it waits for. Never waits for the start-up to finish."""
    waiting = services().waiting()
    if waiting:
        return jsonify({"ready": False, "waiting": waiting}), 503
    return jsonify({"ready": True, "waiting": []})
