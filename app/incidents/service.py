"""IncidentService: validates what staff type, keeps the record, tells followers and linked cases' raisers.

Mail goes out after each transaction commits; a mail failure is logged and never undoes the change
(the Mailer keeps undelivered messages for retry), as for cases.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.cases.errors import CaseError
from app.cases.forms import is_valid_email
from app.cases.records import AuthorKind, CaseStatus
from app.cases.store import CaseStore
from app.incidents.catalogue import Catalogue, terms
from app.incidents.notify import IncidentNotifier
from app.incidents.records import (
    SEVERITIES,
    Follower,
    Incident,
    IncidentUpdate,
    InvalidIncident,
)
from app.incidents.store import CaseSummary, IncidentStore, NewIncident
from app.servicemodel import ServiceModel

logger = logging.getLogger(__name__)

TITLE_MAX = 200
TEXT_MAX = 10_000
#: Section 7.2's point of contact, when the declaring staff member names nobody.
DEFAULT_CONTACT = "Elexon Service Desk"


@dataclass(frozen=True)
class Resolution:
    incident: Incident
    cases_resolved: tuple[str, ...]
    raisers_emailed: int


def _text(field: str, value: str | None, *, required: bool, limit: int = TEXT_MAX, label: str = "") -> str:
    """The trimmed text ("" when empty and optional); InvalidIncident naming the field otherwise."""
    value = (value or "").strip()
    name = label or field.replace("_", " ")
    if not value and required:
        raise InvalidIncident(field, f"Enter the {name}.")
    if len(value) > limit:
        raise InvalidIncident(field, f"The {name} is too long: at most {limit} characters.")
    return value


class IncidentService:
    def __init__(self, store: IncidentStore, cases: CaseStore, model: ServiceModel, catalogue: Catalogue,
                 notifier: IncidentNotifier | None = None) -> None:
        self.store, self.cases, self.model, self.catalogue = store, cases, model, catalogue
        self.notifier = notifier

    # -- declaring -----------------------------------------------------------------------------------
    def scenario_id(self, value: str | None) -> str | None:
        """The section 18 scenario id for 'sc1' / 'SC1', None for empty or 'none'; InvalidIncident otherwise."""
        value = (value or "").strip().upper()
        if value in ("", "NONE"):
            return None
        if value not in self.model.major_incidents:
            raise InvalidIncident("scenario", f"Unknown scenario '{value}': choose one of "
                                  f"{', '.join(self.model.major_incidents)} or none.")
        return value

    def service_ids(self, values: Iterable[str]) -> tuple[str, ...]:
        chosen: list[str] = []
        for value in (v.strip() for v in values):
            if not value:
                continue
            sid = self.catalogue.resolve(value)
            if sid is None:
                raise InvalidIncident("services", f"Unknown service '{value}': choose from "
                                      f"{', '.join(self.catalogue.services)}.")
            chosen.append(sid)
        return tuple(dict.fromkeys(chosen))

    def declare(self, *, title: str, impact: str, severity: str, scenario: str | None = None,
                services: Iterable[str] = (), contact_name: str | None = None, reported: str | None = None,
                next_steps: str | None = None, started_at: datetime | None = None,
                author: str | None = None) -> Incident:
        """Check every field (InvalidIncident names the first bad one), then record it. Services default to the
        scenario's; what has been reported defaults to the scenario's "who raises" column."""
        scenario_id = self.scenario_id(scenario)
        sc = self.model.major_incidents.get(scenario_id) if scenario_id else None
        severity = (severity or "").strip().upper()
        if severity not in SEVERITIES:
            raise InvalidIncident("severity", "Choose a severity: P1 or P2.")
        chosen = self.service_ids(services) or (self.catalogue.for_scenario(sc) if sc else ())
        if not chosen:
            raise InvalidIncident("services", "Choose at least one affected service.")
        new = NewIncident(
            title=_text("title", title, required=True, limit=TITLE_MAX),
            impact=_text("impact", impact, required=True, label="impact statement"),
            reported=_text("reported", reported, required=False, label="summary of what has been reported")
            or (str(sc.raw.get("who_raises") or "") if sc else ""),
            severity=severity, services=chosen, scenario_id=scenario_id,
            contact_name=_text("contact_name", contact_name, required=False, limit=TITLE_MAX) or DEFAULT_CONTACT,
            next_steps=_text("next_steps", next_steps, required=False) or None, started_at=started_at,
        )
        return self.store.declare(new, author)

    # -- updates and resolution ------------------------------------------------------------------------
    def post_update(self, reference: str, text: str, *, internal_note: str | None = None,
                    next_steps: str | None = None, author: str | None = None) -> Incident:
        """A public update, emailed to every confirmed follower. IncidentClosed on a closed incident."""
        body = _text("text", text, required=True, label="update")
        note = _text("internal_note", internal_note, required=False, label="internal note")
        steps = None if next_steps is None else _text("next_steps", next_steps, required=False)
        incident, update = self.store.add_update(reference, body, internal_note=note, author=author, next_steps=steps)
        self._tell_followers(incident, update, lambda n, f: n.update(incident, update, f))
        return incident

    def resolve(self, reference: str, text: str, *, author: str | None = None) -> Resolution:
        """Resolve the incident and every open linked case with its note; each raiser is emailed once."""
        note = _text("text", text, required=True, label="resolution note")
        incident, update = self.store.resolve(reference, note, author=author)
        self._tell_followers(incident, update, lambda n, f: n.resolved(incident, update, f))
        resolved: list[CaseSummary] = []
        for case in self.store.linked_cases(incident.id):
            if not case.status.is_open:
                continue
            try:
                self.cases.change_status(case.reference, CaseStatus.RESOLVED, author_kind=AuthorKind.STAFF,
                                         author=author, note=f"Resolved with major incident {incident.reference}: "
                                                             f"{note}")
            except CaseError:  # closed or resolved meanwhile: nothing to tell its raiser
                logger.warning("linked case %s could not be resolved with %s", case.reference, incident.reference)
                continue
            resolved.append(case)
        by_raiser: dict[str, list[CaseSummary]] = {}
        for case in resolved:
            by_raiser.setdefault(case.email.casefold(), []).append(case)
        for group in by_raiser.values():
            self._send(lambda n, g=group: n.cases_resolved(incident, update, g), incident.reference)
        logger.info("major incident %s: %d linked case(s) resolved, %d raiser(s) emailed", incident.reference,
                    len(resolved), len(by_raiser))
        return Resolution(incident, tuple(c.reference for c in resolved), len(by_raiser))

    def close(self, reference: str, *, text: str | None = None, author: str | None = None) -> Incident:
        return self.store.close(reference, text=_text("text", text, required=False), author=author)

    # -- following ---------------------------------------------------------------------------------------
    def follow_by_email(self, reference: str, email: str) -> Follower:
        """Ask to follow: a confirmation link is emailed (again, while unconfirmed); nothing else until clicked.
        Following again once confirmed changes nothing and sends nothing."""
        email = (email or "").strip()
        if len(email) > 254 or not is_valid_email(email):
            raise InvalidIncident("email", "Enter a valid email address, like name@example.com.")
        incident = self.store.get(reference)
        follower, _ = self.store.follow(incident.reference, email)
        if not follower.confirmed:
            self._send(lambda n: n.confirm_follow(incident, follower), incident.reference)
        return follower

    def follow_signed_in(self, reference: str, email: str) -> Follower:
        """One-click follow for a signed-in participant (accounts, issue 16): the account's verified address
        needs no confirmation link. Idempotent."""
        follower, _ = self.store.follow(reference, email, confirmed=True)
        return follower

    def confirm_follower(self, token: str) -> tuple[Follower, Incident] | None:
        return self.store.confirm_follower(token)

    def unfollow(self, token: str) -> bool:
        return self.store.unfollow(token)

    # -- cases --------------------------------------------------------------------------------------------
    def link_cases(self, reference: str, case_references: Iterable[str], *, author: str | None = None) -> list[str]:
        return self.store.link_cases(reference, case_references, author=author)

    def routing_matches(self, incident: Incident, case: CaseSummary) -> bool:
        """The case's routing (category and subcategory) or subject names one of the incident's services."""
        words = terms(f"{case.category} {case.subcategory or ''} {case.subject}")
        return bool(set(self.catalogue.mentioned(words)) & set(incident.services))

    def suggested_cases(self, incident: Incident, limit: int = 50) -> list[CaseSummary]:
        """Open, unlinked cases raised since the incident started whose routing matches it."""
        recent = self.store.unlinked_open_cases(since=incident.started_at, limit=1000)
        return [c for c in recent if self.routing_matches(incident, c)][:limit]

    # -- helpers --------------------------------------------------------------------------------------------
    def _tell_followers(self, incident: Incident, update: IncidentUpdate,
                        send: Callable[[IncidentNotifier, Follower], Any]) -> None:
        for follower in self.store.followers(incident.id):
            self._send(lambda n, f=follower: send(n, f), incident.reference)

    def _send(self, send: Callable[[IncidentNotifier], Any], reference: str) -> None:
        if self.notifier is None:
            return
        try:
            send(self.notifier)
        except Exception:  # a notification must never fail the change it reports
            logger.exception("could not send or queue mail for major incident %s", reference)
