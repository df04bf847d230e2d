"""Values the incidents layer hands out (frozen dataclasses, StrEnums) and its exceptions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.cases.records import SlaState

SEVERITIES = ("P1", "P2")


class IncidentState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class UpdateKind(StrEnum):
    DECLARED = "declared"  # the first public statement
    UPDATE = "update"  # a timed public update (with an optional internal note)
    RESOLVED = "resolved"  # the resolution note
    CLOSED = "closed"
    LINKED = "linked"  # cases attached (staff-only audit entry)


#: Kinds whose text the public sees (status page, feed, followers' emails).
PUBLIC_KINDS = frozenset({UpdateKind.DECLARED, UpdateKind.UPDATE, UpdateKind.RESOLVED, UpdateKind.CLOSED})


class ServiceState(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"


@dataclass(frozen=True)
class IncidentUpdate:
    id: int
    kind: UpdateKind
    text: str  # public text ("" for staff-only entries)
    internal_note: str | None
    author: str | None
    created_at: datetime

    @property
    def public(self) -> bool:
        return self.kind in PUBLIC_KINDS and bool(self.text)


@dataclass(frozen=True)
class Incident:
    """A major incident record with the section 7.2 logging fields. Times are aware UTC."""

    id: int
    reference: str
    scenario_id: str | None
    title: str
    reported: str  # what has been reported (summary)
    impact: str
    next_steps: str | None
    contact_name: str
    severity: str  # P1 | P2
    services: tuple[str, ...]
    state: IncidentState
    started_at: datetime
    sla_due_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    created_by: str | None
    updates: tuple[IncidentUpdate, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        return self.state is IncidentState.OPEN

    def sla_status(self, now: datetime) -> SlaState:
        """In SLA or Breached (section 7.2): resolved by the due time, or still before it."""
        finished = self.resolved_at or self.closed_at or now
        return SlaState.IN_SLA if finished <= self.sla_due_at else SlaState.BREACHED

    @property
    def public_updates(self) -> tuple[IncidentUpdate, ...]:
        return tuple(u for u in self.updates if u.public)

    @property
    def latest_update(self) -> IncidentUpdate | None:
        public = self.public_updates
        return public[-1] if public else None


@dataclass(frozen=True)
class Follower:
    id: int
    incident_id: int
    email: str
    token: str  # in the confirmation and unfollow links
    confirmed: bool
    created_at: datetime


class IncidentError(Exception):
    """Base class of every error the incidents layer raises on purpose."""


class IncidentNotFound(IncidentError):
    """No incident with that reference (404 at the edge)."""


class IncidentClosed(IncidentError):
    """A closed incident takes no more updates (409)."""


class InvalidIncidentTransition(IncidentError):
    """Resolving an incident that is not open, or closing one that is not resolved (409)."""


class InvalidIncident(IncidentError):
    """Bad input in one named field (unknown scenario or service, empty title...): 400 / CLI exit 2."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message
