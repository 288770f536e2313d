"""Refusals about users and keys that name the field at fault."""

from __future__ import annotations

from leadflow.errors import InvalidInputError


class UserFieldError(InvalidInputError):
    """A value for a user or key field that cannot be used; names the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UserConflictError(UserFieldError):
    """A value that clashes with what is stored: a taken e-mail, the last active admin."""
