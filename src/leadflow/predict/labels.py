"""Training rows: each lead at several prediction times, labelled by what happened next.

A row is a lead at a prediction time T that existed at T and had not reached the target by
T; its label says whether it reached the target (or a later forward stage) within the
horizon after T. Every T is at least a horizon before `as_of`, so every label is settled;
leads created too late for that are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir

from leadflow.engines.portable import epoch_us
from leadflow.errors import InvalidInputError
from leadflow.lifecycle.stages import StageMachine
from leadflow.scoring.engagement import duration_micros, to_micros


@dataclass(frozen=True)
class LabelWindow:
    """Which stages count as reaching the target, and when rows are taken."""

    target: str
    stages: tuple[str, ...]
    horizon: timedelta
    as_of: datetime
    times: tuple[datetime, ...]

    @property
    def latest(self) -> datetime:
        """The last prediction time: a horizon before `as_of`."""
        return self.times[0]


def target_stages(machine: StageMachine, target: str) -> tuple[str, ...]:
    """The target and every forward stage after it (reaching `customer` passes `sql`)."""
    forward = machine.forward
    if target in forward:
        return forward[forward.index(target) :]
    if target in machine.side:
        return (target,)
    known = ", ".join(machine.all_stages)
    raise InvalidInputError(f"--target {target!r}: not a stage (stages: {known})")


def label_window(
    *,
    machine: StageMachine,
    target: str,
    horizon: timedelta,
    as_of: datetime,
    every: timedelta,
    count: int,
) -> LabelWindow:
    """`count` prediction times `every` apart, the latest a horizon before `as_of`."""
    if horizon <= timedelta(0):
        raise InvalidInputError(f"--horizon {horizon}: must be longer than zero")
    latest = as_of - horizon
    times = tuple(latest - k * every for k in range(count))
    return LabelWindow(target, target_stages(machine, target), horizon, as_of, times)


def labelled_points(
    window: LabelWindow, leads: ir.Table, changes: ir.Table, backend: str
) -> ir.Table:
    """(lead_id, at_us, label) for every lead open at each prediction time."""
    reached = changes.filter(changes.to_stage.isin(list(window.stages)))
    first = reached.group_by(_lead=reached.lead_id).aggregate(
        _first=epoch_us(reached.changed_at, backend).min()
    )
    known = leads.select(_id=leads.id, _created=epoch_us(leads.created_at, backend))
    known = known.left_join(first, known._id == first._lead).select("_id", "_created", "_first")
    horizon_us = duration_micros(window.horizon)
    parts = []
    for at in window.times:
        at_us = to_micros(at)
        open_then = known.filter(
            known._created <= at_us, known._first.isnull() | (known._first > at_us)
        )
        parts.append(
            open_then.select(
                lead_id=open_then._id,
                at_us=ibis.literal(at_us, type="int64"),
                label=ibis.cases(
                    (open_then._first.notnull() & (open_then._first <= at_us + horizon_us), 1),
                    else_=0,
                ),
            )
        )
    return ibis.union(*parts)


def pending_leads(window: LabelWindow, leads: ir.Table, backend: str) -> ir.IntegerScalar:
    """Leads created after the last prediction time (up to `as_of`): too young to label."""
    created = epoch_us(leads.created_at, backend)
    young = (created > to_micros(window.latest)) & (created <= to_micros(window.as_of))
    return ibis.cases((young, 1), else_=0).sum().fill_null(0)
