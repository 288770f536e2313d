"""Batch scores written as Parquet files, for a lake, instead of into the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir

from leadflow.scoring.batch import SCORE_COLUMNS, rule_columns, score_table
from leadflow.scoring.batch_inputs import BatchInputs
from leadflow.scoring.language import Schema
from leadflow.scoring.model import ScoringModel

_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class ExportCounts:
    """How many leads were scored, and how many of them are MQLs or disqualified."""

    leads: int
    mqls: int
    disqualified: int


def export_table(
    model: ScoringModel, schema: Schema, inputs: BatchInputs, *, as_of: datetime
) -> ir.Table:
    """The scores as written: SCORE_COLUMNS, the version, as_of, `points_<rule>` per rule."""
    table = score_table(model, schema, inputs, as_of=as_of)
    points = {f"points_{rule}": table[column] for rule, column in rule_columns(model).items()}
    return table.select(
        *SCORE_COLUMNS,
        model_version=ibis.literal(model.version),
        as_of=ibis.literal(as_of).cast("timestamp('UTC')"),
        **points,
    )


def write_scores(
    model: ScoringModel, schema: Schema, inputs: BatchInputs, *, as_of: datetime, output: str
) -> ExportCounts:
    """Write every lead's score to Parquet in folder `output`; Spark writes its part files
    there (any URI its cluster can write), other engines one `scores.parquet`."""
    table = export_table(model, schema, inputs, as_of=as_of)
    backend = table._find_backend()
    if inputs.backend == "pyspark":
        backend.to_parquet(table, output, mode="overwrite")
        written = backend.read_parquet(output)
    else:
        if _URI.match(output):
            raise ValueError(f"--output {output}: only --engine spark writes to a URI")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / "scores.parquet"
        backend.to_parquet(table, file)
        written = backend.read_parquet(file)
    counts = written.aggregate(
        leads=written.count(),
        mqls=written.is_mql.sum(),
        disqualified=written.disqualified_by.notnull().sum(),
    ).to_pyarrow()
    row = counts.to_pylist()[0]
    return ExportCounts(int(row["leads"]), int(row["mqls"] or 0), int(row["disqualified"] or 0))
