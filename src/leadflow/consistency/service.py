"""Checking a whole store: the public face of the consistency package."""

from __future__ import annotations

from sqlalchemy import Engine

from leadflow.config import Settings
from leadflow.consistency.problems import ConsistencyReport, Findings
from leadflow.consistency.rows import open_clocks, orphan_rows, outbox_states, repeated_events
from leadflow.consistency.scores import stored_scores_match_batch, unscored_leads
from leadflow.consistency.stages import stage_walks
from leadflow.lifecycle.stages import StageMachine
from leadflow.storage.database import session_factory


def check_store(*, engine: Engine, settings: Settings, scores: bool = True) -> ConsistencyReport:
    """Run every check on a store nobody writes to meanwhile; `scores=False` skips the
    slowest one (a batch rescore of every stored score)."""
    findings = Findings()
    machine = StageMachine(settings.lifecycle)
    with session_factory(engine)() as session:
        counts = {
            "foreign keys": orphan_rows(session=session, findings=findings),
            "events": repeated_events(session=session, findings=findings),
            "leads": stage_walks(session=session, machine=machine, findings=findings),
            "sla timers": open_clocks(session=session, findings=findings),
            "webhook deliveries": outbox_states(session=session, findings=findings),
        }
        if scores:
            counts["scores"] = stored_scores_match_batch(
                engine=engine, session=session, findings=findings
            )
        counts["leads without an active score"] = unscored_leads(session=session)
    return ConsistencyReport(
        counts=counts,
        problem_counts=dict(findings.counts),
        problems=tuple(findings.kept),
    )
