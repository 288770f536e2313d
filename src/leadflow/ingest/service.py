"""The ingestion service's public functions, in one place for every entry point."""

from leadflow.ingest.errors import LeadConflict, RecordProblem, RecordsInvalid
from leadflow.ingest.events import EventOutcome, IngestResult, ingest_events
from leadflow.ingest.profiles import (
    AnonymousLink,
    LeadWrite,
    link_anonymous,
    update_lead,
    upsert_lead,
)

__all__ = [
    "AnonymousLink",
    "EventOutcome",
    "IngestResult",
    "LeadConflict",
    "LeadWrite",
    "RecordProblem",
    "RecordsInvalid",
    "ingest_events",
    "link_anonymous",
    "update_lead",
    "upsert_lead",
]
