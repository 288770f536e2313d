"""Users: add, list, change and deactivate the people leadflow works for."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.audit import service as audit
from leadflow.audit.service import Auditor
from leadflow.errors import NotFoundError
from leadflow.users import keys
from leadflow.users.errors import UserConflictError, UserFieldError
from leadflow.users.models import Role, User
from leadflow.users.schemas import UserCreate, UserUpdate

# Fields an update may clear with None; the others keep a value.
_CLEARABLE = {"team", "manager_id", "capacity"}


def get(*, session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_by_email(*, session: Session, email: str) -> User | None:
    """The user with this e-mail (compared normalised), or None."""
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def resolve(*, session: Session, email: str) -> User:
    """The user a person names by e-mail; NotFoundError names what was asked."""
    user = get_by_email(session=session, email=email)
    if user is None:
        raise NotFoundError(f"no user with e-mail {email.strip()!r}")
    return user


def list_users(
    *,
    session: Session,
    role: Role | None = None,
    include_inactive: bool = True,
) -> Sequence[User]:
    """Users by id, optionally of one role and only the active ones."""
    statement = select(User).order_by(User.id)
    if role is not None:
        statement = statement.where(User.role == role)
    if not include_inactive:
        statement = statement.where(User.active.is_(True))
    return session.scalars(statement).all()


def create(*, session: Session, user_in: UserCreate, auditor: Auditor | None = None) -> User:
    """Add a user; refuses a taken e-mail and an unknown manager."""
    if get_by_email(session=session, email=user_in.email) is not None:
        raise UserConflictError("email", f"a user with e-mail {user_in.email} exists")
    if user_in.manager_id is not None:
        _check_manager(session=session, user=None, manager_id=user_in.manager_id)
    user = User(**user_in.model_dump())
    session.add(user)
    session.flush()
    audit.record(
        session=session,
        auditor=auditor,
        action="user.created",
        subject=user.email,
        details={"role": str(user.role)},
    )
    return user


def update(
    *, session: Session, user: User, user_in: UserUpdate, auditor: Auditor | None = None
) -> User:
    """Change the fields an update names; the last active admin keeps the admin role."""
    changes = user_in.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field not in _CLEARABLE:
            raise UserFieldError(field, "cannot be null")
    if changes.get("manager_id") is not None:
        _check_manager(session=session, user=user, manager_id=changes["manager_id"])
    if "role" in changes and changes["role"] != Role.ADMIN:
        _keep_an_admin(session=session, user=user, change="change the role of")
    before = {field: getattr(user, field) for field in changes}
    for field, value in changes.items():
        setattr(user, field, value)
    session.flush()
    changed = sorted(field for field in changes if before[field] != getattr(user, field))
    details: dict[str, object] = {"changed": changed}
    if "role" in changed:
        details |= {"role_before": str(before["role"]), "role": str(user.role)}
    action = "user.role_changed" if "role" in changed else "user.updated"
    audit.record(
        session=session, auditor=auditor, action=action, subject=user.email, details=details
    )
    return user


def deactivate(*, session: Session, user: User, auditor: Auditor | None = None) -> User:
    """Stop a user: no new leads, and every API key of theirs revoked; history stays."""
    _keep_an_admin(session=session, user=user, change="deactivate")
    user.active = False
    keys.revoke_all(session=session, user=user)
    session.flush()
    audit.record(session=session, auditor=auditor, action="user.deactivated", subject=user.email)
    return user


def _check_manager(*, session: Session, user: User | None, manager_id: int) -> None:
    manager = get(session=session, user_id=manager_id)
    if manager is None:
        raise UserFieldError("manager_id", f"no user with id {manager_id}")
    # Escalations climb the manager chain: it must never loop back to the user.
    seen: set[int] = set()
    while manager is not None and manager.id not in seen:
        if user is not None and manager.id == user.id:
            raise UserFieldError("manager_id", "a user cannot be their own (indirect) manager")
        seen.add(manager.id)
        manager = get(session=session, user_id=manager.manager_id) if manager.manager_id else None


def _keep_an_admin(*, session: Session, user: User, change: str) -> None:
    if user.role != Role.ADMIN or not user.active:
        return
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        field = "role" if change.startswith("change") else "active"
        raise UserConflictError(
            field, f"cannot {change} {user.email}: the last active admin; make another admin first"
        )
