"""Major incidents (section 7 of the service definition): one record per industry-impacting outage that staff
declare, update and resolve; the public status derived from it; followers told by email; cases attached and
resolved with it; a keyword matcher telling the assistant a message is about a known incident.

Plain Python and SQLAlchemy only (no Flask). Imports ``app.cases`` (store, SLA clock, mailer),
``app.servicemodel`` and the search layer's tokenising; every exception derives from :class:`IncidentError`.
"""
from __future__ import annotations

from app.incidents.records import (
    Follower,
    Incident,
    IncidentClosed,
    IncidentError,
    IncidentNotFound,
    IncidentState,
    IncidentUpdate,
    InvalidIncident,
    InvalidIncidentTransition,
    ServiceState,
    UpdateKind,
)

__all__ = [
    "Follower",
    "Incident",
    "IncidentClosed",
    "IncidentError",
    "IncidentNotFound",
    "IncidentState",
    "IncidentUpdate",
    "InvalidIncident",
    "InvalidIncidentTransition",
    "ServiceState",
    "UpdateKind",
]
