"""The content pages, in menu order: each module has a `router` that routes.py mounts."""

from __future__ import annotations

from leadflow.web import overview

CONTENT_PAGES = (overview,)
