"""What routes declare they need: a session, the caller, a role, a lead they may act on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leadflow.api.errors import RequestProblem
from leadflow.config import Settings
from leadflow.leads import service as leads_service
from leadflow.leads.models import Lead
from leadflow.storage.database import write_session_factory
from leadflow.users import keys
from leadflow.users.keys import Principal
from leadflow.users.models import Role
from leadflow.users.schemas import MAX_ID

_CHALLENGE = 'Bearer realm="leadflow"'
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lf_...`.")
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: lf_...`."
)


class _KeyAsBasicUser(HTTPBasic):
    """Basic auth the way Segment libraries send their write key: the API key as the user
    name, the password empty. An unreadable header counts as no key (401 below)."""

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        try:
            return await super().__call__(request)
        except HTTPException:
            return None


_basic = _KeyAsBasicUser(
    auto_error=False,
    description="An API key as the user name, empty password (a Segment write key).",
)


def get_session(request: Request) -> Iterator[Session]:
    """A session in one transaction: committed before the response is sent, rolled back
    if the route fails. Requests that may write (every method but GET, HEAD and OPTIONS)
    get a write session, so concurrent writes queue on SQLite instead of failing."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    if request.method not in _READ_METHODS:
        sessions = write_session_factory(request.app.state.engine)
    with sessions.begin() as session:
        yield session


# scope="function": the commit happens before the response goes out, so a failed commit
# is answered as an error rather than after a success was already sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    """The settings the app was built from (lifecycle, SLA, webhooks...), for the services."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_engine(request: Request) -> Engine:
    """The store's engine, for services that run transactions of their own (batch work)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The caller, from `Authorization: Bearer <key>`, `X-API-Key: <key>` or Basic auth with
    the key as user name (Segment's write key); 401 otherwise."""
    token = bearer.credentials if bearer is not None else api_key
    if not token and basic is not None:
        token = basic.username
    if not token:
        raise RequestProblem(
            401,
            "no API key: send `Authorization: Bearer <key>`, `X-API-Key: <key>`, "
            "or Basic auth with the key as user name",
            field="authorization",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    principal = keys.authenticate(session=session, token=token)
    if principal is None:
        raise RequestProblem(
            401,
            "the API key is not valid: unknown, mistyped, revoked, or its user deactivated",
            field="authorization",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(allowed))

    def check_role(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise RequestProblem(
                403, f"this needs the role {names}; the key's user is {principal.role}"
            )
        return principal

    return check_role


ADMIN_ONLY = Depends(require_role(Role.ADMIN))

LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="The lead's id.")]


def get_lead(lead_id: LeadId, session: SessionDep, principal: PrincipalDep) -> Lead:
    """The lead in the path, if the caller may act on it: 404 if none, 403 if another
    rep's (a sales key acts only on its own leads)."""
    lead = leads_service.get(session=session, lead_id=lead_id)
    if lead is None:
        raise RequestProblem(404, f"no lead with id {lead_id}", field="lead_id")
    if not principal.may_act_on_lead(lead.owner_id):
        raise RequestProblem(
            403,
            f"lead {lead_id} is not yours: a sales key acts only on the leads its rep owns",
            field="lead_id",
        )
    return lead


LeadDep = Annotated[Lead, Depends(get_lead)]
