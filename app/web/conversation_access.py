"""Who may see a conversation on the /assist page: the browser session that started it, nobody else.

The JSON API keeps continuing a conversation by its id alone (an unguessable capability an API client
holds), but it answers only the new message and never returns earlier turns; the page shows the history,
so it shows it only to the browser whose session the conversation was started or continued in.
"""
from __future__ import annotations

from flask import abort, session

SESSION_KEY = "assist_conversations"
#: The latest conversations a browser session keeps access to (the session cookie stays small).
REMEMBERED = 20


def remember_conversation(conversation_id: str) -> None:
    """This browser session started or continued the conversation: it may see it from now on."""
    known = [c for c in session.get(SESSION_KEY, []) if c != conversation_id]
    session[SESSION_KEY] = [*known, conversation_id][-REMEMBERED:]


def owns_conversation(conversation_id: str) -> bool:
    return conversation_id in session.get(SESSION_KEY, [])


def require_own_conversation(conversation_id: str | None) -> None:
    """404, exactly as for an unknown id, when this browser session did not start the conversation."""
    if conversation_id and not owns_conversation(conversation_id):
        abort(404, description="We could not find that conversation. Start a new one below.")
