"""Score checks: every stored score is what a fresh batch run gives at the same moment.

Scores are grouped by their `as_of`; each group is scored again by the batch path
(`scoring.batch.batch_scores`) over the same leads at that instant and compared field by
field. Real-time and batch sums differ only in the order of additions, hence the tolerance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from leadflow.consistency.problems import Findings
from leadflow.leads.models import Lead
from leadflow.scoring.batch import batch_scores
from leadflow.scoring.batch_inputs import store_inputs
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.scoring.scorer import LeadScore
from leadflow.scoring.versions import active_version, model_of

# Relative and absolute tolerance of a sum whose terms were added in another order.
TOLERANCE = 1e-9
# Leads scored again per batch query.
LEADS_PER_QUERY = 1_000


def stored_scores_match_batch(*, engine: Engine, session: Session, findings: Findings) -> int:
    """Rescore every stored score in batch at its own `as_of`; each difference is a finding."""
    groups: dict[tuple[str, datetime], dict[int, ScoreRecord]] = defaultdict(dict)
    for record in session.scalars(select(ScoreRecord)):
        groups[(record.model_version, record.as_of)][record.lead_id] = record
    if not groups:
        return 0
    schema = store_schema(session=session)
    inputs = store_inputs(engine)
    checked = 0
    for (version, as_of), stored in sorted(groups.items()):
        model = model_of(session=session, record=session.get_one(ModelVersion, version))
        ids = sorted(stored)
        for start in range(0, len(ids), LEADS_PER_QUERY):
            chunk = ids[start : start + LEADS_PER_QUERY]
            # Only these leads and their events: a group costs what it holds, not the store.
            some = replace(
                inputs,
                leads=inputs.leads.filter(inputs.leads.id.isin(chunk)),
                activities=inputs.activities.filter(inputs.activities.lead_id.isin(chunk)),
            )
            fresh = dict(batch_scores(model, schema, some, as_of=as_of))
            for lead_id in chunk:
                checked += 1
                difference = _difference(stored[lead_id], fresh.get(lead_id))
                if difference:
                    findings.add(
                        "scores",
                        f"lead {lead_id} under {version} as of {as_of.isoformat()}: {difference}",
                    )
    return checked


def unscored_leads(*, session: Session) -> int:
    """Leads without a score under the active model (none when no model is active)."""
    active = active_version(session=session)
    if active is None:
        return 0
    scored = select(ScoreRecord.lead_id).where(ScoreRecord.model_version == active.version)
    return session.scalar(select(func.count()).where(Lead.id.not_in(scored))) or 0


def _difference(stored: ScoreRecord, fresh: LeadScore | None) -> str | None:
    if fresh is None:
        return "the batch run does not score this lead"
    for name in ("fit", "engagement"):
        mine, theirs = getattr(stored, name), getattr(fresh, name)
        if not math.isclose(mine, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return f"{name} {mine!r} stored, {theirs!r} in batch"
    for name in ("grade", "is_mql", "disqualified_by"):
        mine, theirs = getattr(stored, name), getattr(fresh, name)
        if mine != theirs:
            return f"{name} {mine!r} stored, {theirs!r} in batch"
    return None
