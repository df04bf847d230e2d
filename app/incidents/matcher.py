"""Is a participant's message about a major incident we already know of? Plain keyword logic, no model.

A message matches an open incident when it names one of the incident's services (data/services.yaml
keywords: "DIP", "webhook", "REP003"...) and says the service is not working ("down", "nothing sending",
"not receiving", "no PUB responses"...), or when it quotes the incident's reference. Everyday faults
("rejected", "an error", "cannot upload") are not enough: those route as usual. Among several open incidents the one
whose services the message names most wins (then P1 before P2, then the newest).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.incidents.catalogue import Catalogue, contains, terms
from app.incidents.records import Incident, IncidentState

_REFERENCE = re.compile(r"\bMI\d{7,12}\b", re.I)
#: Words that ask after an incident itself rather than report a fault ("was the DIP outage fixed?").
_ABOUT_INCIDENT = (("incid",), ("outag",), ("resolv",), ("fix",), ("back", "up"), ("over",))


@dataclass(frozen=True)
class IncidentMatch:
    incident: Incident
    services: tuple[str, ...]  # the incident's services the message named (empty when matched by reference)


def _named_references(message: str) -> set[str]:
    return {m.group(0).upper() for m in _REFERENCE.finditer(message)}


def _best(message: str, incidents: Iterable[Incident], catalogue: Catalogue, *,
          need_symptom: bool) -> IncidentMatch | None:
    references = _named_references(message)
    candidates = list(incidents)
    for incident in candidates:
        if incident.reference in references:
            return IncidentMatch(incident, ())
    words = terms(message)
    named = catalogue.mentioned(words)
    if not named or (need_symptom and not catalogue.has_symptom(words, tuple(named))):
        return None
    best: tuple[tuple, IncidentMatch] | None = None
    for incident in candidates:
        shared = tuple(s for s in incident.services if s in named)
        if not shared:
            continue
        key = (sum(named[s] for s in shared), incident.severity == "P1", incident.started_at)
        if best is None or key > best[0]:
            best = (key, IncidentMatch(incident, shared))
    return best[1] if best else None


def match_open_incident(message: str, incidents: Iterable[Incident], catalogue: Catalogue) -> IncidentMatch | None:
    """The open major incident this message reports, if any (incidents that are not open are ignored)."""
    return _best(message, (i for i in incidents if i.state is IncidentState.OPEN), catalogue, need_symptom=True)


def match_resolved_incident(message: str, incidents: Iterable[Incident],
                            catalogue: Catalogue) -> IncidentMatch | None:
    """A resolved (or closed) incident the message asks about: by reference, or naming its services together with
    words about an incident ("outage", "fixed", "resolved"). Call it only when no open incident matched."""
    finished = [i for i in incidents if i.state is not IncidentState.OPEN]
    if not finished:
        return None
    words = terms(message)
    if not _named_references(message) and not any(contains(words, p) for p in _ABOUT_INCIDENT):
        return None
    return _best(message, finished, catalogue, need_symptom=False)
