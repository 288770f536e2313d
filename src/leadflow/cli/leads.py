"""`leadflow leads`: list and show leads."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from leadflow.analytics.csv_export import write_csv
from leadflow.cli import lifecycle
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for
from leadflow.cli.output import print_record, print_rows
from leadflow.cli.report_output import ReportFormat
from leadflow.errors import InvalidInputError
from leadflow.leads import service
from leadflow.storage.database import session_factory

app = typer.Typer(help="Look at leads and move them through the lifecycle.", no_args_is_help=True)

ListFormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="table, json, or csv for spreadsheets.")
]
# What a person scans in a list; --format json gives every summary field.
LIST_TABLE_COLUMNS = ("id", "email", "name", "title", "company", "source", "stage", "owner_id")


def _parse_filters(where: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for item in where:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise InvalidInputError(f"--where {item!r}: expected FIELD=VALUE, e.g. stage=mql")
        filters[field.strip()] = value.strip()
    return filters


@app.command("list")
def list_command(
    where: Annotated[
        list[str] | None,
        typer.Option("--where", "-w", help="FIELD=VALUE filter; repeat to combine."),
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Text in e-mail, company or last name.")
    ] = None,
    sort: Annotated[str, typer.Option(help=f"One of: {', '.join(service.SORTABLE)}.")] = "id",
    desc: Annotated[bool, typer.Option("--desc", help="Sort descending.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many leads.")] = 50,
    fmt: ListFormatOption = ReportFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List leads (csv: every summary field, formulas neutralised for spreadsheets).

    Example: leadflow leads list --where stage=mql --where source=webinar --sort created_at --desc
    """
    query = service.LeadQuery(
        filters=_parse_filters(where or []), search=search, sort=sort, descending=desc, limit=limit
    )
    with session_factory(engine_for(db))() as session:
        leads = service.list_leads(session=session, query=query)
        rows = [service.lead_summary(lead) for lead in leads]
    if fmt is ReportFormat.CSV:
        write_csv(sys.stdout, list(rows[0]) if rows else [], rows)
        return
    print_rows(rows, OutputFormat(fmt.value), title="Leads", table_columns=LIST_TABLE_COLUMNS)


@app.command("show")
def show_command(
    id_or_email: Annotated[str, typer.Argument(help="Lead id or e-mail address.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Show one lead: profile, account, attributes, and its score with the reasons.

    Example: leadflow leads show jane.doe@acme.com --format json
    """
    with session_factory(engine_for(db))() as session:
        lead = service.resolve(session=session, id_or_email=id_or_email)
        profile = service.lead_profile(session=session, lead=lead)
    if fmt is OutputFormat.JSON:
        print_record(profile, fmt)
        return
    explanation = profile.pop("explanation")
    prediction = profile.pop("prediction")
    print_record(profile, fmt, title=f"Lead {lead.id}")
    if explanation:
        print_rows(explanation, fmt, title="Why this score (largest first)")
    if prediction:
        title = (
            f"Conversion probability {prediction['conversion_probability']:.1%} "
            f"(band {prediction['band']}, trained model {prediction['model_version']})"
        )
        factors = [{"pushes": "up", **f} for f in prediction["top_positive"]]
        factors += [{"pushes": "down", **f} for f in prediction["top_negative"]]
        print_rows(factors, fmt, title=title)


app.command("handoff")(lifecycle.handoff_command)
app.command("accept")(lifecycle.accept_command)
app.command("reject")(lifecycle.reject_command)
app.command("qualify")(lifecycle.qualify_command)
app.command("disqualify")(lifecycle.disqualify_command)
app.command("opportunity")(lifecycle.opportunity_command)
app.command("won")(lifecycle.won_command)
app.command("lost")(lifecycle.lost_command)
app.command("advance")(lifecycle.advance_command)
app.command("brief")(lifecycle.brief_command)
app.command("history")(lifecycle.history_command)
