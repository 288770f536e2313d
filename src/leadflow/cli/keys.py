"""`leadflow keys`: API keys for programs, each acting as one user with that user's role."""

from __future__ import annotations

from typing import Annotated

import typer

from leadflow.audit.service import Auditor
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for
from leadflow.cli.output import console, error_console, print_record, print_rows
from leadflow.storage.database import session_factory, transaction
from leadflow.users import keys
from leadflow.users import service as users
from leadflow.users.schemas import ApiKeyCreated, ApiKeyRead

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

LIST_TABLE_COLUMNS = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
WARNING = "Store this key now: it is shown only this once and cannot be recovered."


@app.command("create")
def create_command(
    user: Annotated[str, typer.Option("--user", help="E-mail of the user the key acts as.")],
    name: Annotated[str | None, typer.Option(help="What the key is for, e.g. crm-sync.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Create a key acting as a user, with the user's role; prints the key once.

    Example: leadflow keys create --user ana@acme.com --name crm-sync
    """
    with transaction(engine_for(db)) as session:
        owner = users.resolve(session=session, email=user)
        key, plaintext = keys.create(
            session=session, user_id=owner.id, name=name, auditor=Auditor.at_the_command_line()
        )
    record = ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=plaintext)
    if fmt is OutputFormat.JSON:
        print_record(record.model_dump(mode="json"), fmt)
        error_console.print(WARNING)
        return
    console.print(f"API key for {owner.email} ({owner.role}):\n")
    console.print(f"    {plaintext}\n", style="bold", highlight=False)
    console.print(f"[yellow]{WARNING}[/yellow]")
    console.print(f"Revoke it with: leadflow keys revoke {key.prefix}", highlight=False)


@app.command("list")
def list_command(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's keys.")] = None,
    valid_only: Annotated[bool, typer.Option("--valid-only", help="Hide revoked keys.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List keys (prefixes only; secrets are never stored).

    Example: leadflow keys list --user ana@acme.com --valid-only
    """
    with session_factory(engine_for(db))() as session:
        user_id = users.resolve(session=session, email=user).id if user else None
        found = keys.list_keys(session=session, user_id=user_id, include_revoked=not valid_only)
        emails = {person.id: person.email for person in users.list_users(session=session)}
        rows = [
            ApiKeyRead.model_validate(key).model_dump(mode="json") | {"user": emails[key.user_id]}
            for key in found
        ]
    print_rows(rows, fmt, title="API keys", table_columns=LIST_TABLE_COLUMNS)


@app.command("revoke")
def revoke_command(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (lf_...), or the whole key.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Revoke a key: it stops working at once.

    Example: leadflow keys revoke lf_ab12cd34
    """
    with transaction(engine_for(db)) as session:
        key = keys.revoke(
            session=session, prefix=keys.prefix_of(prefix), auditor=Auditor.at_the_command_line()
        )
    print_record(ApiKeyRead.model_validate(key).model_dump(mode="json"), fmt, title=key.prefix)
