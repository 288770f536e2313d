"""E-mail normalisation and what a domain says about a lead."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.leads.identity import DomainRules, email_domain, normalize_email

RULES = DomainRules.default(extra_free_mail=["Staff-Mail.example"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@ACME.com ", "jane.doe@acme.com"),
        ("a+tag@sub.example.org", "a+tag@sub.example.org"),
    ],
)
def test_addresses_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "jane", "jane@", "@acme.com", "jane@acme", "a b@acme.com"])
def test_non_addresses_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not an e-mail address"):
        normalize_email(raw)


@given(st.emails())
def test_normalising_twice_changes_nothing(address: str) -> None:
    once = normalize_email(address)
    assert normalize_email(once) == once
    assert email_domain(once) == once.rsplit("@", 1)[1]


@pytest.mark.parametrize(
    ("email", "account_domain"),
    [
        ("jane@acme.com", "acme.com"),
        ("jane@gmail.com", None),
        ("jane@outlook.com", None),
        ("jane@mailinator.com", None),
        ("jane@staff-mail.example", None),
        (None, None),
    ],
)
def test_only_company_domains_make_accounts(email: str | None, account_domain: str | None) -> None:
    assert RULES.account_domain(email) == account_domain


def test_free_and_disposable_lists_are_distinct_questions() -> None:
    assert RULES.is_free_mail("gmail.com") and not RULES.is_disposable("gmail.com")
    assert RULES.is_disposable("mailinator.com")
    assert not RULES.is_free_mail("acme.com") and not RULES.is_disposable("acme.com")
