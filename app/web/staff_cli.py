"""`flask --app app staff ...`: create and manage staff accounts from the command line."""
from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from app.console.accounts import AccountError, Role
from app.web.deps import services

staff_cli = AppGroup("staff", help="Manage staff accounts for the service-desk console.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _password() -> str:
    """KB_STAFF_PASSWORD if set (scripts), else a hidden prompt asked twice."""
    from_env = os.environ.get("KB_STAFF_PASSWORD")
    if from_env:
        return from_env
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@staff_cli.command("add")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True, help="agent, knowledge_manager or admin.")
def staff_add(email: str, role: str) -> None:
    """Create a staff account; the password comes from a prompt or KB_STAFF_PASSWORD."""
    try:
        staff = services().staff.add(email, role, _password())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added {staff.email} ({staff.role.label}).")


@staff_cli.command("list")
def staff_list() -> None:
    """Every staff account with its role and whether it is active."""
    for s in services().staff.list():
        last = s.last_login_at.isoformat(timespec="minutes") if s.last_login_at else "never"
        click.echo(f"{s.email}\t{s.role.value}\t{'active' if s.active else 'inactive'}\tlast sign-in {last}")


@staff_cli.command("deactivate")
@click.argument("email")
def staff_deactivate(email: str) -> None:
    """Stop an account signing in and end its sessions."""
    accounts = services().staff
    staff = accounts.by_email(email)
    if staff is None:
        raise click.ClickException(f"No staff account {email}.")
    accounts.set_active(staff.id, False)
    click.echo(f"Deactivated {staff.email}.")


@staff_cli.command("password")
@click.argument("email")
def staff_password(email: str) -> None:
    """Set a new password (ends the account's sessions)."""
    try:
        services().staff.set_password(email, _password())
    except AccountError as exc:
        raise click.ClickException(str(exc) or f"No staff account {email}.") from None
    click.echo(f"Password changed for {email.strip().lower()}.")
