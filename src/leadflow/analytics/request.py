"""What a report is asked: the period, the grouping, the window; defaults filled in one place.

Every report takes a request (typed, validated) and builds its expression from a context:
the request with each default filled and each time turned into the integer microseconds the
report tables hold. The period is half-open, `start <= t < end`; a window is inclusive, a
stage reached exactly `window` after the cohort entry is within it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from leadflow.errors import InvalidInputError
from leadflow.lifecycle.stages import StageMachine
from leadflow.scoring.engagement import duration_micros, to_micros

Cycles = Literal["all", "first", "recycled"]
# A window: a whole number (1 to 999,999) of hours, days or weeks, such as 90d, 12h or 2w.
WINDOW_PATTERN = r"^([1-9][0-9]{0,5})([hdw])$"
_WINDOW_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class ReportParameterError(InvalidInputError):
    """A report parameter is invalid; `field` names it as the request does (by, steps...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def window_duration(text: str, *, named: str = "window") -> timedelta:
    """A window such as 90d, 12h or 2w as a duration (blanks ignored); `named` is how the
    caller calls the parameter, for the error."""
    match = re.match(WINDOW_PATTERN, "".join(text.split()))
    if match is None:
        raise ReportParameterError(
            f"{named} {text!r}: expected a whole number from 1 to 999999 and h, d or w"
            " (90d, 12h, 2w)",
            field="window",
        )
    return int(match.group(1)) * _WINDOW_UNITS[match.group(2)]


def day_period(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Days as a half-open period: from midnight UTC of the first day to the midnight after
    the last, both days included."""
    start = datetime.combine(first, time(), tzinfo=UTC) if first else None
    try:
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC) if last else None
    except OverflowError as exc:
        raise ReportParameterError(f"to {last}: too late a day", field="to") from exc
    if start and end and end <= start:
        raise ReportParameterError(
            "the last day (to) must not be before the first (from)", field="to"
        )
    return start, end


class ReportRequest(BaseModel):
    """The period (start inclusive, end exclusive), the fields to group by, the window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    by: tuple[str, ...] = ()
    window: timedelta | None = None

    # Field validators, so an error names the parameter it is about.
    @field_validator("end")
    @classmethod
    def _after_start(cls, end: AwareDatetime | None, info: ValidationInfo) -> AwareDatetime | None:
        start = info.data.get("start")
        if start and end and end <= start:
            raise ValueError("the period's end must come after its start")
        return end

    @field_validator("window")
    @classmethod
    def _positive(cls, window: timedelta | None) -> timedelta | None:
        if window is not None and window <= timedelta(0):
            raise ValueError("the window must be longer than zero")
        return window

    @field_validator("by")
    @classmethod
    def _each_once(cls, by: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(by)) != len(by) or any(not field.strip() for field in by):
            raise ValueError("name each field once")
        return by


class FunnelRequest(ReportRequest):
    """A funnel: its steps (default: the forward stages from mql) and which cycles count."""

    steps: tuple[str, ...] = ()
    cycles: Cycles = "all"


class PlanRequest(ReportRequest):
    """A plan: how many `goal` stages are wanted, counted from leads or from MQLs."""

    target: int = Field(default=10, ge=1, le=1_000_000_000)
    goal: Literal["sql", "customer"] = "customer"
    basis: Literal["lead", "mql"] = "lead"


@dataclass(frozen=True)
class ReportContext:
    """A request with its defaults filled: times as microseconds, stages by stored name."""

    start_us: int | None
    end_us: int | None
    window_us: int | None
    by: tuple[str, ...]
    stages: StageMachine

    @classmethod
    def of(
        cls,
        request: ReportRequest,
        *,
        stages: StageMachine | None = None,
        default_by: tuple[str, ...] = (),
        reserved: Collection[str] = (),
    ) -> ReportContext:
        """The context of `request`; `default_by` when it names no field to group by.

        `reserved` are the columns the report itself computes beside the groups: a field
        of that name (or `lead_id`, or a name starting with `_`, the queries' scratch
        columns) would be shadowed by them or clash, so it is refused."""
        clashes = [
            field
            for field in request.by
            if field == "lead_id" or field.startswith("_") or field in reserved
        ]
        if clashes:
            raise ReportParameterError(
                f"{clashes[0]!r} is a column of this report itself, not a field to group by",
                field="by",
            )
        return cls(
            start_us=to_micros(request.start) if request.start else None,
            end_us=to_micros(request.end) if request.end else None,
            window_us=duration_micros(request.window) if request.window else None,
            by=request.by or default_by,
            stages=stages or StageMachine(),
        )

    def stage(self, role: str) -> str:
        """The stored name of a stage role (renamed stages keep their role)."""
        return self.stages.name(role)

    def forward_from(self, role: str) -> tuple[str, ...]:
        """The forward stages from `role` on, skipped ones left out."""
        forward = self.stages.forward
        return forward[forward.index(self.stage(role)) :]

    def in_period(self, moment: ir.IntegerValue) -> ir.BooleanValue:
        """True where the instant (microseconds) lies in [start, end)."""
        kept: ir.BooleanValue = ibis.literal(True)
        if self.start_us is not None:
            kept &= moment >= self.start_us
        if self.end_us is not None:
            kept &= moment < self.end_us
        return kept
