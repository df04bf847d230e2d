"""Values the cases layer hands out: statuses as StrEnums, cases and conversations as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CaseStatus(StrEnum):
    NEW = "New"
    IN_PROGRESS = "In Progress"
    AWAITING_INFORMATION = "Awaiting Information"
    RESOLVED = "Resolved"
    CLOSED = "Closed"

    @property
    def is_open(self) -> bool:
        return self not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


#: Allowed status changes. Resolved may be reopened; Closed is final.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFORMATION, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.AWAITING_INFORMATION, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.AWAITING_INFORMATION: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class EventKind(StrEnum):
    COMMENT = "comment"  # a message between raiser and desk
    STATUS = "status"  # a status change, with an optional message
    NOTE = "note"  # desk-only working note (always internal)
    ASSIGNMENT = "assignment"  # resolver group changed


class AuthorKind(StrEnum):
    RAISER = "raiser"
    STAFF = "staff"
    SYSTEM = "system"


class SlaState(StrEnum):
    IN_SLA = "In SLA"
    NEARLY_BREACHED = "Nearly breached"  # the last 20% of the resolution window
    BREACHED = "Breached"
    PAUSED = "Paused"  # awaiting information from the raiser: the clock is stopped
    MET = "Met"  # resolved or closed within the target


@dataclass(frozen=True)
class CaseEvent:
    id: int
    kind: EventKind
    author_kind: AuthorKind
    author: str | None
    internal: bool
    body: str
    from_status: CaseStatus | None
    to_status: CaseStatus | None
    created_at: datetime


@dataclass(frozen=True)
class Case:
    """A case as the raiser gave it plus its routing, status and SLA clock. Times are aware UTC."""

    id: int
    reference: str
    name: str
    email: str
    organisation: str | None
    party_id: str | None
    no_party_id: bool
    unregistered_organisation: str | None
    no_organisation_name: bool
    market_participant_id: str | None
    no_market_participant_id: bool
    cra_market_role: str
    category: str
    subcategory: str | None
    subject: str
    description: str
    url: str | None
    type: str
    report_to: str
    priority: str
    channel: str | None
    steps: tuple[str, ...]
    impact: str | None
    urgency: str | None
    scenario_id: str | None
    status: CaseStatus
    resolver_group: str | None
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime
    paused_seconds: int
    paused_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    conversation_id: str | None
    account_id: int | None = None  # the participant account that raised it (None: raised before accounts)
    organisation_id: int | None = None
    reopened_at: datetime | None = None
    events: tuple[CaseEvent, ...] = field(default=(), compare=False)

    def sla_state(self, now: datetime) -> SlaState:
        from app.cases.sla import sla_state  # records stays import-light; sla imports records

        return sla_state(self, now)


@dataclass(frozen=True)
class Turn:
    """One assistant exchange: what was asked and what the assistant decided."""

    question: str
    action: str
    scenario_id: str | None = None
    articles: tuple[str, ...] = ()
    confidence: float | None = None
    state: dict[str, Any] | None = None  # the assistant's dialogue state after this turn
    answer: dict[str, Any] | None = None  # the answer as the API gave it, so any worker can show the thread

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "action": self.action,
            "scenario_id": self.scenario_id,
            "articles": list(self.articles),
            "confidence": self.confidence,
            "state": self.state,
            "answer": self.answer,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        confidence = data.get("confidence")
        return cls(
            question=str(data.get("question", "")),
            action=str(data.get("action", "")),
            scenario_id=data.get("scenario_id"),
            articles=tuple(str(a) for a in data.get("articles") or ()),
            confidence=None if confidence is None else float(confidence),
            state=data.get("state") if isinstance(data.get("state"), dict) else None,
            answer=data.get("answer") if isinstance(data.get("answer"), dict) else None,
        )


@dataclass(frozen=True)
class Conversation:
    id: str
    created_at: datetime
    updated_at: datetime
    turns: tuple[Turn, ...]
    feedback: str | None  # "yes" | "no" | None: the answer to "Did this solve it?"
    case_reference: str | None


@dataclass(frozen=True)
class Vote:
    slug: str
    commit: str | None
    helpful: bool
    reason: str | None
    created_at: datetime
