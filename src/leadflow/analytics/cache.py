"""Report results kept between changes to the data, so a dashboard reloads in milliseconds.

A result is keyed by the report, its parameters and the store's data version: the latest id
of every table the reports read rows from (a new lead, activity, stage change, opportunity,
timer or spend row), and the active scoring model. Changes that add no row (an SLA breach
marked on an existing timer, a profile edit) show once an entry is `max_age` old.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from leadflow.activities.models import Activity
from leadflow.analytics.models import CampaignSpend
from leadflow.analytics.registry import ReportParameters, ReportResult
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import Opportunity, StageChange
from leadflow.scoring.models import ModelVersion
from leadflow.sla.models import SlaTimer

DataVersion = tuple[object, ...]
_VERSIONED = (Lead, Activity, StageChange, Opportunity, SlaTimer, CampaignSpend)


def data_version(engine: Engine) -> DataVersion:
    """The latest id of each table reports read, and the active model: one indexed query."""
    latest = [select(func.max(table.id)).scalar_subquery() for table in _VERSIONED]
    active = (
        select(func.max(ModelVersion.version)).where(ModelVersion.is_active.is_(True))
    ).scalar_subquery()
    with engine.connect() as connection:
        row = connection.execute(select(*latest, active)).one()
    return tuple(row)


@dataclass(frozen=True)
class _Entry:
    version: DataVersion
    made: float
    result: ReportResult


class ReportCache:
    """The last results of reports (at most `size`), each valid while the data version is
    unchanged and it is younger than `max_age` seconds. Safe to share between threads."""

    def __init__(self, *, size: int = 256, max_age: float = 60.0) -> None:
        self.size = size
        self.max_age = max_age
        self._entries: OrderedDict[tuple[str, ReportParameters], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def result(
        self,
        name: str,
        parameters: ReportParameters,
        version: DataVersion,
        run: Callable[[], ReportResult],
    ) -> ReportResult:
        """The cached result of `name` with `parameters` at `version`, or `run()`'s."""
        key = (name, parameters)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.version == version and now - entry.made < self.max_age:
                self._entries.move_to_end(key)
                return entry.result
        result = run()
        with self._lock:
            self._entries[key] = _Entry(version, now, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result
