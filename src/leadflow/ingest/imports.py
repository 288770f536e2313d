"""Imports trigger rescoring: once a file's rows are written, every lead they touched is
scored as real time would score it at that moment (the same numbers as `leadflow score`).

Few touched leads (the usual top-up import) are rescored together inside the import's
transaction, each from its saved state plus its new activities: O(new events) per lead, in
chunks, so memory stays bounded and the import and its scores commit together. When lead by
lead would cost more than rescoring everyone, one set-based batch run (`scoring.rescore`)
does it after the commit instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.importing.context import ImportContext
from leadflow.importing.report import ImportSummary
from leadflow.importing.service import ImportOptions, ProgressCallback, import_file
from leadflow.ingest.rescoring import active_model, lock_leads
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.scoring.realtime import rescore_leads
from leadflow.scoring.rescore import rescore_all

# Touched leads rescored per transaction chunk of the real-time path.
CHUNK_LEADS = 1_000
# Rescoring one lead in real time costs about what a batch run spends on this many stored
# activities (measured on SQLite: ~0.35 ms a lead, rescored 1,000 at a time, against ~45 us
# an activity), so the batch path is taken when touched leads x this reaches the
# activities in the store...
REALTIME_LEAD_COST = 8
# ...and the import touched at least this many leads (below, real time always pays).
BATCH_MIN_LEADS = 1_000

ScoringPath = Literal["real time", "batch", "no active model", "off"]


@dataclass(frozen=True)
class ImportRescore:
    """How an import's leads were rescored, how many, and the stage moves that followed."""

    scoring: ScoringPath
    rescored: int = 0
    became_mql: int = 0
    disqualified: int = 0

    def as_dict(self) -> dict[str, object]:
        """The figures as plain JSON-ready values."""
        return asdict(self)


class _ImportRescoring:
    """The import's write hook: notes where the new rows start, then rescores."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.first_activity = 0
        self.result = ImportRescore("no active model")
        self.batch_at: datetime | None = None

    def before(self, connection: Connection, context: ImportContext) -> None:
        """Note the first id the import's activities will have."""
        newest = connection.scalar(select(func.max(Activity.id)))
        self.first_activity = (newest or 0) + 1

    def after(self, connection: Connection, context: ImportContext) -> None:
        """Rescore the touched leads in this transaction, or leave them to a batch run."""
        # Joins the import's transaction: it commits (or rolls back) with the rows.
        with Session(bind=connection) as session:
            if active_model(session) is None:
                return
            touched = self._touched(connection, context)
            # The newest id stands for the activity count: an index lookup, not a scan.
            stored = connection.scalar(select(func.max(Activity.id))) or 0
            if len(touched) >= BATCH_MIN_LEADS and len(touched) * REALTIME_LEAD_COST >= stored:
                self.batch_at = context.now
                return
            self.result = self._real_time(session, touched, context.now)

    def _touched(self, connection: Connection, context: ImportContext) -> list[int]:
        kind = context.summary.kind
        if kind == "activities":
            statement = select(Activity.lead_id).where(
                Activity.id >= self.first_activity,
                Activity.received_at == context.now,
                Activity.lead_id.is_not(None),
            )
        elif kind == "leads":
            statement = select(Lead.id).where(Lead.updated_at == context.now)
        elif kind == "accounts":
            statement = (
                select(Lead.id)
                .join(Account, Account.id == Lead.account_id)
                .where(Account.updated_at == context.now)
            )
        else:
            return []
        return sorted(i for i in connection.scalars(statement.distinct()) if i is not None)

    def _real_time(self, session: Session, touched: list[int], now: datetime) -> ImportRescore:
        model = active_model(session)
        assert model is not None
        machine = StageMachine(self.settings.lifecycle)
        moved = {machine.name("mql"): 0, machine.name("disqualified"): 0}
        for chunk in _chunks(touched):
            leads = lock_leads(session, Lead.id.in_(chunk))
            new = select(Activity).where(
                Activity.lead_id.in_(chunk), Activity.id >= self.first_activity
            )
            activities = session.scalars(new.order_by(Activity.lead_id, Activity.id))
            by_lead = {key: list(group) for key, group in groupby(activities, lambda a: a.lead_id)}
            rescored = rescore_leads(
                session=session,
                leads=[leads[lead_id] for lead_id in chunk],
                model=model,
                new_activities=by_lead,
                at=now,
                settings=self.settings,
            )
            for result in rescored.values():
                if result.moved_to in moved:
                    moved[result.moved_to] += 1
            session.flush()
            session.expunge_all()
        return ImportRescore(
            "real time",
            len(touched),
            moved[machine.name("mql")],
            moved[machine.name("disqualified")],
        )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK_LEADS):
        yield ids[start : start + CHUNK_LEADS]


def import_and_rescore(
    *,
    engine: Engine,
    kind: str,
    path: Path,
    settings: Settings,
    options: ImportOptions | None = None,
    progress: ProgressCallback | None = None,
    score: bool = True,
) -> tuple[ImportSummary, ImportRescore]:
    """Import a file, then rescore every lead it touched under the active model (unless
    `score` is False); the import's counts and the rescoring's."""
    if not score:
        summary = import_file(
            engine=engine, kind=kind, path=path, options=options, progress=progress
        )
        return summary, ImportRescore("off")
    hook = _ImportRescoring(settings)
    summary = import_file(
        engine=engine, kind=kind, path=path, options=options, progress=progress, hook=hook
    )
    if hook.batch_at is None:
        return summary, hook.result
    with Session(engine) as session:
        model = active_model(session)
    assert model is not None
    batch = rescore_all(
        engine=engine, model=model, as_of=hook.batch_at, move_stages=True, settings=settings
    )
    rescored = ImportRescore(
        "batch", batch.leads_scored, batch.moved_to_mql, batch.moved_to_disqualified
    )
    return summary, rescored
