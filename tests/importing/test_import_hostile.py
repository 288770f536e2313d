"""Hostile files: every one is refused with an error naming the place, never a traceback."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from leadflow.errors import InvalidInputError, LeadflowError
from leadflow.importing.readers import FIELD_LIMIT
from leadflow.importing.report import ImportFailed
from leadflow.importing.service import ImportOptions, import_file

HEADER = b"email,type,occurred_at,page\n"
GOOD = b"a@acme.com,page_view,2024-01-05T10:00:00Z,/\n"


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    return path


def _refused(run, path: Path, pattern: str, table_counts, kind: str = "activities") -> str:
    before = table_counts()
    with pytest.raises(InvalidInputError) as caught:
        run(kind, path)
    message = str(caught.value)
    assert re.search(pattern, message), message
    assert table_counts() == before
    return message


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("9999-12-31T23:00:00-05:00", "UTC"),
        ("0001-01-01T00:30:00+05:00", "UTC"),
        ("9999-12-31T23:30:00", "America/New_York"),
    ],
)
def test_a_time_outside_the_calendar_in_utc_is_a_bad_row(
    tmp_path, run, table_counts, value, zone
) -> None:
    path = _file(tmp_path, "events.csv", HEADER + GOOD + f"b@acme.com,x,{value},/\n".encode())
    before = table_counts()
    with pytest.raises(ImportFailed) as caught:
        run("activities", path, time_zone=zone)
    message = str(caught.value)
    assert f"events.csv line 3, column occurred_at: value '{value}': " in message
    assert "falls outside the calendar in UTC (years 1 to 9999)" in message
    assert table_counts() == before


def test_a_datetime_attribute_outside_the_calendar_is_a_bad_row(
    tmp_path, run, table_counts
) -> None:
    content = b"email,renewal\na@acme.com,2024-01-01\nb@acme.com,9999-12-31T23:00:00-01:00\n"
    path = _file(tmp_path, "leads.csv", content)
    before = table_counts()
    with pytest.raises(ImportFailed, match=r"leads\.csv line 3, column renewal: .*outside the"):
        run("leads", path, types={"renewal": "datetime"})
    assert table_counts() == before


def test_a_value_over_the_csv_modules_limit_is_read(tmp_path, run) -> None:
    long_page = "/" + "p" * 200_000
    path = _file(tmp_path, "events.csv", HEADER + GOOD.replace(b",/\n", f",{long_page}\n".encode()))
    assert run("activities", path).created == 1


def test_a_value_over_the_field_limit_names_its_line(tmp_path, run, table_counts) -> None:
    huge = b"x" * (FIELD_LIMIT + 1)
    path = _file(
        tmp_path, "events.csv", HEADER + GOOD + b'b@acme.com,x,2024-01-05,"' + huge + b'"\n'
    )
    _refused(
        run, path, rf"events\.csv line 3: a value is longer than {FIELD_LIMIT:,}", table_counts
    )


def test_deeply_nested_json_is_a_bad_row(tmp_path, run, table_counts) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    line = f'{{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05", "deep": {nested}}}'
    path = _file(tmp_path, "events.jsonl", (line + "\n").encode())
    _refused(run, path, r"events\.jsonl line 1: nested too deeply", table_counts)


def test_two_columns_of_one_name_stop_the_import(tmp_path, run, table_counts) -> None:
    path = _file(
        tmp_path, "events.csv", b"email,type,occurred_at,page,page\n" + GOOD[:-1] + b",/x\n"
    )
    _refused(run, path, r"events\.csv: two columns are named 'page'", table_counts)


def test_two_columns_of_one_name_may_both_be_ignored(tmp_path, run) -> None:
    path = _file(
        tmp_path, "events.csv", b"email,type,occurred_at,page,page\n" + GOOD[:-1] + b",/x\n"
    )
    assert run("activities", path, ignore=["page"]).created == 1


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("events.csv", HEADER + GOOD + b"b@acme.com,page\x00view,2024-01-05,/\n", "column type"),
        ("events.csv", HEADER + GOOD + b"b@acme.com,x,2024-01-05,/\x00\n", "column page"),
        (
            "events.jsonl",
            b'{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05", "p": "\\u0000"}\n',
            "column p",
        ),
    ],
)
def test_nul_characters_are_refused(tmp_path, run, table_counts, name, content, pattern) -> None:
    path = _file(tmp_path, name, content)
    _refused(run, path, rf"{pattern}: value .*NUL character", table_counts)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_json_lines_is_refused(tmp_path, run, table_counts, constant) -> None:
    line = (
        f'{{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05", "score": {constant}}}'
    )
    path = _file(tmp_path, "events.jsonl", (line + "\n").encode())
    _refused(run, path, rf"events\.jsonl line 1: {constant} is not a JSON number", table_counts)


def test_a_repeated_json_key_is_refused(tmp_path, run, table_counts) -> None:
    line = (
        b'{"email": "a@acme.com", "email": "b@acme.com", "type": "x", "occurred_at": "2024-01-05"}'
    )
    path = _file(tmp_path, "events.jsonl", line + b"\n")
    _refused(run, path, r"line 1: key 'email' appears twice", table_counts)


def test_a_byte_order_mark_starts_a_file_harmlessly(tmp_path, run) -> None:
    assert (
        run("activities", _file(tmp_path, "events.csv", b"\xef\xbb\xbf" + HEADER + GOOD)).created
        == 1
    )
    line = b'{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05"}\n'
    assert run("activities", _file(tmp_path, "events.jsonl", b"\xef\xbb\xbf" + line)).created == 1


def test_a_byte_order_mark_inside_json_lines_is_a_bad_row(tmp_path, run, table_counts) -> None:
    line = b'{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05"}\n'
    path = _file(tmp_path, "events.jsonl", line + b"\xef\xbb\xbf" + line)
    _refused(run, path, r"events\.jsonl line 2: not valid JSON", table_counts)


@pytest.mark.parametrize("name", ["events.csv", "events.csv.gz"])
def test_mixed_encodings_name_the_line(tmp_path, run, table_counts, name) -> None:
    latin1 = "b@acme.com,page_view,2024-01-05,/caf\u00e9\n".encode("latin-1")
    path = _file(tmp_path, name, HEADER + GOOD + latin1)
    _refused(run, path, r"events\.csv(\.gz)? line 3: not UTF-8 text \(byte 0xe9\)", table_counts)


def test_mixed_encodings_in_json_lines_name_the_line(tmp_path, run, table_counts) -> None:
    line = '{"email": "a@acme.com", "type": "x", "occurred_at": "2024-01-05", "p": "\u00e9"}\n'
    path = _file(tmp_path, "events.jsonl", line.encode() + line.encode("latin-1"))
    _refused(run, path, r"events\.jsonl line 2: not UTF-8 text", table_counts)


def test_an_unterminated_quote_is_a_bad_row(tmp_path, run, table_counts) -> None:
    path = _file(tmp_path, "events.csv", HEADER + GOOD + b'"b@acme.com,x,2024-01-05,/\n' + GOOD)
    _refused(run, path, r"events\.csv line 3: has 1 values but the header names 4", table_counts)


# Hostile files built from pieces a CSV can trip on.
PIECES = [
    b",",
    b'"',
    b'""',
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xe9",
    b"\xff",
    b" ",
    b";",
    b"\t",
    b"a@acme.com",
    b"page_view",
    b"2024-01-05",
    b"9999-12-31T23:00-05:00",
    b"=cmd|' /C calc'!A0",
    b"NaN",
    b"1e999",
    b"-0",
    b"\\",
    b"{",
    b"[[[[",
    b"\xc3",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join),
    name=st.sampled_from(["f.csv", "f.tsv", "f.jsonl", "f.csv.gz"]),
    header=st.sampled_from([HEADER, b"", b"email;type;occurred_at\n", b"\xef\xbb\xbf" + HEADER]),
    skip_invalid=st.booleans(),
)
def test_any_bytes_give_an_import_or_an_error_naming_the_file(
    tmp_path_factory, engine: Engine, body: bytes, name: str, header: bytes, skip_invalid: bool
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    content = (b"" if name.endswith("jsonl") else header) + body
    path = _file(folder, name, content)
    options = ImportOptions(skip_invalid=skip_invalid)
    for kind in ("activities", "leads"):
        try:
            import_file(engine=engine, kind=kind, path=path, options=options)
        except LeadflowError as exc:
            assert name.removesuffix(".gz") in str(exc) or "--reject-file" in str(exc), exc


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(st.text(max_size=6), min_size=0, max_size=6), min_size=0, max_size=8),
    header=st.lists(st.text(max_size=8), min_size=1, max_size=6),
)
def test_any_csv_shape_gives_an_import_or_an_error_naming_the_file(
    tmp_path_factory, engine: Engine, rows: list[list[str]], header: list[str]
) -> None:
    import csv

    folder = tmp_path_factory.mktemp("shapes")
    path = folder / "shape.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    try:
        import_file(engine=engine, kind="activities", path=path)
    except LeadflowError as exc:
        assert "shape.csv" in str(exc), exc
