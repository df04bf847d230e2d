"""Case drafts exactly as a saved case is routed (``app.cases.routing``): DIP rows, the SR catalogue, incidents.

Every value comes from ``app.servicemodel`` (the YAML copied from the LLSD); nothing is restated here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.assistant.signals import Level, Signals
from app.cases.routing import derive_routing
from app.servicemodel import IncidentCategory, MajorIncidentScenario, PriorityDerivation, ServiceModel

#: An outage reported without words about its reach affects "many users" (that is why it is an outage).
DEFAULT_OUTAGE_IMPACT = "Medium"
DEFAULT_OUTAGE_URGENCY = "High"


@dataclass(frozen=True)
class CaseDraft:
    """The pre-filled case: what the desk would otherwise have to triage."""

    category: str
    subcategory: str | None
    type: str
    report_to: str
    priority: str
    channel: str | None
    steps: tuple[str, ...]
    reason: str
    source: str  # "scenario" | "service_request" | "incident"
    source_id: str | None
    derivation: PriorityDerivation | None = None
    impact_reason: str | None = None
    urgency_reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        d = self.derivation
        return {"category": self.category, "subcategory": self.subcategory, "type": self.type,
                "report_to": self.report_to, "priority": self.priority, "channel": self.channel,
                "steps": list(self.steps), "reason": self.reason,
                **({"impact": d.impact, "urgency": d.urgency} if d is not None else {})}


def draft_for(kind: str, ident: str, model: ServiceModel, impact: Level | None = None,
              urgency: Level | None = None) -> CaseDraft | None:
    """The case a DIP row, catalogue request or incident category raises, routed as a saved case will be
    (``app.cases.routing``: one router for the draft and the case); None for a row routed to no case."""
    if kind == "dip" and ident in model.scenarios:
        sc = model.scenarios[ident]
        r = derive_routing({"scenario_id": sc.id, "category": sc.category}, model)
        if r is None or r.source != "scenario":
            return None
        return CaseDraft(sc.category, None, r.type, r.report_to, r.priority, r.channel, r.steps,
                         f"DIP scenario {sc.id} ({sc.description}) in the service definition's DIP scenarios "
                         f"appendix is routed this way.", "scenario", sc.id)
    if kind == "sr" and ident in model.service_requests:
        sr = model.service_requests[ident]
        r = derive_routing({"scenario_id": sr.id, "category": sr.category}, model)
        if r is None:
            return None
        return CaseDraft(sr.category, sr.name, r.type, r.report_to, r.priority, r.channel, r.steps,
                         f"Service request {sr.id} ({sr.name}) is in the service request catalogue; Priority 4 is "
                         f"defined as a service request (section 6.4).", "service_request", sr.id)
    if kind == "incident" and ident in model.incident_categories:
        ic = model.incident_categories[ident]
        impact = impact or Level(DEFAULT_OUTAGE_IMPACT, "assumed: an outage affecting several users")
        urgency = urgency or Level(DEFAULT_OUTAGE_URGENCY, "assumed: the service is not working")
        r = derive_routing({"category": ic.category, "subcategory": ic.subcategory, "impact": impact.level,
                            "urgency": urgency.level}, model)
        if r is None:
            return None
        d = model.derive_priority(impact.level, urgency.level)
        return CaseDraft(ic.category, ic.subcategory, r.type, r.report_to, r.priority, r.channel, r.steps,
                         f"Incident category {ic.category} / {ic.subcategory} (appendix 20). " + derivation_text(d)
                         + f" Impact from {impact.reason}; urgency from {urgency.reason}.", "incident", ic.id,
                         derivation=d, impact_reason=impact.reason, urgency_reason=urgency.reason)
    return None


def levels_for_outage(signals: Signals) -> tuple[Level, Level]:
    """Impact and urgency from the user's words, else the assumption an outage report implies."""
    impact = signals.impact or Level(DEFAULT_OUTAGE_IMPACT, "assumed: an outage affecting several users")
    urgency = signals.urgency or Level(DEFAULT_OUTAGE_URGENCY, "assumed: the service is not working")
    return impact, urgency


def derivation_text(d: PriorityDerivation) -> str:
    return (f"Impact {d.impact} ({d.impact_label}) x urgency {d.urgency} ({d.urgency_label}) gives {d.priority} "
            f"in the section 6.3 matrix; the resolution target for {d.priority} is {d.target.text}.")


def _base(subcategory: str) -> str:
    """"Registration Failures (Out of Hours)" -> "registration failures"."""
    return subcategory.split("(")[0].strip().lower()


def incident_variant(ic: IncidentCategory, out_of_hours: bool, model: ServiceModel) -> IncidentCategory:
    """The same failure's in-hours or out-of-hours category where appendix 20 has both (IC-01 / IC-05)."""
    siblings = [c for c in model.incident_categories.values() if _base(c.subcategory) == _base(ic.subcategory)]
    if len(siblings) < 2:
        return ic
    fits = [c for c in siblings if ("out of hours" in c.subcategory.lower()) == out_of_hours]
    return ic if ic in fits or not fits else fits[0]


def security_category(model: ServiceModel) -> IncidentCategory | None:
    """The incident category for security incidents (appendix 20: "DIP Security Incidents")."""
    return next((c for c in model.incident_categories.values() if "security" in c.subcategory.lower()), None)


def linked_major_incidents(ic: IncidentCategory, model: ServiceModel) -> list[MajorIncidentScenario]:
    """Major incident scenarios (section 18) that fall under an incident category (appendix 20).

    Linked when the scenario's system is named in the subcategory, its category agrees (or it has none)
    and, where the subcategory says in or out of hours, its timing agrees.
    """
    sub = ic.subcategory.lower()
    sub_words = set(re.findall(r"[a-z0-9]+", sub))
    found = []
    for sc in model.major_incidents.values():
        systems = {w.strip().lower() for w in re.split(r"\s+-\s+", sc.system)}
        if not systems & sub_words:
            continue
        cats = list(sc.raw.get("categories") or ([sc.category] if sc.category else []))
        if cats and ic.category not in cats:
            continue
        when = (sc.when or "").lower()
        if "(out of hours)" in sub and "out of hours" not in when:
            continue
        if "(in hours)" in sub and "in hours" not in when:
            continue
        found.append(sc)
    return found


def scenario_json(kind: str, entity_id: str, model: ServiceModel) -> dict[str, str] | None:
    """The API's "scenario" object for a DIP row, a catalogue request or an incident category; else None."""
    if kind == "dip" and entity_id in model.scenarios:
        sc = model.scenarios[entity_id]
        return {"id": sc.id, "category": sc.category, "description": sc.description}
    if kind == "sr" and entity_id in model.service_requests:
        sr = model.service_requests[entity_id]
        return {"id": sr.id, "category": sr.category, "description": f"{sr.name}: {sr.description}"}
    if kind == "incident" and entity_id in model.incident_categories:
        ic = model.incident_categories[entity_id]
        return {"id": ic.id, "category": ic.category, "description": ic.subcategory}
    return None
