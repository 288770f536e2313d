"""What dashboard routes declare they need: a session, the logged-in user, a role, a lead."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from leadflow.api.deps import LeadId, SessionDep
from leadflow.api.errors import RequestProblem
from leadflow.leads import service as leads_service
from leadflow.leads.models import Lead
from leadflow.users import passwords
from leadflow.users.access import Access
from leadflow.users.models import Role, User
from leadflow.web.sessions import COOKIE_NAME, SessionCookies, WebSession, anonymous

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Me:
    """The logged-in user as the layout shows them; plain values, so an error page can
    still show them after the request's database session has ended."""

    name: str
    email: str
    role: Role


class DashboardUnavailable(Exception):
    """The dashboard cannot sign sessions: the server has no secret_key."""


class LoginRequired(Exception):
    """The page needs a logged-in user; the browser is sent to the login page."""


def session_cookies(request: Request) -> SessionCookies:
    """The app's cookie signer; DashboardUnavailable when no secret_key is configured."""
    cookies: SessionCookies | None = request.app.state.session_cookies
    if cookies is None:
        raise DashboardUnavailable
    return cookies


def get_web_session(request: Request) -> WebSession:
    """The browser's session from its cookie, or a new anonymous one; the response sets the
    cookie again when it is new or due for a refresh (see responses.py)."""
    known: WebSession | None = getattr(request.state, "web_session", None)
    if known is not None:
        return known
    cookies = session_cookies(request)
    value = request.cookies.get(COOKIE_NAME)
    web_session = cookies.load(value) if value else None
    if web_session is None:
        web_session = anonymous()
        request.state.set_session_cookie = True
    else:
        request.state.set_session_cookie = cookies.needs_refresh(web_session)
    request.state.web_session = web_session
    return web_session


WebSessionDep = Annotated[WebSession, Depends(get_web_session)]


def get_viewer(request: Request, web_session: WebSessionDep, session: SessionDep) -> Access:
    """The logged-in user: LoginRequired when none, the session ended, or the user was
    deactivated or given a new password since."""
    user = session.get(User, web_session.user_id) if web_session.user_id is not None else None
    if user is None or not user.active or passwords.fingerprint(user) != web_session.password:
        raise LoginRequired
    viewer = Access(user=user)
    request.state.viewer = viewer
    request.state.me = Me(name=user.name, email=user.email, role=viewer.role)
    return viewer


ViewerDep = Annotated[Access, Depends(get_viewer)]


def require_roles(*roles: Role) -> Callable[[Access], Access]:
    """A dependency that lets only these roles see the page (a 403 page for the others)."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(allowed))

    def check_role(viewer: ViewerDep) -> Access:
        if viewer.role not in allowed:
            raise RequestProblem(403, f"this page is for {names}; you are {viewer.role}")
        return viewer

    return check_role


def get_page_lead(lead_id: LeadId, session: SessionDep, viewer: ViewerDep) -> Lead:
    """The lead in the path if the viewer may act on it: 404 if none, 403 if another rep's."""
    lead = leads_service.get(session=session, lead_id=lead_id)
    if lead is None:
        raise RequestProblem(404, f"no lead with id {lead_id}")
    if not viewer.may_act_on_lead(lead.owner_id):
        raise RequestProblem(403, f"lead {lead_id} is not yours: reps see only their own leads")
    return lead


PageLeadDep = Annotated[Lead, Depends(get_page_lead)]


async def verify_csrf(request: Request) -> None:
    """Refuse (403) a POST, PUT, PATCH or DELETE whose CSRF token, sent as the form field
    `csrf_token` or the header `X-CSRF-Token` (htmx), is not the session's."""
    if request.method in _SAFE_METHODS:
        return
    web_session = get_web_session(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), web_session.csrf_token.encode()):
        raise RequestProblem(
            403, "the form has expired or did not come from this site: reload the page and retry"
        )
