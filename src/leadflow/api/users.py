"""`/users`: add, list, change and deactivate users (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict

from leadflow.api.audit import AuditorDep
from leadflow.api.deps import ADMIN_ONLY, SessionDep
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.users import service
from leadflow.users.models import Role, User
from leadflow.users.schemas import MAX_ID, UserCreate, UserRead, UserUpdate

router = APIRouter(
    prefix="/users", tags=["users"], dependencies=[ADMIN_ONLY], responses=problem_responses(403)
)


class UserListParams(BaseModel):
    """Query parameters of `GET /users`."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    include_inactive: bool = True


def get_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")],
    session: SessionDep,
) -> User:
    """The user in the path; 404 if there is none."""
    user = service.get(session=session, user_id=user_id)
    if user is None:
        raise RequestProblem(404, f"no user with id {user_id}", field="user_id")
    return user


UserDep = Annotated[User, Depends(get_user)]


@router.get("", summary="List users")
def list_users(params: Annotated[UserListParams, Query()], session: SessionDep) -> list[UserRead]:
    """Every user by id, optionally of one role, optionally only the active ones."""
    users = service.list_users(
        session=session, role=params.role, include_inactive=params.include_inactive
    )
    return [UserRead.model_validate(user) for user in users]


@router.post("", status_code=201, summary="Add a user", responses=problem_responses(409))
def create_user(user_in: UserCreate, session: SessionDep, auditor: AuditorDep) -> UserRead:
    """Add a user; 409 if the e-mail is taken."""
    return UserRead.model_validate(
        service.create(session=session, user_in=user_in, auditor=auditor)
    )


@router.get("/{user_id}", summary="Get a user", responses=problem_responses(404))
def read_user(user: UserDep) -> UserRead:
    """One user."""
    return UserRead.model_validate(user)


@router.patch("/{user_id}", summary="Change a user", responses=problem_responses(404, 409))
def update_user(
    user: UserDep, user_in: UserUpdate, session: SessionDep, auditor: AuditorDep
) -> UserRead:
    """Change the fields given; 409 if it would leave no active admin."""
    return UserRead.model_validate(
        service.update(session=session, user=user, user_in=user_in, auditor=auditor)
    )


@router.post(
    "/{user_id}/deactivate",
    summary="Deactivate a user",
    responses=problem_responses(404, 409),
)
def deactivate_user(user: UserDep, session: SessionDep, auditor: AuditorDep) -> UserRead:
    """Stop a user: no new leads, every key revoked, history kept; 409 for the last admin."""
    return UserRead.model_validate(service.deactivate(session=session, user=user, auditor=auditor))
