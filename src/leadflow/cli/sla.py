"""`leadflow sla`: run the sweeper that escalates missed deadlines, and see the clocks."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Annotated

import typer

from leadflow.cli.options import DbOption, FormatOption, OutputFormat, settings_for
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.sla import service
from leadflow.sla.models import TimerStatus
from leadflow.sla.sweeper import default_worker_id, run_forever, run_once
from leadflow.storage.base import utcnow
from leadflow.storage.database import open_store, session_factory

app = typer.Typer(help="SLA clocks: deadlines per stage, breaches and escalation.")


@app.command("run")
def run_command(
    once: Annotated[bool, typer.Option("--once", help="Sweep once and exit.")] = False,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between sweeps (default: [sla] interval).")
    ] = None,
    worker_id: Annotated[
        str | None, typer.Option(help="Name in claimed_by (default host:pid).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Mark breached deadlines and escalate them; run as many as you like on PostgreSQL.

    Example: leadflow sla run --interval 30 --db postgresql://leadflow@db/leadflow
    """
    if interval is not None and interval <= 0:
        raise InvalidInputError(f"--interval: must be above 0, got {interval}")
    settings = settings_for(db)
    engine = open_store(settings.database_url)
    worker = worker_id or default_worker_id()
    if once:
        summary = run_once(engine=engine, worker_id=worker, settings=settings)
        console.print(
            f"{worker}: {summary.claimed} due timers handled, {summary.breached} breached "
            f"({', '.join(f'{k} {v}' for k, v in sorted(summary.outcomes.items())) or 'none'})",
            highlight=False,
        )
        return
    console.print(f"{worker}: sweeping every {interval or settings.sla.interval_seconds} s")
    try:
        run_forever(
            engine=engine,
            stop=threading.Event(),
            settings=settings,
            interval=interval,
            worker_id=worker,
        )
    except KeyboardInterrupt:
        console.print("stopped")


@app.command("status")
def status_command(
    due_within: Annotated[float, typer.Option(help="Hours ahead that count as due soon.")] = 4.0,
    status: Annotated[TimerStatus, typer.Option(help="Which timers to list.")] = TimerStatus.OPEN,
    limit: Annotated[int, typer.Option(help="At most this many timers.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Open timers, those due soon, and breaches; then the timers themselves.

    Example: leadflow sla status --due-within 2 --status breached --format json
    """
    settings = settings_for(db)
    now = utcnow()
    with session_factory(open_store(settings.database_url))() as session:
        counts = service.status_counts(
            session=session, now=now, due_within=timedelta(hours=due_within)
        )
        rows = service.timer_rows(session=session, now=now, status=status, limit=limit)
    if fmt is OutputFormat.JSON:
        print_record({"counts": counts, "timers": rows}, fmt)
        return
    print_record(counts, fmt, title="SLA clocks")
    print_rows(
        rows,
        fmt,
        title=f"{status} timers",
        table_columns=(
            "timer",
            "lead",
            "stage",
            "owner",
            "team",
            "due_at",
            "overdue",
            "escalation",
        ),
    )
