"""Emails to the raiser: the confirmation with the tracking link, and one for every desk update."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from app.cases.mail import Delivery, Mailer
from app.cases.records import Case, CaseEvent, EventKind
from app.cases.sla import describe_due, target_for

SIGNATURE = "MHHS Service Desk\n(This is an automatic message; reply by commenting on your case page.)"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Notifier:
    def __init__(self, mailer: Mailer, base_url: str) -> None:
        self.mailer = mailer
        self.base_url = base_url.rstrip("/")

    def tracking_url(self, reference: str, token: str) -> str:
        return f"{self.base_url}/cases/{quote(reference)}?{urlencode({'token': token})}"

    def lost_link_url(self) -> str:
        return f"{self.base_url}/cases/link"

    def case_created(self, case: Case, token: str) -> Delivery:
        body = "\n".join(
            [
                f"Dear {case.name},",
                "",
                f"Thank you. We have received your case {case.reference}.",
                "",
                f"Subject:   {_one_line(case.subject)}",
                f"Category:  {case.category}" + (f" / {case.subcategory}" if case.subcategory else ""),
                f"Type:      {case.type}",
                f"Priority:  {case.priority} (target: {target_for(case.priority).text})",
                f"Target:    {describe_due(case.sla_due_at)}",
                "",
                "Track your case, and add comments, here:",
                self.tracking_url(case.reference, token),
                "",
                "Keep this link private: anyone who has it can read and comment on your case.",
                "We will email you whenever your case is updated.",
                "",
                SIGNATURE,
            ]
        )
        return self.mailer.send(case.email, f"[{case.reference}] Case received: {_one_line(case.subject)}", body)

    def case_updated(self, case: Case, event: CaseEvent) -> Delivery | None:
        """Mail the raiser about a public update; internal notes send nothing."""
        if event.internal:
            return None
        if event.kind == EventKind.STATUS:
            what = f"Its status is now: {event.to_status}."
            headline = f"Status: {event.to_status}"
        else:
            what = "The service desk has added a comment."
            headline = "New comment"
        lines = [f"Dear {case.name},", "", f"Your case {case.reference} has been updated. {what}"]
        if event.body:
            lines += ["", event.body]
        lines += [
            "",
            "Open your case with the tracking link from your confirmation email.",
            f"Lost it? Ask for a new link (sent to this address only): {self.lost_link_url()}",
            "",
            SIGNATURE,
        ]
        return self.mailer.send(
            case.email, f"[{case.reference}] {headline}: {_one_line(case.subject)}", "\n".join(lines)
        )

    def new_link(self, case: Case, token: str) -> Delivery:
        body = "\n".join(
            [
                f"Dear {case.name},",
                "",
                f"Here is a new tracking link for your case {case.reference}. Earlier links no longer work.",
                "",
                self.tracking_url(case.reference, token),
                "",
                "If you did not ask for this, you can ignore this email: the link only came to you.",
                "",
                SIGNATURE,
            ]
        )
        return self.mailer.send(case.email, f"[{case.reference}] Your new tracking link", body)
