"""Exceptions of the cases layer; the web edge maps them to HTTP statuses."""

from __future__ import annotations


class CaseError(Exception):
    """Base class for every error the cases layer raises on purpose."""


class CaseNotFound(CaseError):
    """No such case, or the token does not match: callers cannot tell which (404 at the edge)."""


class InvalidTransition(CaseError):
    """The requested status change is not allowed from the case's current status (409)."""


class CaseClosed(CaseError):
    """A closed case takes no more comments (409)."""


class ConversationNotFound(CaseError):
    """No conversation with that id (404)."""
