"""Account imports: matched by normalised domain or external id, typed firmographics."""

from __future__ import annotations

import pytest

from leadflow.importing.fields import normalize_domain
from leadflow.importing.report import ImportFailed


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("Acme.com", "acme.com"),
        ("https://www.acme.com/about", "acme.com"),
        ("http://Shop.Acme.co.uk:8080", "shop.acme.co.uk"),
        (" www.beta.io ", "beta.io"),
    ],
)
def test_domains_are_normalised(raw: str, domain: str) -> None:
    assert normalize_domain(raw) == domain


@pytest.mark.parametrize("raw", ["acme", "jane@acme.com", "acme .com", "-acme.com"])
def test_non_domains_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a domain"):
        normalize_domain(raw)


def test_accounts_upsert_by_domain_or_external_id(write, run, rows_of) -> None:
    first = [
        {
            "domain": "https://www.acme.com",
            "name": "Acme",
            "employees": "250",
            "annual_revenue": "1200000",
            "tier": "gold",
        },
        {
            "domain": "",
            "external_id": "sf-2",
            "name": "Beta",
            "employees": "1e3",
            "annual_revenue": "",
            "tier": "",
        },
    ]
    summary = run("accounts", write("a.csv", first))
    assert (summary.created, summary.updated) == (2, 0)
    second = [
        {"domain": "ACME.com", "external_id": "sf-1", "industry": "Software", "employees": ""},
        {"domain": "beta.io", "external_id": "sf-2", "industry": "", "employees": "1200"},
    ]
    summary = run("accounts", write("b.csv", second))
    assert (summary.created, summary.updated) == (0, 2)
    acme, beta = rows_of("accounts")
    assert (acme["domain"], acme["external_id"], acme["industry"]) == (
        "acme.com",
        "sf-1",
        "Software",
    )
    assert (acme["employees"], acme["annual_revenue"]) == (250, 1_200_000.0)
    assert isinstance(acme["annual_revenue"], float)
    assert acme["attributes"] == {"tier": "gold"}
    assert (beta["domain"], beta["employees"], beta["name"]) == ("beta.io", 1200, "Beta")


def test_imported_accounts_are_the_ones_leads_link_to(write, run, rows_of) -> None:
    run("accounts", write("a.csv", [{"domain": "acme.com", "name": "Acme Corp"}]))
    summary = run("leads", write("l.csv", [{"email": "ann@acme.com", "company": "ACME"}]))
    assert summary.accounts_created == 0
    (account,) = rows_of("accounts")
    assert account["name"] == "Acme Corp"
    assert rows_of("leads")[0]["account_id"] == account["id"]


def test_account_import_matches_accounts_made_by_lead_imports(write, run, rows_of) -> None:
    run("leads", write("l.csv", [{"email": "ann@acme.com", "company": "ACME"}]))
    run("accounts", write("a.csv", [{"domain": "acme.com", "name": "Acme Corp"}]))
    (account,) = rows_of("accounts")
    assert account["name"] == "Acme Corp"
    assert rows_of("leads")[0]["account_id"] == account["id"]


def test_domain_and_external_id_of_two_accounts_conflict(write, run) -> None:
    run("accounts", write("a.csv", [{"domain": "a.com", "external_id": "1"}, {"domain": "b.com"}]))
    with pytest.raises(ImportFailed, match="belong to two different accounts"):
        run("accounts", write("b.csv", [{"domain": "b.com", "external_id": "1"}]))
