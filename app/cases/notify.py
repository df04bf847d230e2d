"""Emails to the raiser, composed here and queued in the outbox: the confirmation, one for every desk update
and for a reopening. Each carries a link to the case page (the raiser signs in, with a one-time code if needed)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from app.cases.outbox import Mail
from app.cases.records import Case, CaseEvent, CaseStatus, EventKind
from app.cases.sla import describe_due, target_for

SIGNATURE = "MHHS Service Desk\n(This is an automatic message; reply by commenting on your case page.)"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Notifier:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def case_url(self, reference: str) -> str:
        """The case page: the raiser's account (or their organisation's) opens it after signing in."""
        return f"{self.base_url}/cases/{quote(reference)}"

    def tracking_url(self, reference: str, token: str) -> str:
        """The private link of a case raised before accounts existed."""
        return f"{self.base_url}/cases/{quote(reference)}?{urlencode({'token': token})}"

    def lost_link_url(self) -> str:
        return f"{self.base_url}/cases/link"

    def case_created(self, case: Case) -> Mail:
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
                "Follow your case, and add comments, on its page (sign in with your email address):",
                self.case_url(case.reference),
                "",
                "We will email you whenever your case is updated.",
                "",
                SIGNATURE,
            ]
        )
        return Mail(case.email, f"[{case.reference}] Case received: {_one_line(case.subject)}", body)

    def case_updated(self, case: Case, event: CaseEvent) -> Mail | None:
        """Every public update and reopening; internal notes and the raiser's own comments send nothing."""
        if event.internal or (event.author_kind == "raiser" and event.kind == EventKind.COMMENT):
            return None
        if event.kind == EventKind.STATUS:
            reopened = event.from_status == CaseStatus.RESOLVED and event.to_status == CaseStatus.IN_PROGRESS
            what = "It has been reopened." if reopened else f"Its status is now: {event.to_status}."
            headline = "Reopened" if reopened else f"Status: {event.to_status}"
        else:
            what = "The service desk has added a comment."
            headline = "New comment"
        lines = [f"Dear {case.name},", "", f"Your case {case.reference} has been updated. {what}"]
        if event.body:
            lines += ["", event.body]
        if case.account_id is not None:
            lines += ["", "See the whole case, and reply, on its page:", self.case_url(case.reference)]
        else:  # raised before accounts: the tracking link from the confirmation still works
            lines += [
                "",
                "Open your case with the tracking link from your confirmation email.",
                f"Lost it? Ask for a new link (sent to this address only): {self.lost_link_url()}",
            ]
        lines += ["", SIGNATURE]
        return Mail(case.email, f"[{case.reference}] {headline}: {_one_line(case.subject)}", "\n".join(lines))

    def new_link(self, case: Case, token: str | None) -> Mail:
        """A new tracking link (cases raised before accounts), or the case page (token None)."""
        if token is None:
            intro = f"Your case {case.reference} is on its page (sign in with this email address):"
            link = self.case_url(case.reference)
        else:
            intro = f"Here is a new tracking link for your case {case.reference}. Earlier links no longer work."
            link = self.tracking_url(case.reference, token)
        body = "\n".join(
            [
                f"Dear {case.name},",
                "",
                intro,
                "",
                link,
                "",
                "If you did not ask for this, you can ignore this email: the link only came to you.",
                "",
                SIGNATURE,
            ]
        )
        return Mail(case.email, f"[{case.reference}] {'Your new tracking link' if token else 'Link to your case'}",
                    body)
