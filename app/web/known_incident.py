"""The assistant's known_incident answer: while a major incident is open, a message reporting its services and
symptoms is told so (no case needed; follow it), unless the user says they are affected differently.

Kept beside the assistant rather than inside it: app/web/assistant.py calls :func:`apply` on the JSON answer,
for the API and the chat page alike. The matching itself is app.incidents.matcher (plain keywords).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import url_for

from app.cases.sla import describe_due
from app.incidents import Incident
from app.incidents.matcher import match_open_incident, match_resolved_incident
from app.web.deps import services
from app.web.errors import FieldError

logger = logging.getLogger(__name__)

ACTION = "known_incident"
#: Resolved incidents the assistant still recognises when asked about them.
RESOLVED_WINDOW = timedelta(days=30)
REPLY = ("This is a known major incident, {reference}: {title}. You do not need to raise a case: follow it for "
         "updates on its status page. If you are affected differently, say so and I will route your problem as "
         "usual.")


@dataclass(frozen=True)
class KnownIncident:
    incident: Incident
    is_open: bool

    def as_json(self) -> dict[str, Any]:
        i = self.incident
        latest = i.latest_update
        data: dict[str, Any] = {
            "reference": i.reference, "title": i.title, "url": url_for("status.incident", reference=i.reference),
            "latest_update": {"at": latest.created_at.isoformat(), "text": latest.text} if latest else None,
            "started_at": i.started_at.isoformat(),
        }
        if not self.is_open:
            data["resolved_at"] = i.resolved_at.isoformat() if i.resolved_at else None
        return data


def read_ignore(body: dict[str, Any]) -> bool:
    """The API's "ignore_incident" flag (I am affected differently): true or false, default false."""
    value = body.get("ignore_incident", False)
    if not isinstance(value, bool):
        raise FieldError("ignore_incident", "ignore_incident must be true or false.")
    return value


def lookup(message: str, conversation_id: str | None, *, ignore: bool = False) -> KnownIncident | None:
    """The open incident the message reports (recorded for the incident's report), else a resolved one it asks
    about, else None. ``ignore``: the user is affected differently, so open incidents are not offered again."""
    service = services().incidents
    try:
        store = service.store
        incidents = store.list(since=store.now() - RESOLVED_WINDOW)
        match = None if ignore else match_open_incident(message, incidents, service.catalogue)
        if match is not None:
            store.record_known_incident_answer(match.incident.id, conversation_id)
            logger.info("assist: known incident %s", match.incident.reference)
            return KnownIncident(match.incident, True)
        match = match_resolved_incident(message, incidents, service.catalogue)
    except Exception:  # the assistant answers as usual whatever happens here
        logger.exception("known-incident lookup failed")
        return None
    return KnownIncident(match.incident, False) if match else None


def resolved_text(known: KnownIncident) -> str:
    i = known.incident
    when = describe_due(i.resolved_at) if i.resolved_at else "recently"
    return f"Major incident {i.reference} ({i.title}) was resolved on {when}."


def apply(reply: dict[str, Any], message: str, *, ignore: bool = False) -> dict[str, Any]:
    """POST /api/assist's answer, turned into known_incident when the message is about an open major incident
    (or told when a resolved one it asks about ended); the conversation's turn then stores the changed answer, so
    a reloaded thread shows what the user was shown."""
    known = lookup(message, reply.get("conversation_id"), ignore=ignore)
    if known is None:
        return reply
    if known.is_open:
        changed = {**reply, "action": ACTION, "reply": REPLY.format(reference=known.incident.reference,
                                                                    title=known.incident.title),
                   "incident": known.as_json()}
    else:
        note = resolved_text(known)
        changed = {**reply, "reply": f"{note} {reply['reply']}", "incident": known.as_json()}
        if reply.get("lead"):  # the chat page shows the lead
            changed["lead"] = f"{note} {reply['lead']}"
    if reply.get("conversation_id"):
        services().assistant.record_shown(reply["conversation_id"], changed)
    return changed


#: The OpenAPI schema of the answer's "incident" object.
INCIDENT_SCHEMA = {"type": "object", "required": ["reference", "title", "url", "latest_update", "started_at"],
                   "properties": {
                       "reference": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"},
                       "latest_update": {"oneOf": [{"type": "null"}, {
                           "type": "object", "required": ["at", "text"],
                           "properties": {"at": {"type": "string"}, "text": {"type": "string"}}}]},
                       "started_at": {"type": "string"},
                       "resolved_at": {"type": ["string", "null"]}}}
