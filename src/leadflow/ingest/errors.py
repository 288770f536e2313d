"""Why records sent to the service were refused: each bad one named by index and field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from leadflow.errors import InvalidInputError

SHOWN = 5


@dataclass(frozen=True)
class RecordProblem:
    """What is wrong with one record: its position in the request, the field, and why."""

    index: int
    field: str
    reason: str


class RecordsInvalid(InvalidInputError):
    """Some records are bad, so none was written. `field_problems` lists (field, reason)
    with fields as `<container>.<index>.<field>`, or just `<field>` for a single record."""

    def __init__(
        self,
        noun: str,
        problems: Sequence[RecordProblem],
        *,
        container: str | None = None,
        single: bool = False,
    ) -> None:
        self.noun = noun
        self.problems = tuple(problems)
        self.container = container
        self.single = single
        shown = "; ".join(self._where(p, for_people=True) + p.reason for p in problems[:SHOWN])
        more = len(problems) - SHOWN
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))

    def _where(self, problem: RecordProblem, *, for_people: bool) -> str:
        if self.single:
            return f"{problem.field}: " if for_people else problem.field
        if for_people:
            return f"{self.noun} {problem.index}: {problem.field}: "
        parts = [self.container, str(problem.index), problem.field]
        return ".".join(part for part in parts if part is not None)

    @property
    def field_problems(self) -> list[tuple[str, str]]:
        """Every problem as (field path, reason), for an API problem body."""
        return [(self._where(p, for_people=False), p.reason) for p in self.problems]

    def within(self, container: str | None, *, single: bool = False) -> RecordsInvalid:
        """The same problems, named as fields of a request body's `container` list (or, with
        `single`, as fields of the one record the body is)."""
        return RecordsInvalid(self.noun, self.problems, container=container, single=single)


class LeadConflict(InvalidInputError):
    """A change would give a lead the e-mail or external id another lead already has."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
