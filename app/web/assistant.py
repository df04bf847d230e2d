"""The assistant: POST /api/assist (JSON) and the /assist chat page, which works without JavaScript."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests

from app.assistant.conversations import ConversationRecord, TurnRecord
from app.assistant.decide import Action
from app.assistant.service import MAX_MESSAGE, Assistant
from app.web import known_incident
from app.web.assist_thread import handover_fields, routing_detail, thread
from app.web.conversation_access import remember_conversation, require_own_conversation
from app.web.deps import services
from app.web.errors import FieldError
from app.web.jsonbody import json_object
from app.web.openapi import ERROR, _json, register_paths
from app.web.ratelimit import rate_limit

logger = logging.getLogger(__name__)

bp = Blueprint("assistant", __name__)

MAX_CONVERSATION_ID = 100
CASE_FORM = "/cases/form"
HISTORY_SHOWN = 10
#: asked by a button on the empty page: a how-to, a failure and a service request
EXAMPLES = (
    "How do we renew our DIP certificate before it runs out?",
    "Messages we send to the DIP keep bouncing back",
    "How do we get credentials for the DIP API for our new adaptor?",
)


def assistant() -> Assistant:
    return services().assistant


def _client() -> str:
    return request.remote_addr or "unknown"


def _limit(name: str) -> None:
    count, window = rate_limit(name)
    if not assistant().allow(_client(), count, window):
        raise TooManyRequests("Too many questions in a short time. Please wait a minute and try again.",
                              retry_after=window)


def read_message(value: Any) -> str:
    """The message as typed: required, at most MAX_MESSAGE (8,000) characters."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError("message", "Type a question or describe the problem.")
    if len(value) > MAX_MESSAGE:
        raise FieldError("message", f"The message is too long: at most {MAX_MESSAGE} characters.")
    return value.strip()


def read_conversation_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CONVERSATION_ID:
        raise FieldError("conversation_id", "Unknown conversation id.")
    return value


@bp.post("/api/assist")
def api_assist():
    _limit("assist-api")
    body = json_object("message", "Send a JSON object with a 'message'.")
    message = read_message(body.get("message"))
    conversation_id = read_conversation_id(body.get("conversation_id"))
    conversation = assistant().conversation(conversation_id) if conversation_id is not None else None
    if conversation_id is not None and conversation is None:
        raise FieldError("conversation_id", "Unknown conversation id: leave it out to start a new conversation.")
    ignore_incident = known_incident.read_ignore(body)
    reply = assistant().answer(message, conversation).as_json()
    return jsonify(known_incident.apply(reply, message, ignore=ignore_incident))


# The chat page
def _page(conversation: ConversationRecord | None, *, status: int = 200, feedback: str | None = None,
          error: FieldError | None = None, message: str = "", latest: dict[str, Any] | None = None) -> tuple[str, int]:
    """The thread so far (``latest``: the answer just given, as shown); the latest answer's quick answers,
    feedback and hand-over."""
    items = thread(conversation, services().content, HISTORY_SHOWN)
    if items and latest is not None:
        items[-1]["answer"] = latest
    latest = items[-1]["answer"] if items else None
    if latest is not None:
        latest = items[-1]["answer"] = {**latest, "handover": handover_fields(latest, conversation, services().model)}
    context = {
        "thread": items, "latest": latest, "conversation_id": conversation.id if conversation else "",
        "feedback": feedback, "error": error,
        "message": message, "case_form": CASE_FORM, "max_message": MAX_MESSAGE, "examples": EXAMPLES,
        "routing_detail": routing_detail,
    }
    return render_template("assistant/chat.html", **context), status


def _conversation(value: Any) -> ConversationRecord | None:
    try:
        cid = read_conversation_id(value)
    except FieldError:
        return None
    require_own_conversation(cid)  # the page shows what was typed: only to the browser that typed it
    return assistant().conversation(cid) if cid else None


@bp.get("/assist")
def chat():
    return _page(_conversation(request.args.get("conversation_id")))


@bp.post("/assist")
def ask():
    _limit("assist-page")
    conversation = _conversation(request.form.get("conversation_id"))
    try:
        message = read_message(request.form.get("message"))
    except FieldError as exc:
        return _page(conversation, status=400, error=exc, message=request.form.get("message", "")[:MAX_MESSAGE])
    answer = assistant().answer(message, conversation)
    remember_conversation(answer.conversation_id)
    conversation = assistant().conversation(answer.conversation_id)
    if conversation is None or not conversation.turns:  # the log dropped it: show this answer alone
        conversation = ConversationRecord(answer.conversation_id, (TurnRecord(message, answer.action),))
    view = known_incident.apply(answer.as_json(), message, ignore=request.form.get("ignore_incident") == "1")
    return _page(conversation, latest=view)


@bp.post("/assist/feedback")
def feedback():
    """"Yes" thanks the user; "No" records it and re-posts the hand-over fields to the case form (307 keeps the
    POST, so what the user typed never goes into a URL)."""
    conversation = _conversation(request.form.get("conversation_id"))
    solved = request.form.get("solved")
    if conversation is None or solved not in ("yes", "no") or not conversation.turns:
        return _page(conversation, status=400)
    assistant().feedback(conversation.id, solved == "yes")
    if solved == "no":
        return redirect(url_for("cases.submit"), code=307)
    return _page(assistant().conversation(conversation.id), feedback="yes")


@bp.after_request
def _no_store(resp: Response) -> Response:
    if request.path.startswith("/assist") or request.path == "/api/assist":
        resp.headers["Cache-Control"] = "no-store"
    return resp


ASSIST_REQUEST = {"type": "object", "required": ["message"], "properties": {
    "message": {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE, "pattern": "\\S"},
    "conversation_id": {"type": ["string", "null"], "maxLength": MAX_CONVERSATION_ID},
    "ignore_incident": {"type": "boolean", "description": "I am affected differently: route as usual even while "
                                                          "a matching major incident is open"}}}
CHOICE = {"type": "object", "required": ["label", "message"],
          "properties": {"label": {"type": "string"}, "message": {"type": "string"}}}
ASSIST_RESPONSE = {"type": "object", "required": [
    "conversation_id", "action", "reply", "scenario", "articles", "case_draft", "confidence", "why"], "properties": {
    "conversation_id": {"type": "string"},
    "action": {"enum": [*(a.value for a in Action), known_incident.ACTION]},
    "reply": {"type": "string"},
    "scenario": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["id", "category", "description"],
                                               "properties": {"id": {"type": "string"},
                                                              "category": {"type": "string"},
                                                              "description": {"type": "string"}}}]},
    "articles": {"type": "array", "items": {"type": "object", "required": ["slug", "title", "url", "section", "score"],
                                            "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                                                           "url": {"type": "string"},
                                                           "section": {"type": ["string", "null"]},
                                                           "score": {"type": "number"},
                                                           "kind": {"enum": ["article", "glossary"]}}}},
    "case_draft": {"oneOf": [{"type": "null"}, {"type": "object", "required": [
        "category", "subcategory", "type", "report_to", "priority", "channel", "steps", "reason"], "properties": {
        "category": {"type": "string"}, "subcategory": {"type": ["string", "null"]}, "type": {"type": "string"},
        "report_to": {"type": "string"}, "priority": {"enum": ["P1", "P2", "P3", "P4"]},
        "channel": {"type": ["string", "null"]}, "steps": {"type": "array", "items": {"type": "string"}},
        "reason": {"type": "string"}, "subject": {"type": "string"}, "description": {"type": "string"},
        "impact": {"enum": ["High", "Medium", "Low"]}, "urgency": {"enum": ["High", "Medium", "Low"]}}}]},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "why": {"type": "string"},
    "lead": {"type": "string", "description": "One plain sentence saying what this is."},
    "steps": {"type": "array", "items": {"type": "string"}, "description": "Self-help steps from the source."},
    "if_not_solved": {"type": "string", "description": "What happens if the steps do not work."},
    "source": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["title", "url"], "properties": {
        "title": {"type": "string"}, "url": {"type": "string"}}}]},
    "choices": {"type": "array", "description": "Quick answers to a clarifying question (action clarify).",
                "items": CHOICE},
    "others": {"type": "array", "description": "Other problems found in the same message, to ask about next.",
               "items": CHOICE},
    "topic": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["id", "turns", "facts"], "properties": {
        "id": {"type": ["string", "null"]}, "turns": {"type": "integer", "minimum": 1},
        "facts": {"type": "object", "properties": {
            "tried_self_help": {"type": "boolean"},
            "affected": {"enum": [None, "self", "several", "everyone"]},
            "started_at": {"type": ["string", "null"]},
            "urgency_words": {"type": "array", "items": {"type": "string"}}}}}}]},
    "incident": known_incident.INCIDENT_SCHEMA}}

register_paths({"/api/assist": {"post": {
    "summary": "Ask the deflection assistant: an answer from the knowledge base, a pre-categorised case, "
               "a redirect, or out of scope",
    "requestBody": {"required": True, "content": {"application/json": {"schema": ASSIST_REQUEST}}},
    "responses": {"200": _json(ASSIST_RESPONSE),
                  "400": _json(ERROR, "Empty or too long message, or an unknown conversation id"),
                  "429": _json(ERROR, "Too many requests from this client")}}}})
