"""The assistant: POST /api/assist (JSON) and the /assist chat page, which works without JavaScript."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import TooManyRequests

from app.assistant.conversations import ConversationRecord
from app.assistant.decide import Action
from app.assistant.service import MAX_MESSAGE, Answer, Assistant
from app.web.conversation_access import remember_conversation, require_own_conversation
from app.web.deps import services
from app.web.errors import FieldError
from app.web.jsonbody import json_object
from app.web.openapi import ERROR, _json, register_paths
from app.web.ratelimit import rate_limit

logger = logging.getLogger(__name__)

bp = Blueprint("assistant", __name__)

API_LIMIT = (30, 60)  # /api/assist calls per client per minute
PAGE_LIMIT = (60, 60)
MAX_CONVERSATION_ID = 100
CASE_FORM = "/cases/form"
SUBJECT_WORDS = 15
HISTORY_SHOWN = 10


def assistant() -> Assistant:
    return services().assistant


def _client() -> str:
    return request.remote_addr or "unknown"


def _limit(name: str, limit: tuple[int, int]) -> None:
    count, window = rate_limit(name, limit)
    if not assistant().allow(_client(), count, window):
        raise TooManyRequests("Too many questions in a short time. Please wait a minute and try again.",
                              retry_after=window)


def read_message(value: Any) -> str:
    """The message as typed: required, at most 2,000 characters."""
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


@bp.before_app_request
def _warm() -> None:
    """The server's first request starts the assistant's warm-up in the background, so the first question is
    fast; CLI commands, which answer no request, never pay for it (nor wait for it at exit)."""
    if not current_app.testing:
        services().assistant.start_warming()


@bp.post("/api/assist")
def api_assist():
    _limit("assist-api", API_LIMIT)
    body = json_object("message", "Send a JSON object with a 'message'.")
    message = read_message(body.get("message"))
    conversation_id = read_conversation_id(body.get("conversation_id"))
    return jsonify(assistant().answer(message, conversation_id).as_json())


# The chat page
def raise_case_link(answer: Answer | None, conversation: ConversationRecord | None) -> dict[str, Any]:
    """The case form's query arguments: the draft's routing plus everything the user typed so far."""
    typed = [t.question for t in conversation.turns] if conversation else []
    first = typed[0] if typed else ""
    words = first.split()
    subject = " ".join(words[:SUBJECT_WORDS]) + (" …" if len(words) > SUBJECT_WORDS else "")
    fields: dict[str, Any] = {"subject": subject, "description": "\n\n".join(typed),
                              "conversation_id": conversation.id if conversation else ""}
    decision = answer.decision if answer else None
    entity = decision.entity if decision else None
    draft = decision.case_draft if decision else None
    model = services().model
    if entity is not None and entity.kind == "dip" and entity.id in model.scenarios:
        fields.update(category=model.scenarios[entity.id].category, scenario=entity.id)
    elif entity is not None and entity.kind == "sr" and entity.id in model.service_requests:
        sr = model.service_requests[entity.id]
        fields.update(category=sr.category, subcategory=sr.name, sr=sr.id)
    if draft is not None:
        fields.update(category=draft.category, subcategory=draft.subcategory or fields.get("subcategory", ""))
        if draft.derivation is not None:
            fields.update(impact=draft.derivation.impact, urgency=draft.derivation.urgency)
    return fields


def _page(answer: Answer | None, conversation: ConversationRecord | None, *, status: int = 200,
          raise_step: bool = False, feedback: str | None = None, error: FieldError | None = None,
          message: str = "") -> tuple[str, int]:
    repo = services().content
    history = []
    turns = conversation.turns if conversation else ()
    shown = turns[:-1] if answer is not None else turns
    for t in shown[-HISTORY_SHOWN:]:
        links = []
        for slug in t.articles[:3]:
            a = repo.get_article(slug)
            g = repo.get_term(slug) if a is None else None
            if a is not None:
                links.append((a.title, a.url))
            elif g is not None:
                links.append((g.term, g.url))
        history.append({"question": t.question, "action": t.action, "scenario_id": t.scenario_id, "links": links})
    fields = raise_case_link(answer, conversation)
    draft = answer.decision.case_draft if answer else None
    context = {
        "answer": answer, "history": history, "conversation_id": conversation.id if conversation else "",
        "raise_step": raise_step or (answer is not None and answer.decision.action is Action.RAISE_CASE),
        "raise_fields": fields, "draft": draft, "feedback": feedback, "error": error, "message": message,
        "case_form": CASE_FORM, "case_form_link": f"{CASE_FORM}?{urlencode({k: v for k, v in fields.items() if v})}",
        "max_message": MAX_MESSAGE, "levels": ("High", "Medium", "Low"), "Action": Action,
        "categories": _categories(),
    }
    return render_template("assistant/chat.html", **context), status


def _categories() -> list[str]:
    model = services().model
    incident = list(dict.fromkeys(c.category for c in model.incident_categories.values()))
    service_users = list(dict.fromkeys(sr.category for sr in model.service_requests.values()))
    return [*model.scenario_categories(), *incident, *service_users]


def _conversation(value: Any) -> ConversationRecord | None:
    try:
        cid = read_conversation_id(value)
    except FieldError:
        return None
    require_own_conversation(cid)  # the page shows what was typed: only to the browser that typed it
    return assistant().conversation(cid) if cid else None


@bp.get("/assist")
def chat():
    return _page(None, _conversation(request.args.get("conversation_id")))


@bp.post("/assist")
def ask():
    _limit("assist-page", PAGE_LIMIT)
    conversation = _conversation(request.form.get("conversation_id"))
    try:
        message = read_message(request.form.get("message"))
    except FieldError as exc:
        return _page(None, conversation, status=400, error=exc, message=request.form.get("message", "")[:MAX_MESSAGE])
    answer = assistant().answer(message, conversation.id if conversation else None)
    remember_conversation(answer.conversation_id)
    return _page(answer, assistant().conversation(answer.conversation_id))


@bp.post("/assist/feedback")
def feedback():
    conversation = _conversation(request.form.get("conversation_id"))
    solved = request.form.get("solved")
    if conversation is None or solved not in ("yes", "no") or not conversation.turns:
        return _page(None, conversation, status=400)
    assistant().feedback(conversation.id, solved == "yes")
    conversation = assistant().conversation(conversation.id)
    if solved == "yes":
        return _page(None, conversation, feedback="yes")
    # "No": show the raise-case step, pre-filled from the last question's decision.
    _limit("assist-page", PAGE_LIMIT)
    answer = assistant().last_answer(conversation.id) if conversation else None
    return _page(answer, conversation, raise_step=True, feedback="no")


@bp.after_request
def _no_store(resp: Response) -> Response:
    if request.path.startswith("/assist") or request.path == "/api/assist":
        resp.headers["Cache-Control"] = "no-store"
    return resp


ASSIST_REQUEST = {"type": "object", "required": ["message"], "properties": {
    "message": {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE, "pattern": "\\S"},
    "conversation_id": {"type": ["string", "null"], "maxLength": MAX_CONVERSATION_ID}}}
ASSIST_RESPONSE = {"type": "object", "required": [
    "conversation_id", "action", "reply", "scenario", "articles", "case_draft", "confidence", "why"], "properties": {
    "conversation_id": {"type": "string"},
    "action": {"enum": [a.value for a in Action]},
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
        "reason": {"type": "string"}}}]},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "why": {"type": "string"}}}

register_paths({"/api/assist": {"post": {
    "summary": "Ask the deflection assistant: an answer from the knowledge base, a pre-categorised case, "
               "a redirect, or out of scope",
    "requestBody": {"required": True, "content": {"application/json": {"schema": ASSIST_REQUEST}}},
    "responses": {"200": _json(ASSIST_RESPONSE), "400": _json(ERROR, "Empty or too long message"),
                  "429": _json(ERROR, "Too many requests from this client")}}}})
