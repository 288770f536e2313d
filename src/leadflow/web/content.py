"""The content pages (overview, sources, leads, queue, scoring), each a module with `router`."""

from __future__ import annotations

from types import ModuleType

CONTENT_PAGES: tuple[ModuleType, ...] = ()
