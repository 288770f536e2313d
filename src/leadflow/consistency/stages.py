"""Stage history checks: every lead's changes are a legal walk ending where the lead is."""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.consistency.problems import Findings
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import StageMachine


def stage_walks(*, session: Session, machine: StageMachine, findings: Findings) -> int:
    """Check each lead's history from the first stage: legal moves, linked, cycles counted."""
    leads = dict(
        (lead_id, (stage, cycle))
        for lead_id, stage, cycle in session.execute(select(Lead.id, Lead.stage, Lead.cycle))
    )
    changes = session.execute(
        select(
            StageChange.lead_id,
            StageChange.from_stage,
            StageChange.to_stage,
            StageChange.cycle,
        ).order_by(StageChange.lead_id, StageChange.changed_at, StageChange.id)
    )
    walked = set()
    for lead_id, steps in groupby(changes, key=lambda row: row[0]):
        if lead_id not in leads:
            continue  # an orphan: the orphan check reports it
        walked.add(lead_id)
        _walk(lead_id, [row[1:] for row in steps], leads[lead_id], machine, findings)
    first = machine.forward[0]
    for lead_id, (stage, cycle) in leads.items():
        if lead_id not in walked and (stage, cycle) != (first, 1):
            findings.add(
                "stage history", f"lead {lead_id} is in '{stage}' (cycle {cycle}) with no history"
            )
    return len(leads)


def _walk(
    lead_id: int,
    steps: list[tuple[str | None, str, int]],
    now: tuple[str, int],
    machine: StageMachine,
    findings: Findings,
) -> None:
    stage, cycle = machine.forward[0], 1
    if steps and steps[0][:2] == (None, stage):
        steps = steps[1:]  # the lead's creation, which some loaders record
    for from_stage, to_stage, step_cycle in steps:
        if from_stage != stage:
            findings.add(
                "stage history",
                f"lead {lead_id}: a change from '{from_stage}' follows one into '{stage}'",
            )
            return
        if to_stage not in machine.moves_from(stage):
            findings.add("stage history", f"lead {lead_id}: illegal move {stage} -> {to_stage}")
            return
        cycle += machine.starts_new_cycle(stage, to_stage)
        if step_cycle != cycle:
            findings.add(
                "stage history",
                f"lead {lead_id}: move {stage} -> {to_stage} says cycle {step_cycle}, not {cycle}",
            )
            return
        stage = to_stage
    if (stage, cycle) != now:
        findings.add(
            "stage history",
            f"lead {lead_id} is in '{now[0]}' (cycle {now[1]}) but its history ends in "
            f"'{stage}' (cycle {cycle})",
        )
