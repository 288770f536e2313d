"""Bad input: every kind of bad row is reported by line and column, and nothing is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from leadflow.errors import InvalidInputError
from leadflow.importing.report import ImportFailed

GOOD_LEAD = {"email": "good@acme.com", "first_name": "Good", "plan": "pro"}
EVENT = {"email": "a@acme.com", "type": "page_view", "occurred_at": "2024-01-05T10:00:00Z"}


@pytest.fixture
def seeded(write, run, table_counts) -> dict[str, int]:
    """A store with a lead, an account, an activity and an attribute type already in it."""
    run("leads", write("seed.csv", [{"email": "seed@acme.com", "budget": "10"}]))
    run("activities", write("seed-events.csv", [EVENT]))
    return table_counts()


BAD_ROWS = [
    pytest.param(
        "leads",
        "leads.csv",
        [GOOD_LEAD, {"email": "not-an-address"}],
        r"leads\.csv line 3, column email: value 'not-an-address': not an e-mail address",
        id="bad-email",
    ),
    pytest.param(
        "leads",
        "leads.csv",
        [GOOD_LEAD, {"email": "x@acme.com", "budget": "ten"}],
        r"line 3, column budget: value 'ten': expected a number; 'budget' was recorded as number",
        id="value-not-matching-recorded-type",
    ),
    pytest.param(
        "leads",
        "leads.csv",
        [GOOD_LEAD, {"email": "seed@acme.com", "external_id": "crm-1"}, {"external_id": "crm-1"}],
        None,
        id="no-bad-row-control",
    ),
    pytest.param(
        "activities",
        "events.csv",
        [EVENT, {**EVENT, "type": ""}],
        r"events\.csv line 3: an activity needs a type",
        id="missing-required-field",
    ),
    pytest.param(
        "activities",
        "events.csv",
        [EVENT, {**EVENT, "occurred_at": "last tuesday"}],
        r"line 3, column occurred_at: value 'last tuesday': expected an ISO 8601 date/time",
        id="unparseable-time",
    ),
    pytest.param(
        "activities",
        "events.csv",
        [EVENT, {**EVENT, "email": ""}],
        r"line 3: an activity needs its lead \(email, lead_external_id or lead_id\)",
        id="activity-without-lead",
    ),
    pytest.param(
        "accounts",
        "accounts.csv",
        [{"domain": "acme.com"}, {"domain": "beta.io", "employees": "12.5"}],
        r"line 3, column employees: value '12.5': expected a whole number",
        id="bad-whole-number",
    ),
    pytest.param(
        "accounts",
        "accounts.csv",
        [{"domain": "acme.com"}, {"domain": "not a domain"}],
        r"line 3, column domain: value 'not a domain': not a domain name",
        id="bad-domain",
    ),
]


@pytest.mark.parametrize(("kind", "name", "rows", "message"), BAD_ROWS)
def test_a_bad_row_fails_the_file_and_writes_nothing(
    seeded, write, run, table_counts, kind, name, rows, message
) -> None:
    path = write(name, rows)
    if message is None:  # the control case imports: the file itself is fine
        run(kind, path)
        assert table_counts() != seeded
        return
    with pytest.raises(ImportFailed, match=message) as failure:
        run(kind, path)
    assert failure.value.bad_rows == 1
    assert "nothing was imported" in str(failure.value)
    assert table_counts() == seeded


def test_conflicting_identities_in_an_activity(seeded, write, run, rows_of, table_counts) -> None:
    run("leads", write("crm.csv", [{"email": "other@beta.io", "external_id": "crm-9"}]))
    before = table_counts()
    event = {**EVENT, "email": "seed@acme.com", "lead_external_id": "crm-9"}
    with pytest.raises(
        ImportFailed,
        match=r"line 2: lead_external_id 'crm-9', email 'seed@acme.com' belong to different",
    ):
        run("activities", write("events.csv", [event]))
    assert table_counts() == before


def test_unknown_lead_id_and_external_id_are_bad_rows(seeded, write, run, table_counts) -> None:
    rows = [
        {**EVENT, "email": "", "lead_id": "99999"},
        {**EVENT, "email": "", "lead_external_id": "nobody"},
        {**EVENT, "email": "", "lead_id": "abc"},
    ]
    with pytest.raises(ImportFailed) as failure:
        run("activities", write("events.csv", rows))
    message = str(failure.value)
    assert "line 2, column lead_id: value '99999': no lead has this id" in message
    assert (
        "line 3, column lead_external_id: value 'nobody': no lead has this external id" in message
    )
    assert "line 4, column lead_id: value 'abc': expected a lead id" in message
    assert table_counts() == seeded


def test_malformed_json_lines_are_bad_rows(seeded, tmp_path: Path, run, table_counts) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"email": "a@acme.com", "type": "page_view", "occurred_at": "2024-01-05T10:00:00Z"}\n'
        "\n"
        '{"email": "b@acme.com", "type": \n'
        '["not", "an", "object"]\n'
    )
    with pytest.raises(ImportFailed) as failure:
        run("activities", path)
    message = str(failure.value)
    assert "events.jsonl line 3: not valid JSON" in message
    assert "events.jsonl line 4: expected a JSON object" in message
    assert table_counts() == seeded


def test_the_error_lists_twenty_rows_then_counts_the_rest(write, run, table_counts) -> None:
    rows = [{"email": f"bad{i}"} for i in range(45)] + [{"email": "fine@acme.com"}]
    with pytest.raises(ImportFailed) as failure:
        run("leads", write("leads.csv", rows), chunk_rows=10)
    lines = str(failure.value).splitlines()
    assert lines[0].startswith("leads.csv: 45 bad rows, nothing was imported")
    assert lines[1] == "  leads.csv line 2, column email: value 'bad0': not an e-mail address"
    assert lines[20].startswith("  leads.csv line 21,")
    assert lines[21] == "  ... and 25 more bad rows"
    assert len(lines) == 22
    assert sum(table_counts().values()) == 0


def test_bad_rows_after_good_chunks_roll_everything_back(write, run, table_counts) -> None:
    rows = [{"email": f"p{i}@corp{i}.com", "score_hint": str(i)} for i in range(30)]
    rows.append({"email": "broken"})
    with pytest.raises(ImportFailed):
        run("leads", write("leads.csv", rows), chunk_rows=5)
    assert sum(table_counts().values()) == 0


def test_missing_required_column(write, run, table_counts) -> None:
    path = write("events.csv", [{"email": "a@acme.com", "type": "page_view", "when": "2024-01-05"}])
    with pytest.raises(InvalidInputError, match=r"events\.csv: no column occurred_at; .*--map"):
        run("activities", path)
    run("activities", path, mappings={"when": "occurred_at"})
    assert table_counts()["activities"] == 1


def test_unknown_map_target_and_missing_map_column(write, run) -> None:
    path = write("leads.csv", [{"email": "a@acme.com", "Mobile": "123"}])
    with pytest.raises(
        InvalidInputError, match=r"--map Mobile=mobile_phone: 'mobile_phone' is not"
    ):
        run("leads", path, mappings={"Mobile": "mobile_phone"})
    with pytest.raises(InvalidInputError, match=r"--map Cell: leads\.csv has no column 'Cell'"):
        run("leads", path, mappings={"Cell": "phone"})
    with pytest.raises(InvalidInputError, match="--type Mobile=integer: unknown type"):
        run("leads", path, types={"Mobile": "integer"})


def test_skip_invalid_writes_good_rows_and_a_reject_file(write, run, rows_of, tmp_path) -> None:
    path = write(
        "leads.csv",
        [
            {"email": "ok1@acme.com", "Budget": "5"},
            {"email": "nope", "Budget": "6"},
            {"email": "ok2@acme.com", "Budget": 'x, "quoted"\nand a new line'},
            {"email": "ok3@acme.com", "Budget": "7"},
            {"email": "", "Budget": "8"},
        ],
    )
    summary = run("leads", path, skip_invalid=True, chunk_rows=2)
    assert (summary.rows, summary.created, summary.rejected) == (5, 2, 3)
    assert sorted(lead["email"] for lead in rows_of("leads")) == ["ok1@acme.com", "ok3@acme.com"]
    reject_path = tmp_path / "leads.rejects.csv"
    assert summary.reject_file == str(reject_path)
    with reject_path.open(newline="") as rejects:
        rejected = list(csv.DictReader(rejects))
    assert [list(row) for row in rejected] == [["_line", "_error", "email", "Budget"]] * 3
    assert [(row["_line"], row["email"], row["Budget"]) for row in rejected] == [
        ("3", "nope", "6"),
        ("4", "ok2@acme.com", 'x, "quoted"\nand a new line'),
        ("7", "", "8"),  # the quoted new line took line 5
    ]
    assert rejected[0]["_error"] == "column email: value 'nope': not an e-mail address"
    assert rejected[1]["_error"].startswith('column Budget: value \'x, "quoted"\\nand a new')
    assert rejected[2]["_error"] == "a lead needs an email or an external_id"


def test_a_fixed_reject_file_imports_as_it_is(write, run, rows_of, tmp_path) -> None:
    path = write("leads.csv", [{"email": "ok@acme.com"}, {"email": "typo@acme"}])
    run("leads", path, skip_invalid=True, reject_file=tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="") as rejects:
        rows = list(csv.DictReader(rejects))
    rows[0]["email"] = "typo@acme.com"
    write("fixed.csv", rows)
    summary = run("leads", tmp_path / "fixed.csv")
    assert (summary.created, summary.rejected) == (1, 0)
    assert rows_of("leads")[1]["attributes"] == {}


def test_skip_invalid_with_a_clean_file_writes_no_reject_file(write, run, tmp_path) -> None:
    summary = run("leads", write("leads.csv", [{"email": "a@acme.com"}]), skip_invalid=True)
    assert summary.reject_file is None
    assert not (tmp_path / "leads.rejects.csv").exists()
