"""Where a case goes: type, report-to, priority, channel and resolver steps from the service model.

The server derives routing itself from the scenario (DIP-..) or service request (SR-..) id, or from
the category plus the 6.3 impact x urgency matrix. Draft values a client sends (the assistant's
case draft) are only compared with the result: when they disagree the service model wins.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.servicemodel import (
    LEVELS,
    SERVICE_REQUEST_PRIORITY,
    SERVICE_REQUEST_REPORT_TO,
    SERVICE_REQUEST_TYPE,
    ServiceModel,
)

logger = logging.getLogger(__name__)

SERVICE_USERS = "Service Users"  # the service request catalogue's category (appendix 22)
PORTAL = "PORTAL"
INCIDENT = "Incident"
#: A DIP category without a routed scenario goes where every routed DIP scenario starts: DIP Manager triage.
DIP_REPORT_TO = "DIP Manager via Elexon Portal"
DIP_STEPS = ("Level 1: Triage & allocate to DIP Manager for further triage/progression",)
DESK_INCIDENT_STEPS = ("Level 1: Elexon Service Desk triage & allocate to a resolver group",)
DESK_REQUEST_STEPS = ("Level 1: Elexon Service Desk triage & allocate for fulfilment",)
DRAFT_FIELDS = ("type", "report_to", "priority")
#: Impact and urgency assumed when an incident is reported without them: the middle of the 6.3 matrix (P3),
#: which is also the priority of every routed DIP scenario. The desk can re-prioritise.
DEFAULT_LEVEL = "Medium"


@dataclass(frozen=True)
class Routing:
    type: str
    report_to: str
    priority: str
    channel: str | None
    steps: tuple[str, ...]
    source: str  # "scenario" | "service_request" | "category"
    scenario_id: str | None = None  # the DIP-/SR- id the routing came from, if any
    subcategory: str | None = None  # set for service requests (the request's name)
    priority_basis: str = ""  # one line a user can read: why this priority


def category_kind(category: str, model: ServiceModel) -> str | None:
    """'dip' | 'incident' | 'service_users' | None for a category the service model does not know."""
    if category == SERVICE_USERS:
        return "service_users"
    if category in set(model.scenario_categories()):
        return "dip"
    if category in {c.category for c in model.incident_categories.values()}:
        return "incident"
    return None


def known_categories(model: ServiceModel) -> list[str]:
    """DIP scenario categories, then incident categories, then Service Users; document order."""
    incident = list(dict.fromkeys(c.category for c in model.incident_categories.values()))
    return [*model.scenario_categories(), *incident, SERVICE_USERS]


def subcategories(category: str, model: ServiceModel) -> list[str]:
    return [c.subcategory for c in model.incident_categories.values() if c.category == category]


def applicable_scenario_id(values: Mapping[str, Any], model: ServiceModel) -> str | None:
    """The DIP-/SR- id, if known and consistent with the chosen category (a changed category drops it)."""
    sid = values.get("scenario_id")
    category = values.get("category")
    if not sid:
        return None
    if sid in model.scenarios:
        return sid if model.scenarios[sid].category == category else None
    if sid in model.service_requests:
        return sid if model.service_requests[sid].category == category else None
    return None


def derive_routing(values: Mapping[str, Any], model: ServiceModel) -> Routing | None:
    """Routing for cleaned (or partial) form values; None while the category is missing or unknown."""
    category = values.get("category") or ""
    sid = applicable_scenario_id(values, model)
    if sid in model.scenarios:
        sc = model.scenarios[sid]
        if not sc.self_help_only and sc.type and sc.report_to and sc.priority:
            return Routing(
                type=sc.type,
                report_to=sc.report_to,
                priority=sc.priority,
                channel=sc.channel,
                steps=sc.steps,
                source="scenario",
                scenario_id=sid,
                priority_basis=f"Set by the service definition for scenario {sid}.",
            )
    if sid in model.service_requests or category_kind(category, model) == "service_users":
        sr = model.service_requests.get(sid or "")
        return Routing(
            type=SERVICE_REQUEST_TYPE,
            report_to=SERVICE_REQUEST_REPORT_TO,
            priority=SERVICE_REQUEST_PRIORITY,
            channel=PORTAL,
            steps=DESK_REQUEST_STEPS,
            source="service_request",
            scenario_id=sr.id if sr else None,
            subcategory=sr.name if sr else None,
            priority_basis="Priority 4 is a service request (section 6.4).",
        )
    kind = category_kind(category, model)
    if kind is None:
        return None
    given = values.get("impact") in LEVELS and values.get("urgency") in LEVELS
    impact = values.get("impact") if values.get("impact") in LEVELS else DEFAULT_LEVEL
    urgency = values.get("urgency") if values.get("urgency") in LEVELS else DEFAULT_LEVEL
    derived = model.derive_priority(impact, urgency)
    basis = (
        f"Impact {derived.impact} ({derived.impact_label}) x urgency {derived.urgency} "
        f"({derived.urgency_label}) gives {derived.priority} (section 6.3)."
    )
    if not given:
        basis = (
            f"Impact and urgency not both given: assumed {derived.impact} x {derived.urgency}, "
            f"{derived.priority} (section 6.3). The service desk may change it."
        )
    groups = model.resolver_groups_for(values.get("subcategory") or "") if kind == "incident" else []
    return Routing(
        type=INCIDENT,
        report_to=DIP_REPORT_TO if kind == "dip" else SERVICE_REQUEST_REPORT_TO,
        priority=derived.priority,
        channel=PORTAL,
        steps=DIP_STEPS if kind == "dip" else DESK_INCIDENT_STEPS + tuple(f"Resolver group: {g}" for g in groups),
        source="category",
        scenario_id=sid,
        priority_basis=basis,
    )


def draft_disagreements(values: Mapping[str, Any], routing: Routing) -> tuple[str, ...]:
    """Names of draft fields (type, report_to, priority) the client sent that the routing overrides."""
    wrong = tuple(
        name
        for name in DRAFT_FIELDS
        if values.get(f"draft_{name}") and values[f"draft_{name}"] != getattr(routing, name)
    )
    if wrong:
        logger.info("case draft disagreed with routing on %s; service model wins", ", ".join(wrong))
    return wrong
