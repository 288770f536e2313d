"""The `leadflow` command: every sub-command registered here; errors printed, never traced.

Sub-commands load when they run, not when `leadflow` starts: `leadflow --help` lists them
from COMMANDS without importing their modules (and the database, Ibis, pandas or FastAPI
they bring), so the help and small commands start fast. To add a command, add a line to
COMMANDS: its name, where it lives ("module:attribute", a Typer app or a command function)
and its one-line help (tests/cli/test_app.py checks the line matches the command's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import click
import typer
from rich.markup import escape
from typer.core import TyperGroup

from leadflow import __version__
from leadflow.errors import LeadflowError


@dataclass(frozen=True)
class LazyCommand:
    """A sub-command known by name and help until it is run."""

    target: str  # "module:attribute": a Typer app, or a function to register as a command
    help: str

    def load(self, name: str) -> click.Command:
        """Import the command's module and build its click command."""
        module, _, attribute = self.target.partition(":")
        found = getattr(import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: click.Command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return command


COMMANDS = {
    "init": LazyCommand(
        "leadflow.cli.init:init_command",
        "Write a starter leadflow.toml and scoring.yaml, and create (or migrate) the database.",
    ),
    "demo": LazyCommand(
        "leadflow.cli.demo:demo_command",
        "Build a simulated B2B SaaS world and load it: accounts, leads with months of"
        " activity, tire-kickers, a sales team, campaign spend, and the hidden truth of who"
        " buys.",
    ),
    "serve": LazyCommand(
        "leadflow.cli.serve:serve_command", "Serve the HTTP API, with OpenAPI docs at /docs."
    ),
    "leads": LazyCommand(
        "leadflow.cli.leads:app", "Look at leads and move them through the lifecycle."
    ),
    "model": LazyCommand(
        "leadflow.cli.scoring:model_app", "Scoring model versions: validate, activate, list."
    ),
    "score": LazyCommand("leadflow.cli.scoring:score_app", "Rescore every lead in batch."),
    "import": LazyCommand(
        "leadflow.cli.imports:app",
        "Import leads, accounts or activities from CSV, JSON Lines or Parquet files.",
    ),
    "sla": LazyCommand(
        "leadflow.cli.sla:app", "SLA clocks: deadlines per stage, breaches and escalation."
    ),
    "webhooks": LazyCommand("leadflow.cli.webhooks:app", "Send signed webhooks to other systems."),
    "users": LazyCommand(
        "leadflow.cli.users:app", "Add and manage users: reps, managers, marketing, admins."
    ),
    "keys": LazyCommand("leadflow.cli.keys:app", "Create, list and revoke API keys."),
    "doctor": LazyCommand(
        "leadflow.cli.doctor:doctor_command",
        "Check the store: scores equal a batch rescore, stage histories are legal walks, no"
        " orphan rows, no event stored twice, outbox rows delivered, pending or dead. Exits 1"
        " on any problem.",
    ),
    "audit": LazyCommand(
        "leadflow.cli.audit:audit_command",
        "List the audit log, oldest first: models recorded or activated, keys created or"
        " revoked, webhooks changed or replayed, users created or changed. Stage changes are in"
        " each lead's history (`leadflow leads history`).",
    ),
    "report": LazyCommand(
        "leadflow.cli.report:app",
        "Reports on outcomes: funnel, weekly, sources, velocity, sla, rejections, calibration,"
        " attribution, plan.",
    ),
}


class _Listed(click.Command):
    """What `leadflow --help` shows of a command that is not loaded: its name and help."""


class LeadflowGroup(TyperGroup):
    """Loads a sub-command when it runs; prints a domain error as one clear line and exits
    1, instead of a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return super().get_command(ctx, cmd_name)
        # Listing the commands for the help needs only this; running one loads it.
        return _Listed(cmd_name, help=lazy.help)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Listed) and name is not None:
            command = COMMANDS[name].load(name)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LeadflowError as exc:
            # The message quotes input (a name, a value): printed as typed, never as markup.
            from leadflow.cli.output import error_console

            error_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from exc


app = typer.Typer(
    name="leadflow",
    cls=LeadflowGroup,
    help="Lead qualification: score leads, hand the qualified ones to sales, measure outcomes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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
