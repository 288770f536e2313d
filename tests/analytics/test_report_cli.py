"""`leadflow report` and `leadflow import spend` through the real command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.storage.database import create_store_engine
from leadflow.storage.registry import metadata

from .conftest import build_world

runner = CliRunner()


def _world(sqlite_url: str) -> str:
    engine = create_store_engine(sqlite_url)
    build_world(engine)
    # A hostile campaign name: it must reach the chart as text, never as markup.
    with engine.begin() as connection:
        leads = metadata.tables["leads"]
        connection.execute(
            update(leads).where(leads.c.id == 3).values(campaign="<script>alert(1)</script>")
        )
    engine.dispose()
    return sqlite_url


def test_formats(sqlite_url: str) -> None:
    db = _world(sqlite_url)
    as_json = runner.invoke(app, ["report", "funnel", "--db", db, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [r["count"] for r in json.loads(as_json.stdout)["rows"]] == [4, 2, 2, 1, 1]
    as_csv = runner.invoke(app, ["report", "sources", "--db", db, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["source"], r["leads"], r["spend"]) for r in rows] == [
        ("ads", "2", "310.0"),
        ("web", "2", ""),
    ]
    table = runner.invoke(app, ["report", "sla", "--db", db, "--by", "team"])
    assert table.exit_code == 0 and "50.0%" in table.stdout


def test_a_table_wider_than_the_terminal_keeps_every_value_whole(sqlite_url: str) -> None:
    db = _world(sqlite_url)
    narrow = runner.invoke(app, ["report", "sources", "--db", db], env={"COLUMNS": "40"})
    assert narrow.exit_code == 0, narrow.output
    # 16 columns cannot fit in 40: the table keeps its width rather than cutting values.
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) > 40
    assert any("cost_per_customer" in line for line in lines)
    assert any("310" in line and "ads" in line for line in lines)


def test_png_and_escaped_html(sqlite_url: str, tmp_path: Path) -> None:
    db = _world(sqlite_url)
    png = tmp_path / "funnel.png"
    result = runner.invoke(app, ["report", "funnel", "--db", db, "--chart", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    html = tmp_path / "sources.html"
    args = ["report", "sources", "--by", "campaign", "--db", db, "--chart", str(html)]
    assert runner.invoke(app, args).exit_code == 0
    page = html.read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # in the table, escaped
    assert "\\u003cscript\\u003ealert(1)" in page  # in the JSON data, escaped
    assert "Chart.js v4.4.7" in page


def test_bad_options_name_the_option(sqlite_url: str) -> None:
    db = _world(sqlite_url)
    window = runner.invoke(app, ["report", "funnel", "--db", db, "--window", "soon"])
    assert window.exit_code == 1 and "--window" in window.output
    chart = runner.invoke(app, ["report", "sla", "--db", db, "--chart", "x.png"])
    assert chart.exit_code == 1 and "no chart" in chart.output


def test_import_spend_is_idempotent_and_names_bad_rows(sqlite_url: str, tmp_path: Path) -> None:
    spend = tmp_path / "spend.csv"
    spend.write_text("source,campaign,month,amount\nads,c1,2026-01,310\nads,c2,2026-02,50.5\n")
    first = runner.invoke(app, ["import", "spend", str(spend), "--db", sqlite_url, "-f", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 2
    spend.write_text("source,campaign,month,amount\nads,c1,2026-01,320\nads,c2,2026-02,50.5\n")
    again = runner.invoke(app, ["import", "spend", str(spend), "--db", sqlite_url, "-f", "json"])
    counts = json.loads(again.stdout)
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 1, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,campaign,month,amount\nads,c3,2026-13,10\n")
    failed = runner.invoke(app, ["import", "spend", str(bad), "--db", sqlite_url])
    assert failed.exit_code == 1
    assert "row 2" in failed.output.lower() or "line 2" in failed.output.lower()
    assert "month" in failed.output
