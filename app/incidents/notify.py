"""Emails about a major incident: follow confirmation, updates and resolution to followers (each with its
unfollow link), and the resolution to the raisers of linked cases. Sent through the cases' Mailer."""
from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from app.cases.mail import Delivery, Mailer
from app.cases.sla import describe_due
from app.incidents.records import Follower, Incident, IncidentUpdate
from app.incidents.store import CaseSummary

SIGNATURE = "MHHS Service Desk\n(This is an automatic message; please do not reply.)"


class IncidentNotifier:
    def __init__(self, mailer: Mailer, base_url: str) -> None:
        self.mailer = mailer
        self.base_url = base_url.rstrip("/")

    def incident_url(self, reference: str) -> str:
        return f"{self.base_url}/status/{quote(reference)}"

    def confirm_url(self, follower: Follower) -> str:
        return f"{self.base_url}/status/follow/{quote(follower.token)}"

    def unfollow_url(self, follower: Follower) -> str:
        return f"{self.base_url}/status/unfollow/{quote(follower.token)}"

    def confirm_follow(self, incident: Incident, follower: Follower) -> Delivery:
        body = [
            f"Someone (we hope you) asked to follow major incident {incident.reference}: {incident.title}.",
            "",
            "Confirm that you want an email with every update and the resolution:",
            self.confirm_url(follower),
            "",
            "If you did not ask for this, ignore this email: nothing will be sent unless you confirm.",
        ]
        return self._send(follower, incident, f"[{incident.reference}] Confirm you want updates", body)

    def update(self, incident: Incident, update: IncidentUpdate, follower: Follower) -> Delivery:
        body = [f"Update on major incident {incident.reference}: {incident.title}", "", update.text]
        if incident.next_steps:
            body += ["", f"Next steps: {incident.next_steps}"]
        return self._send(follower, incident, f"[{incident.reference}] Update: {incident.title}", body)

    def resolved(self, incident: Incident, update: IncidentUpdate, follower: Follower) -> Delivery:
        body = [f"Major incident {incident.reference} is resolved: {incident.title}", "", update.text]
        return self._send(follower, incident, f"[{incident.reference}] Resolved: {incident.title}", body)

    def cases_resolved(self, incident: Incident, update: IncidentUpdate, cases: Sequence[CaseSummary]) -> Delivery:
        """One email per raiser, however many of their cases the incident resolved."""
        lines = [
            f"Dear {cases[0].name},",
            "",
            f"Your case{'s' if len(cases) > 1 else ''} "
            + ", ".join(f"{c.reference} ({' '.join(c.subject.split())})" for c in cases)
            + f" {'were' if len(cases) > 1 else 'was'} part of major incident {incident.reference}: {incident.title}.",
            "The incident is resolved, and so "
            + ("are your cases" if len(cases) > 1 else "is your case") + ". The resolution:",
            "",
            update.text,
            "",
            f"The incident's full history: {self.incident_url(incident.reference)}",
            "If the problem continues for you, comment on your case with the tracking link from its "
            "confirmation email and we will reopen it.",
            "",
            SIGNATURE,
        ]
        return self.mailer.send(cases[0].email, f"[{incident.reference}] Resolved: {incident.title}", "\n".join(lines))

    def _send(self, follower: Follower, incident: Incident, subject: str, body: list[str]) -> Delivery:
        lines = [*body, "", f"The incident on the status page: {self.incident_url(incident.reference)}",
                 f"SLA target: {describe_due(incident.sla_due_at)}",
                 "", f"Stop these emails (unfollow): {self.unfollow_url(follower)}", "", SIGNATURE]
        return self.mailer.send(follower.email, subject, "\n".join(lines))
