"""`leadflow users`: the people leadflow works for, and their roles."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from leadflow.audit.service import Auditor
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.storage.database import session_factory, transaction
from leadflow.users import passwords, service
from leadflow.users.errors import UserFieldError
from leadflow.users.models import Role, User
from leadflow.users.schemas import UserCreate, UserRead, UserUpdate, reason_of

app = typer.Typer(
    help="Add and manage users: reps, managers, marketing, admins.", no_args_is_help=True
)

# The option each schema field comes from, to name it in errors.
OPTIONS = {
    "email": "EMAIL",
    "name": "--name",
    "role": "--role",
    "team": "--team",
    "manager_id": "--manager",
    "capacity": "--capacity",
    "territory": "--territory",
    "time_zone": "--time-zone",
    "password": "password",
}
LIST_TABLE_COLUMNS = ("id", "email", "name", "role", "team", "manager_id", "capacity", "active")

EmailArgument = Annotated[str, typer.Argument(help="The user's e-mail address.")]
TeamOption = Annotated[str | None, typer.Option(help='Team name; "" clears it.')]
ManagerOption = Annotated[
    str | None, typer.Option("--manager", help='The manager\'s e-mail; "" clears it.')
]
CapacityOption = Annotated[
    str | None, typer.Option(help='Most open MQLs at once; "none" for no limit.')
]
TerritoryOption = Annotated[
    str | None, typer.Option(help='JSON, e.g. \'{"region": ["EMEA"], "segment": ["smb"]}\'.')
]
TimeZoneOption = Annotated[str | None, typer.Option("--time-zone", help="IANA time zone.")]


def _named(field: str, reason: str) -> str:
    option = OPTIONS.get(field)
    return f"{option}: {reason}" if option else reason


@contextmanager
def _options_named() -> Iterator[None]:
    """Turn schema and service refusals into errors that name the command's options."""
    try:
        yield
    except ValidationError as exc:
        problems = "; ".join(
            _named(str(error["loc"][0]) if error["loc"] else "", reason_of(error))
            for error in exc.errors()
        )
        raise InvalidInputError(problems) from exc
    except UserFieldError as exc:
        raise InvalidInputError(_named(exc.field, exc.reason)) from exc


def _given(
    *, team: str | None, manager: str | None, capacity: str | None, territory: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if team is not None:
        values["team"] = team or None
    if capacity is not None:
        if capacity.strip().lower() == "none":
            values["capacity"] = None
        elif capacity.strip().isdigit():
            values["capacity"] = int(capacity)
        else:
            raise InvalidInputError(f"--capacity {capacity!r}: a whole number, or none")
    if territory is not None:
        try:
            values["territory"] = json.loads(territory)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"--territory: not JSON ({exc.msg})") from exc
    if manager is not None:
        values["manager"] = manager
    return values


def _resolve_manager(session: Any, values: dict[str, Any]) -> None:
    if "manager" in values:
        email = values.pop("manager")
        values["manager_id"] = service.resolve(session=session, email=email).id if email else None


def _show(user: User, fmt: OutputFormat) -> None:
    print_record(UserRead.model_validate(user).model_dump(mode="json"), fmt, title=user.email)


@app.command("add")
def add_command(
    email: EmailArgument,
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")] = Role.SALES,
    team: TeamOption = None,
    manager: ManagerOption = None,
    capacity: CapacityOption = None,
    territory: TerritoryOption = None,
    time_zone: TimeZoneOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Add a user.

    Example: leadflow users add ana@acme.com --name "Ana Ruiz" --role sales --team emea
    --manager max@acme.com --capacity 25 --territory '{"region": ["EMEA"]}'
    """
    values = _given(team=team, manager=manager, capacity=capacity, territory=territory)
    if time_zone is not None:
        values["time_zone"] = time_zone
    with _options_named(), transaction(engine_for(db)) as session:
        _resolve_manager(session, values)
        user_in = UserCreate.model_validate({"email": email, "name": name, "role": role, **values})
        user = service.create(
            session=session, user_in=user_in, auditor=Auditor.at_the_command_line()
        )
    _show(user, fmt)


@app.command("list")
def list_command(
    role: Annotated[Role | None, typer.Option(help="Only users with this role.")] = None,
    active_only: Annotated[bool, typer.Option("--active-only", help="Hide deactivated.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List users.

    Example: leadflow users list --role sales --active-only
    """
    with session_factory(engine_for(db))() as session:
        users = service.list_users(session=session, role=role, include_inactive=not active_only)
        rows = [UserRead.model_validate(user).model_dump(mode="json") for user in users]
    print_rows(rows, fmt, title="Users", table_columns=LIST_TABLE_COLUMNS)


@app.command("update")
def update_command(
    email: EmailArgument,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    role: Annotated[Role | None, typer.Option(help="What the user may do.")] = None,
    team: TeamOption = None,
    manager: ManagerOption = None,
    capacity: CapacityOption = None,
    territory: TerritoryOption = None,
    time_zone: TimeZoneOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Change a user: only the options given change.

    Example: leadflow users update ana@acme.com --role manager --capacity none --team ""
    """
    values = _given(team=team, manager=manager, capacity=capacity, territory=territory)
    for field, value in (("name", name), ("role", role), ("time_zone", time_zone)):
        if value is not None:
            values[field] = value
    with _options_named(), transaction(engine_for(db)) as session:
        user = service.resolve(session=session, email=email)
        _resolve_manager(session, values)
        user = service.update(
            session=session,
            user=user,
            user_in=UserUpdate.model_validate(values),
            auditor=Auditor.at_the_command_line(),
        )
    _show(user, fmt)


@app.command("deactivate")
def deactivate_command(
    email: EmailArgument, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """Deactivate a user: no new leads, every API key revoked; their history stays.

    Example: leadflow users deactivate ana@acme.com
    """
    with _options_named(), transaction(engine_for(db)) as session:
        user = service.deactivate(
            session=session,
            user=service.resolve(session=session, email=email),
            auditor=Auditor.at_the_command_line(),
        )
    _show(user, fmt)


@app.command("set-password")
def set_password_command(
    email: EmailArgument,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input's first line."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a user's dashboard password (asked twice, never echoed); their sessions end.

    Example: leadflow users set-password ana@acme.com
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _options_named(), transaction(engine_for(db)) as session:
        user = service.resolve(session=session, email=email)
        passwords.set_password(session=session, user=user, password=password)
        message = f"Password set for {user.email}; they log in to the dashboard with it."
    console.print(message, highlight=False)
