"""What every part of one import shares: its clock, domain rules and running counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leadflow.importing.report import ImportSummary
from leadflow.leads.identity import DomainRules


@dataclass
class ImportContext:
    """One import's start time (received_at, created_at, updated_at), rules and counts."""

    now: datetime
    rules: DomainRules
    summary: ImportSummary
