"""Per-incident figures: cases linked, known-incident answers (cases not raised), followers, and the time to
the first update and to resolution against the SLA target."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.cases.records import SlaState
from app.incidents.records import Incident, UpdateKind
from app.incidents.store import IncidentCounts


@dataclass(frozen=True)
class IncidentReport:
    reference: str
    linked_cases: int
    known_incident_answers: int  # assistant answers that said "known incident": cases deflected
    followers: int
    pending_followers: int  # asked, not yet confirmed
    time_to_first_update: timedelta | None  # from the start to the first update after the declaration
    time_to_resolution: timedelta | None
    sla_target: timedelta  # from the start to the SLA due time
    sla_status: SlaState


def incident_report(incident: Incident, counts: IncidentCounts, now: datetime) -> IncidentReport:
    first = next((u.created_at for u in incident.updates if u.kind is UpdateKind.UPDATE), None)
    return IncidentReport(
        reference=incident.reference, linked_cases=counts.linked_cases,
        known_incident_answers=counts.known_incident_answers, followers=counts.followers,
        pending_followers=counts.pending_followers,
        time_to_first_update=first - incident.started_at if first else None,
        time_to_resolution=incident.resolved_at - incident.started_at if incident.resolved_at else None,
        sla_target=incident.sla_due_at - incident.started_at, sla_status=incident.sla_status(now),
    )


def describe_duration(delta: timedelta | None) -> str:
    """'2 h 05 min', '45 min', '3 d 4 h'; an em dash for None."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"
