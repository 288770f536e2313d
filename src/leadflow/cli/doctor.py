"""`leadflow doctor`: check that the store is consistent, e.g. after a crash."""

from __future__ import annotations

from typing import Annotated

import typer

from leadflow.cli.options import DbOption, FormatOption, OutputFormat, settings_for
from leadflow.cli.output import console, print_record
from leadflow.consistency.service import check_store
from leadflow.storage.database import open_store


def doctor_command(
    quick: Annotated[
        bool, typer.Option("--quick", help="Skip rescoring every stored score in batch.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Check the store: scores equal a batch rescore, stage histories are legal walks, no
    orphan rows, no event stored twice, outbox rows delivered, pending or dead. Exits 1 on
    any problem.

    Example: leadflow doctor --db postgresql://leadflow@db/leadflow --format json
    """
    settings = settings_for(db)
    report = check_store(
        engine=open_store(settings.database_url), settings=settings, scores=not quick
    )
    record = {
        "consistent": report.consistent,
        "checked": report.counts,
        "problems": report.problem_counts,
    }
    if fmt is OutputFormat.JSON:
        record["details"] = [{"check": p.check, "detail": p.detail} for p in report.problems]
        print_record(record, fmt)
    else:
        print_record(record, fmt, title="Store consistency")
        for problem in report.problems:
            console.print(f"[red]{problem.check}[/red]: {problem.detail}", highlight=False)
    if not report.consistent:
        raise typer.Exit(1)
