"""`flask --app app org import FILE`, `flask --app app account add ...` and `account token EMAIL`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.accounts.orgfile import OrganisationFileError, read_organisations
from app.accounts.store import InvalidAccount
from app.web.deps import services

org_cli = AppGroup("org", help="Manage the organisations participants register with.")
account_cli = AppGroup("account", help="Manage participant accounts.")


@org_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def org_import(file: Path) -> None:
    """Add or update organisations from a CSV with columns name, party_id, market_participant_ids, roles."""
    try:
        rows = read_organisations(file)
    except OrganisationFileError as exc:
        raise click.ClickException(str(exc)) from None
    added, updated = services().accounts.import_organisations(rows)
    click.echo(f"{added} organisation(s) added, {updated} updated from {file}")


@account_cli.command("add")
@click.argument("email")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--party-id", help="The organisation's Party ID (imported with `org import`).")
@click.option("--org-admin", is_flag=True, help="May let members of the organisation see all its cases.")
def account_add(email: str, first_name: str, last_name: str, party_id: str | None, org_admin: bool) -> None:
    """Create a verified participant account (it signs in with a one-time code sent to EMAIL)."""
    try:
        account = services().accounts.add(email, first_name, last_name, party_id=party_id, org_admin=org_admin)
    except InvalidAccount as exc:
        raise click.ClickException(f"--{exc.field.replace('_', '-')}: {exc}" if exc.field != "email"
                                   else f"EMAIL: {exc}") from None
    org = f" ({account.organisation.name}{', organisation admin' if org_admin else ''})" if account.organisation else ""
    click.echo(f"Added {account.email}{org}.")


@account_cli.command("token")
@click.argument("email")
@click.option("--name", default="CLI token", show_default=True, help="What the token is for.")
def account_token(email: str, name: str) -> None:
    """Print a new personal access token for EMAIL's account (use it as `Authorization: Bearer TOKEN`)."""
    account = services().accounts.by_email(email)
    if account is None:
        raise click.ClickException(f"No account {email.strip().lower()}.")
    _, secret = services().accounts.create_token(account.id, name)
    click.echo(secret)
