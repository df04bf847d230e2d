"""Each service's current state, derived from the open major incidents: a P1 is an outage, a P2 degraded."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.incidents.catalogue import Catalogue
from app.incidents.records import Incident, ServiceState

_RANK = {ServiceState.OPERATIONAL: 0, ServiceState.DEGRADED: 1, ServiceState.OUTAGE: 2}


@dataclass(frozen=True)
class ServiceStatus:
    id: str
    name: str
    state: ServiceState
    incidents: tuple[str, ...]  # references of the open incidents affecting it


def severity_state(severity: str) -> ServiceState:
    return ServiceState.OUTAGE if severity == "P1" else ServiceState.DEGRADED


def service_states(catalogue: Catalogue, incidents: Iterable[Incident]) -> list[ServiceStatus]:
    """Every service in the catalogue's order; the worst state among the open incidents that affect it."""
    open_incidents = [i for i in incidents if i.is_open]
    out = []
    for service in catalogue.services.values():
        affecting = [i for i in open_incidents if service.id in i.services]
        state = max((severity_state(i.severity) for i in affecting), key=_RANK.__getitem__,
                    default=ServiceState.OPERATIONAL)
        out.append(ServiceStatus(service.id, service.name, state, tuple(i.reference for i in affecting)))
    return out
