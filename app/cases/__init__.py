"""Cases layer: raise, track and update service-desk cases; the SLA clock; the shared store.

Plain Python and SQLAlchemy only (no Flask). From the project it imports nothing but
``app.servicemodel``. The web layer and the console call :class:`CaseService` and
:class:`CaseStore`; every exception here derives from :class:`CaseError`.
"""

from __future__ import annotations

from app.cases.errors import CaseClosed, CaseError, CaseNotFound, InvalidTransition
from app.cases.records import (
    AuthorKind,
    Case,
    CaseEvent,
    CaseStatus,
    Conversation,
    EventKind,
    SlaState,
    Turn,
)

__all__ = [
    "AuthorKind",
    "Case",
    "CaseClosed",
    "CaseError",
    "CaseEvent",
    "CaseNotFound",
    "CaseStatus",
    "Conversation",
    "EventKind",
    "InvalidTransition",
    "SlaState",
    "Turn",
]
