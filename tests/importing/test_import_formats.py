"""Every format reads the same: CSV, TSV, JSON Lines, gzip and Parquet store the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadflow.errors import InvalidInputError
from leadflow.importing.readers import open_source

EVENTS = [
    {
        "event_id": "e1",
        "email": "ann@acme.com",
        "type": "page_view",
        "occurred_at": "2024-01-05T10:00:00Z",
        "page": "/pricing",
        "seconds": 30,
        "paid": True,
    },
    {
        "event_id": "e2",
        "email": "bob@gmail.com",
        "type": "email_click",
        "occurred_at": "2024-01-05T11:30:00+01:00",
        "page": "/blog",
        "seconds": 2.5,
        "paid": False,
    },
    {
        "event_id": "e3",
        "anonymous_id": "anon-1",
        "type": "page_view",
        "occurred_at": "2024-01-06",
        "page": None,
        "seconds": None,
        "paid": None,
    },
]
COLUMNS = ["event_id", "email", "anonymous_id", "type", "occurred_at", "page", "seconds", "paid"]


def stored(rows_of) -> tuple[list, list, list]:
    leads = {lead["id"]: lead["email"] for lead in rows_of("leads")}
    activities = [
        (
            a["event_id"],
            leads.get(a["lead_id"]),
            a["anonymous_id"],
            a["type"],
            a["occurred_at"],
            a["properties"],
        )
        for a in rows_of("activities")
    ]
    types = sorted((d["entity"], d["name"], d["type"]) for d in rows_of("attribute_definitions"))
    return activities, sorted(leads.values()), types


@pytest.mark.parametrize(
    "name", ["events.csv", "events.csv.gz", "events.jsonl", "events.jsonl.gz", "events.parquet"]
)
def test_each_format_stores_the_same_activities(write, run, rows_of, name) -> None:
    summary = run("activities", write(name, EVENTS, COLUMNS))
    assert (summary.rows, summary.created, summary.leads_created) == (3, 3, 2)
    activities, leads, types = stored(rows_of)
    assert leads == ["ann@acme.com", "bob@gmail.com"]
    assert activities == [
        (
            "e1",
            "ann@acme.com",
            None,
            "page_view",
            datetime(2024, 1, 5, 10, tzinfo=UTC),
            {"page": "/pricing", "seconds": 30, "paid": True},
        ),
        (
            "e2",
            "bob@gmail.com",
            None,
            "email_click",
            datetime(2024, 1, 5, 10, 30, tzinfo=UTC),
            {"page": "/blog", "seconds": 2.5, "paid": False},
        ),
        ("e3", None, "anon-1", "page_view", datetime(2024, 1, 6, tzinfo=UTC), {}),
    ]
    assert types == [
        ("activity", "page", "text"),
        ("activity", "paid", "boolean"),
        ("activity", "seconds", "number"),
    ]


def test_parquet_timestamps_and_row_numbers(tmp_path: Path, run, rows_of) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "email": ["a@acme.com", "nope"],
            "type": ["call", "call"],
            "occurred_at": pa.array(
                [datetime(2024, 1, 1, 12), datetime(2024, 1, 2, 12)], pa.timestamp("us")
            ),
        }
    )
    path = tmp_path / "calls.parquet"
    pq.write_table(table, path)
    summary = run("activities", path, skip_invalid=True, time_zone="Europe/Paris")
    assert (summary.created, summary.rejected) == (1, 1)
    assert rows_of("activities")[0]["occurred_at"] == datetime(2024, 1, 1, 11, tzinfo=UTC)
    assert (tmp_path / "calls.rejects.csv").read_text().splitlines()[1].startswith("2,")


def test_semicolon_csv_with_excel_bom_and_blank_lines(tmp_path: Path, run, rows_of) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("\ufeffEmail;Vorname\r\n\r\nanna@firma.de;Anna\r\n".encode())
    run("leads", path)
    lead = rows_of("leads")[0]
    assert (lead["email"], lead["attributes"]) == ("anna@firma.de", {"vorname": "Anna"})


def test_tsv_files_split_on_tabs(tmp_path: Path, run, rows_of) -> None:
    path = tmp_path / "leads.tsv"
    path.write_text("email\tcompany\na@acme.com\tAcme, Inc.\n")
    run("leads", path)
    assert rows_of("leads")[0]["company"] == "Acme, Inc."


def test_rows_with_the_wrong_number_of_values_are_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text('email,company\na@acme.com,Acme\nb@acme.com,"Acme\nInc",extra\n')
    with open_source(path) as source:
        rows = list(source.rows)
    assert [(row.number, row.problem) for row in rows] == [
        (2, None),
        (3, "has 3 values but the header names 2 columns"),
    ]
    assert rows[1].values == {"_raw": 'b@acme.com,"Acme\nInc",extra'}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leads.xlsx", b"PK", r"leads\.xlsx: unknown file type; use one of .csv"),
        ("leads.parquet.gz", b"", "unknown file type"),
        ("leads.csv", b"", r"leads\.csv: empty file"),
        ("leads.csv", b"email\n\xe9t\xe9@acme.com\n", "not UTF-8 text"),
        ("leads.parquet", b"not parquet at all", "not a readable Parquet file"),
        ("leads.csv.gz", b"not gzip", "cannot read it"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, run, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=message):
        run("leads", path)


def test_a_missing_file_is_named(tmp_path: Path, run) -> None:
    with pytest.raises(InvalidInputError, match=r"nowhere\.csv: no such file"):
        run("leads", tmp_path / "nowhere.csv")
