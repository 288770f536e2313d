"""The `leadflow` command: every sub-command registered here; errors printed, never traced."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from leadflow import __version__
from leadflow.cli import (
    audit,
    demo,
    doctor,
    imports,
    init,
    keys,
    leads,
    report,
    scoring,
    serve,
    sla,
    users,
    webhooks,
)
from leadflow.cli.output import error_console
from leadflow.errors import LeadflowError


class LeadflowGroup(TyperGroup):
    """Prints a domain error as one clear line and exits 1, instead of a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LeadflowError as exc:
            # The message quotes input (a name, a value): printed as typed, never as markup.
            error_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from exc


app = typer.Typer(
    name="leadflow",
    cls=LeadflowGroup,
    help="Lead qualification: score leads, hand the qualified ones to sales, measure outcomes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(init.init_command)
app.command("demo")(demo.demo_command)
app.add_typer(leads.app, name="leads")
app.add_typer(scoring.model_app, name="model")
app.add_typer(scoring.score_app, name="score")
app.add_typer(imports.app, name="import")
app.add_typer(sla.app, name="sla")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(report.app, name="report")
app.command("serve")(serve.serve_command)
app.command("doctor")(doctor.doctor_command)
app.command("audit")(audit.audit_command)


def _version(value: bool) -> None:
    if value:
        print(f"leadflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Lead qualification: score leads, hand the qualified ones to sales, measure outcomes."""


def main() -> None:
    """Entry point of the console script."""
    app()
