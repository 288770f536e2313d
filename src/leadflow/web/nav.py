"""The dashboard's pages, in menu order, with the roles that may open each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends

from leadflow.users.models import Role
from leadflow.web.deps import Me, require_roles

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Page:
    """A page in the menu: its label, its path and who may open it."""

    label: str
    path: str
    roles: frozenset[Role]


PAGES = (
    Page("Overview", "/", EVERYONE),
    Page("Sources", "/sources", frozenset({Role.ADMIN, Role.MARKETING, Role.MANAGER})),
    Page("Leads", "/leads", EVERYONE),
    Page("My queue", "/queue", frozenset({Role.SALES})),
    Page("Scoring", "/scoring", frozenset({Role.ADMIN, Role.MARKETING, Role.MANAGER})),
    Page("Settings", "/settings", frozenset({Role.ADMIN})),
)
_BY_PATH = {page.path: page for page in PAGES}


def menu_for(me: Me | None) -> list[Page]:
    """The pages the logged-in user may open (none before login)."""
    if me is None:
        return []
    return [page for page in PAGES if me.role in page.roles]


def page_access(path: str) -> Any:
    """The dependency of the page at `path`: the viewer, if their role may open it (a 403
    page otherwise), so routes and menu read the same roles.
    Use as `viewer: Annotated[Access, page_access("/settings")]`."""
    return Depends(require_roles(*_BY_PATH[path].roles))
