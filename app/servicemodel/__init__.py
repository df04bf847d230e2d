"""The service definition as data: DIP scenarios, service requests, categories, priorities.

Read from the YAML files in ``data/`` (copied from Elexon's MHHS LLSD transcription, same ids).
This layer imports nothing else from the project; content, search, assistant and cases use it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

#: Incident/service-request targets for the "Elexon Service Portal" (section 6.4: P4 is a service request).
SERVICE_REQUEST_REPORT_TO = "Elexon Service Portal"
SERVICE_REQUEST_TYPE = "Service Request"
SERVICE_REQUEST_PRIORITY = "P4"
LEVELS = ("High", "Medium", "Low")


@dataclass(frozen=True)
class Scenario:
    """One row of the DIP scenarios appendix (section 19)."""

    id: str
    area: str
    category: str
    description: str
    guidance: str | None
    type: str | None
    report_to: str | None
    priority: str | None
    channel: str | None
    steps: tuple[str, ...]
    self_help_only: bool
    not_elexon_responsibility: bool
    source_text: str

    @property
    def self_help_first(self) -> bool:
        """A routed row whose guidance puts a knowledge article before the case ("Self Help guidance and then
        escalate", "KA initially Self Help", "Underpin with KA for self-serve option")."""
        return (not self.self_help_only and not self.not_elexon_responsibility
                and bool(self.type and self.report_to and self.priority)
                and _SELF_HELP_GUIDANCE.search(self.guidance or "") is not None)


_SELF_HELP_GUIDANCE = re.compile(r"self[ -]?(?:help|serve)|\bKA\b|knowledge article", re.I)


@dataclass(frozen=True)
class ServiceRequest:
    """One entry of the service request catalogue (section 22)."""

    id: str
    category: str
    name: str
    description: str


@dataclass(frozen=True)
class IncidentCategory:
    id: str
    category: str
    subcategory: str


@dataclass(frozen=True)
class ResolverGroup:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Topic:
    """A planned knowledge article topic (appendix 23, KA-..)."""

    id: str
    topic: str


@dataclass(frozen=True)
class MajorIncidentScenario:
    id: str
    system: str
    variation: str
    when: str
    category: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ResolutionTarget:
    priority: str
    value: int
    unit: str  # "hours" | "day" | "business days"
    text: str


@dataclass(frozen=True)
class PriorityDerivation:
    """How a priority follows from impact x urgency (section 6.3)."""

    impact: str
    impact_label: str
    urgency: str
    urgency_label: str
    priority: str
    target: ResolutionTarget


@dataclass(frozen=True)
class ServiceModel:
    scenarios: dict[str, Scenario]
    areas: dict[str, str]
    service_requests: dict[str, ServiceRequest]
    incident_categories: dict[str, IncidentCategory]
    resolver_groups: dict[str, ResolverGroup]
    topics: dict[str, Topic]
    major_incidents: dict[str, MajorIncidentScenario]
    targets: dict[str, ResolutionTarget]
    impact_labels: dict[str, str]
    urgency_labels: dict[str, str]
    impact_definitions: dict[str, str]
    priority_definitions: dict[str, str]
    matrix: dict[tuple[str, str], str]  # (impact, urgency) -> priority

    def known_ids(self) -> set[str]:
        """Every DIP-, SR- and KA- id the content may cite."""
        return set(self.scenarios) | set(self.service_requests) | set(self.topics)

    def resolver_groups_for(self, subcategory: str) -> list[str]:
        """Resolver groups whose description names an incident subcategory (appendix 21)."""
        base = re.sub(r"\s*\(.*?\)\s*", " ", subcategory).strip().rstrip("s").lower()
        return [g.name for g in self.resolver_groups.values() if base and base in g.description.lower()]

    def scenario_categories(self) -> list[str]:
        """DIP scenario categories in document order, without repeats."""
        return list(dict.fromkeys(s.category for s in self.scenarios.values()))

    def derive_priority(self, impact: str, urgency: str) -> PriorityDerivation:
        """Impact and urgency are High | Medium | Low; raises ValueError otherwise."""
        impact, urgency = impact.capitalize(), urgency.capitalize()
        if impact not in LEVELS or urgency not in LEVELS:
            raise ValueError("impact and urgency must be High, Medium or Low")
        priority = self.matrix[(impact, urgency)]
        return PriorityDerivation(
            impact=impact,
            impact_label=self.impact_labels[impact],
            urgency=urgency,
            urgency_label=self.urgency_labels[urgency],
            priority=priority,
            target=self.targets[priority],
        )


def _steps(row: dict[str, Any]) -> tuple[str, ...]:
    """Level 1-3 as written; 'Triage & allocate to' continues into level 2, so join them."""
    l1, l2, l3 = row.get("level1"), row.get("level2"), row.get("level3")
    steps: list[str] = []
    if l1 and l2 and l1.rstrip().endswith(" to"):
        steps.append(f"Level 1: {l1} {l2}")
    else:
        if l1:
            steps.append(f"Level 1: {l1}")
        if l2:
            steps.append(f"Level 2: {l2}")
    if l3:
        steps.append(f"Level 3: {l3}")
    return tuple(steps)


#: libyaml's safe parser where PyYAML was built with it: the same values about 10x faster (0.2 s less at every
#: start, as the case form's schema reads the model when the app is created)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> dict[str, Any]:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)  # nosec B506  # CSafeLoader or SafeLoader: safe loaders only


@lru_cache(maxsize=1)
def load_service_model() -> ServiceModel:
    """Parse both data files once per process."""
    dip = _load_yaml("dip-scenarios.yaml")
    sm = _load_yaml("service-model.yaml")
    scenarios = {
        r["id"]: Scenario(
            id=r["id"],
            area=r["area"],
            category=r["category"],
            description=r["description"],
            guidance=r.get("guidance"),
            type=r.get("type"),
            report_to=r.get("report_to"),
            priority=r.get("priority"),
            channel=r.get("channel"),
            steps=_steps(r),
            self_help_only=bool(r.get("self_help_only")),
            not_elexon_responsibility=bool(r.get("not_elexon_responsibility")),
            source_text=r.get("source_text") or r["description"],
        )
        for r in dip["scenarios"]
    }
    pm = sm["priority_matrix"]
    return ServiceModel(
        scenarios=scenarios,
        areas=dict(dip["areas"]),
        service_requests={
            r["id"]: ServiceRequest(r["id"], r.get("category") or "Service Users", r["name"], r["description"])
            for r in sm["service_request_catalogue"]["items"]
        },
        incident_categories={
            r["id"]: IncidentCategory(r["id"], r["category"], r["subcategory"])
            for r in sm["incident_categories"]["items"]
        },
        resolver_groups={
            r["id"]: ResolverGroup(r["id"], r["name"], r["description"]) for r in sm["resolver_groups"]["items"]
        },
        topics={r["id"]: Topic(r["id"], r["topic"]) for r in sm["knowledge_article_topics"]["items"]},
        major_incidents={
            r["id"]: MajorIncidentScenario(r["id"], r["system"], r["variation"], r["when"], r.get("category"), r)
            for r in sm["major_incident_scenarios"]["items"]
        },
        targets={
            t["priority"]: ResolutionTarget(t["priority"], int(t["value"]), t["unit"], t["text"])
            for t in pm["resolution_targets"]
        },
        impact_labels={x["level"]: x["label"] for x in pm["impact_levels"]},
        urgency_labels={x["level"]: x["label"] for x in pm["urgency_levels"]},
        impact_definitions={x["level"]: x["definition"] for x in pm["impact_levels"]},
        priority_definitions={x["priority"]: x["definition"] for x in sm["priority_definitions"]["levels"]},
        matrix={(m["impact"], m["urgency"]): m["priority"] for m in pm["matrix"]},
    )
