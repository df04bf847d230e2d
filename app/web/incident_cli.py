"""`flask --app app incident declare|update|resolve|close`: the console's major incident actions from a shell.

Bad input (unknown scenario, service or reference, empty text) exits 2 with a message naming it.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.incidents import IncidentError, IncidentNotFound, InvalidIncident
from app.web.deps import services

incident_cli = AppGroup("incident", help="Declare, update, resolve and close major incidents.")
AUTHOR = "cli"
_OPTION = {"scenario": "--scenario", "severity": "--severity", "title": "--title", "impact": "--impact",
           "services": "--services", "contact_name": "--contact", "text": "--text", "reported": "--reported",
           "next_steps": "--next-steps"}


def _fail(exc: IncidentError, reference: str | None = None) -> click.UsageError:
    if isinstance(exc, IncidentNotFound):
        return click.BadParameter(f"no major incident {reference or exc}", param_hint="REF")
    if isinstance(exc, InvalidIncident):
        return click.BadParameter(exc.message, param_hint=_OPTION.get(exc.field, exc.field))
    return click.UsageError(str(exc))  # closed, or not open: exit 2 with the reason


@incident_cli.command("declare")
@click.option("--scenario", default="none", show_default=True, help="A section 18 scenario (SC1..SC18) or none.")
@click.option("--severity", required=True, help="P1 or P2 (the SLA target follows from it).")
@click.option("--title", required=True, help="The incident title.")
@click.option("--impact", required=True, help="The impact statement (public).")
@click.option("--services", default="", help="Affected services, comma-separated (default: the scenario's).")
@click.option("--contact", default=None, help="Contact name (default: Elexon Service Desk).")
@click.option("--reported", default=None, help="What has been reported (default: the scenario's 'who raises').")
@click.option("--next-steps", default=None, help="Next steps: the plan of action and when the next update is due.")
def declare(scenario: str, severity: str, title: str, impact: str, services: str, contact: str | None,
            reported: str | None, next_steps: str | None) -> None:
    """Declare a major incident; prints its reference."""
    try:
        incident = _incidents().declare(title=title, impact=impact, severity=severity, scenario=scenario,
                                        services=services.split(","), contact_name=contact, reported=reported,
                                        next_steps=next_steps, author=AUTHOR)
    except IncidentError as exc:
        raise _fail(exc) from None
    click.echo(incident.reference)


@incident_cli.command("update")
@click.argument("reference", metavar="REF")
@click.option("--text", required=True, help="The public update, emailed to followers.")
@click.option("--note", default=None, help="An internal note (staff only).")
def update(reference: str, text: str, note: str | None) -> None:
    """Post a public update to REF and email its followers."""
    try:
        incident = _incidents().post_update(reference, text, internal_note=note, author=AUTHOR)
    except IncidentError as exc:
        raise _fail(exc, reference) from None
    click.echo(f"{incident.reference} updated")


@incident_cli.command("resolve")
@click.argument("reference", metavar="REF")
@click.option("--text", required=True, help="The resolution note (followers and linked cases' raisers get it).")
def resolve(reference: str, text: str) -> None:
    """Resolve REF and every open case linked to it."""
    try:
        result = _incidents().resolve(reference, text, author=AUTHOR)
    except IncidentError as exc:
        raise _fail(exc, reference) from None
    click.echo(f"{result.incident.reference} resolved; {len(result.cases_resolved)} linked case(s) resolved, "
               f"{result.raisers_emailed} raiser(s) emailed")


@incident_cli.command("close")
@click.argument("reference", metavar="REF")
def close(reference: str) -> None:
    """Close a resolved incident (it takes no more updates)."""
    try:
        incident = _incidents().close(reference, author=AUTHOR)
    except IncidentError as exc:
        raise _fail(exc, reference) from None
    click.echo(f"{incident.reference} closed")


def _incidents():
    return services().incidents
