"""The content pages, in menu order: each module has a `router` that routes.py mounts."""

from __future__ import annotations

from leadflow.web import (
    lead_actions,
    lead_page,
    leads_page,
    overview,
    queue,
    scoring_page,
    sources_page,
)

# lead_page before lead_actions: GET /leads/{id} and POST /leads/{id}/{verb}.
CONTENT_PAGES = (overview, sources_page, leads_page, lead_page, lead_actions, queue, scoring_page)
