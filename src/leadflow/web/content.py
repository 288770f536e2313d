"""The content pages, in menu order: each module has a `router` that routes.py mounts."""

from __future__ import annotations

from leadflow.web import leads_page, overview, sources_page

CONTENT_PAGES = (overview, sources_page, leads_page)
