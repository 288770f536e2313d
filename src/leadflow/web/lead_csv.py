"""The leads list as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from leadflow.analytics.csv_export import spreadsheet_safe
from leadflow.api.leads_query import LeadListParams
from leadflow.api.pagination import MAX_PAGE_SIZE
from leadflow.leads.models import Lead
from leadflow.leads.service import active_scores, lead_summary
from leadflow.web.lead_list import page_of_leads

COLUMNS = (
    "id",
    "email",
    "name",
    "title",
    "company",
    "country",
    "source",
    "stage",
    "owner_id",
    "grade",
    "fit",
    "engagement",
    "created_at",
)


def csv_lines(
    sessions: sessionmaker[Session], params: LeadListParams, selection: Select[tuple[Lead]]
) -> Iterator[str]:
    """The header, then every lead of `selection` (visible_leads) in the list's order,
    fetched a page at a time, each in a session of its own (the response outlives the
    request's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    params = params.model_copy(update={"limit": MAX_PAGE_SIZE, "cursor": None})
    while True:
        with sessions() as session:
            rows, cursor = page_of_leads(session, params, selection)
            scores = active_scores(session=session, lead_ids=[lead.id for lead in rows])
            for lead in rows:
                summary = lead_summary(lead)
                score = scores.get(lead.id)
                summary["grade"] = score.grade if score else None
                summary["fit"] = score.fit if score else None
                summary["engagement"] = score.engagement if score else None
                writer.writerow([spreadsheet_safe(summary[column]) for column in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if cursor is None:
            return
        params = params.model_copy(update={"cursor": cursor})
