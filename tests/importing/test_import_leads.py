"""Lead imports: identity, re-import, duplicates in a file, attributes, accounts by domain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadflow.errors import InvalidInputError
from leadflow.importing.report import ImportFailed


def by_email(rows: list[dict]) -> dict[str, dict]:
    return {row["email"]: row for row in rows}


def test_known_fields_by_name_and_the_rest_as_typed_attributes(write, run, rows_of) -> None:
    path = write(
        "leads.csv",
        [
            {
                " E-Mail ": " Jane.Doe@ACME.com ",
                "First Name": "Jane",
                "Company": "Acme",
                "Budget": "1200",
                "Is Customer": "yes",
                "Signed Up": "2024-01-05",
                "Zip": "02134",
                "Notes": "met at booth",
            }
        ],
    )
    summary = run("leads", path, mappings={" E-Mail ": "email"})
    assert (summary.rows, summary.created) == (1, 1)
    lead = rows_of("leads")[0]
    assert lead["email"] == "jane.doe@acme.com"
    assert (lead["first_name"], lead["company"], lead["stage"]) == ("Jane", "Acme", "lead")
    assert lead["attributes"] == {
        "budget": 1200,
        "is_customer": True,
        "signed_up": "2024-01-05T00:00:00Z",
        "zip": "02134",
        "notes": "met at booth",
    }
    types = {row["name"]: row["type"] for row in rows_of("attribute_definitions")}
    assert types == {
        "budget": "number",
        "is_customer": "boolean",
        "signed_up": "datetime",
        "zip": "text",
        "notes": "text",
    }


def test_reimport_updates_merges_and_never_erases_with_blanks(write, run, rows_of) -> None:
    first = write(
        "a.csv",
        [
            {"email": "ann@acme.com", "title": "CTO", "country": "DE", "plan": "pro"},
            {"email": "bob@beta.io", "title": "Dev", "country": "FR", "plan": "free"},
        ],
    )
    run("leads", first)
    second = write(
        "b.csv",
        [
            {"email": "ANN@acme.com", "title": "CEO", "country": "", "plan": "", "seats": "5"},
            {"email": "bob@beta.io", "title": "Dev", "country": "", "plan": "", "seats": ""},
        ],
    )
    summary = run("leads", second)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    leads = by_email(rows_of("leads"))
    assert len(leads) == 2
    ann = leads["ann@acme.com"]
    assert (ann["title"], ann["country"]) == ("CEO", "DE")
    assert ann["attributes"] == {"plan": "pro", "seats": 5}
    assert leads["bob@beta.io"]["attributes"] == {"plan": "free"}
    assert run("leads", second).updated == 0  # the same file again changes nothing


@pytest.mark.parametrize("chunk_rows", [1, 2, 100])
def test_duplicate_rows_in_one_file_update_the_earlier(write, run, rows_of, chunk_rows) -> None:
    path = write(
        "dupes.csv",
        [
            {"email": "ann@acme.com", "external_id": "", "title": "CTO", "city": ""},
            {"email": "bob@beta.io", "external_id": "", "title": "", "city": ""},
            {"email": "Ann@Acme.com", "external_id": "crm-1", "title": "", "city": "Berlin"},
            {"email": "", "external_id": "crm-1", "title": "CEO", "city": ""},
        ],
    )
    summary = run("leads", path, chunk_rows=chunk_rows)
    assert (summary.rows, summary.created, summary.updated) == (4, 2, 2)
    leads = by_email(rows_of("leads"))
    assert len(leads) == 2
    ann = leads["ann@acme.com"]
    assert (ann["external_id"], ann["title"], ann["city"]) == ("crm-1", "CEO", "Berlin")


def test_matched_by_external_id_the_email_can_change(write, run, rows_of) -> None:
    run("leads", write("a.csv", [{"email": "ann@old.com", "external_id": "7"}]))
    run("leads", write("b.csv", [{"email": "ann@new.com", "external_id": "7"}]))
    (lead,) = rows_of("leads")
    assert (lead["email"], lead["email_domain"]) == ("ann@new.com", "new.com")
    accounts = {a["id"]: a["domain"] for a in rows_of("accounts")}
    assert accounts[lead["account_id"]] == "new.com"


def test_email_and_external_id_of_two_different_leads_is_a_bad_row(write, run, rows_of) -> None:
    run("leads", write("a.csv", [{"email": "a@x.com", "external_id": "1"}, {"email": "b@x.com"}]))
    path = write("b.csv", [{"email": "b@x.com", "external_id": "1"}])
    with pytest.raises(ImportFailed, match=r"b\.csv line 2, column external_id: value '1'"):
        run("leads", path)
    assert rows_of("leads")[1]["external_id"] is None


def test_free_mail_and_disposable_domains_make_no_account(write, run, rows_of) -> None:
    path = write(
        "leads.csv",
        [
            {"email": "ann@acme.com", "company": "Acme Corp"},
            {"email": "cy@acme.com", "company": "ACME"},
            {"email": "bob@gmail.com", "company": "Freelance"},
            {"email": "x@mailinator.com", "company": "Spam"},
            {"email": "dee@yahoo.co.uk", "company": "Home"},
        ],
    )
    summary = run("leads", path)
    assert summary.accounts_created == 1
    (account,) = rows_of("accounts")
    assert (account["domain"], account["name"]) == ("acme.com", "Acme Corp")
    leads = by_email(rows_of("leads"))
    assert leads["ann@acme.com"]["account_id"] == account["id"]
    assert leads["cy@acme.com"]["account_id"] == account["id"]
    for email in ("bob@gmail.com", "x@mailinator.com", "dee@yahoo.co.uk"):
        assert leads[email]["account_id"] is None
    assert leads["bob@gmail.com"]["is_free_email"] is True
    assert leads["x@mailinator.com"]["is_disposable_email"] is True
    assert leads["ann@acme.com"]["is_free_email"] is False


def test_extra_free_mail_domains_from_settings(write, run, rows_of) -> None:
    path = write("leads.csv", [{"email": "a@family-mail.net"}])
    run("leads", path, extra_free_mail_domains=("family-mail.net",))
    assert rows_of("accounts") == []
    assert rows_of("leads")[0]["is_free_email"] is True


def test_lead_without_email_or_external_id_is_refused(write, run, table_counts) -> None:
    path = write("leads.csv", [{"email": "", "external_id": "", "first_name": "Nobody"}])
    with pytest.raises(ImportFailed, match="line 2: a lead needs an email or an external_id"):
        run("leads", path)
    assert sum(table_counts().values()) == 0


def test_recorded_attribute_types_hold_for_later_imports(write, run, rows_of) -> None:
    run("leads", write("a.csv", [{"email": "a@x.com", "budget": "100"}]))
    bad = write("b.csv", [{"email": "b@x.com", "budget": "lots"}])
    with pytest.raises(
        ImportFailed,
        match=r"b\.csv line 2, column budget: value 'lots': expected a number; 'budget' was "
        r"recorded as number",
    ):
        run("leads", bad)
    with pytest.raises(InvalidInputError, match="recorded as number"):
        run("leads", bad, types={"budget": "text"})
    run("leads", write("c.csv", [{"email": "c@x.com", "budget": "2.5"}]))
    assert [lead["attributes"]["budget"] for lead in rows_of("leads")] == [100, 2.5]


def test_type_flag_overrides_inference(write, run, rows_of) -> None:
    path = write("leads.csv", [{"email": "a@x.com", "zip": "12345", "vip": "1"}])
    run("leads", path, types={"zip": "text", "vip": "boolean"})
    assert rows_of("leads")[0]["attributes"] == {"zip": "12345", "vip": True}


def test_inferred_type_is_fixed_by_the_first_chunk(write, run, rows_of) -> None:
    rows = [{"email": f"p{i}@x.com", "employees": str(i)} for i in range(3)]
    rows.append({"email": "late@x.com", "employees": "n/a"})
    with pytest.raises(ImportFailed, match="inferred as number from the first rows"):
        run("leads", write("a.csv", rows), chunk_rows=3)
    run("leads", write("b.csv", rows), chunk_rows=10)  # n/a in the first chunk: text
    assert rows_of("attribute_definitions")[0]["type"] == "text"


def test_created_at_naive_times_are_in_the_configured_zone(write, run, rows_of) -> None:
    path = write("leads.csv", [{"email": "a@x.com", "created_at": "2024-03-01 09:30"}])
    run("leads", path, time_zone="Europe/Berlin")
    lead = rows_of("leads")[0]
    assert lead["created_at"] == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert lead["stage_changed_at"] == lead["created_at"]


@pytest.mark.parametrize("column", ["stage", "Owner", "score", "account_id", "id"])
def test_reserved_columns_are_refused_unless_ignored(write, run, rows_of, column) -> None:
    path = write("leads.csv", [{"email": "a@x.com", column: "mql"}])
    with pytest.raises(InvalidInputError, match=f"column '{column}' cannot be imported"):
        run("leads", path)
    run("leads", path, ignore=[column])
    assert rows_of("leads")[0]["stage"] == "lead"
    assert rows_of("leads")[0]["attributes"] == {}


def test_mapped_column_feeds_the_known_field(write, run, rows_of) -> None:
    path = write("leads.csv", [{"Work Email": "a@x.com", "Org": "X Inc"}])
    run("leads", path, mappings={"work email": "email", "Org": "company"})
    lead = rows_of("leads")[0]
    assert (lead["email"], lead["company"], lead["attributes"]) == ("a@x.com", "X Inc", {})


def test_text_longer_than_its_column_is_a_bad_row(write, run) -> None:
    path = write("leads.csv", [{"email": "a@x.com", "country": "x" * 101}])
    with pytest.raises(ImportFailed, match=r"column country: .*longer than 100 characters"):
        run("leads", path)
