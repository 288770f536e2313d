"""Dashboard logins for a demo world: an admin, marketing, a manager and a busy rep."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.demo.vocabulary import VENDOR_DOMAIN
from leadflow.leads.models import Lead
from leadflow.users import passwords
from leadflow.users import service as users_service
from leadflow.users.models import Role, User
from leadflow.users.schemas import UserCreate

# Made for the demo when the world has no one in these roles (the team has managers and reps).
_STAFF = {
    Role.ADMIN: ("admin", "Ada Admin"),
    Role.MARKETING: ("marketing", "Mark Eting"),
}


@dataclass(frozen=True)
class DemoLogin:
    """A user of the demo world who can log in to the dashboard, and the password set."""

    role: Role
    email: str
    name: str
    password: str
    note: str


def _staff(session: Session, role: Role) -> User:
    local, name = _STAFF[role]
    email = f"{local}@{VENDOR_DOMAIN}"
    user = users_service.get_by_email(session=session, email=email)
    if user is None:
        user_in = UserCreate(email=email, name=name, role=role)
        user = users_service.create(session=session, user_in=user_in)
    return user


def _first(session: Session, role: Role) -> User | None:
    return session.scalars(
        select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    ).first()


def _busiest_rep(session: Session) -> tuple[User | None, int]:
    """The active rep with the most open MQLs (their queue), and how many."""
    open_mqls = func.count(Lead.id)
    row = session.execute(
        select(User, open_mqls)
        .join(Lead, (Lead.owner_id == User.id) & (Lead.stage == "mql"))
        .where(User.role == Role.SALES, User.active.is_(True))
        .group_by(User.id)
        .order_by(open_mqls.desc(), User.id)
        .limit(1)
    ).first()
    if row is None:
        return _first(session, Role.SALES), 0
    return row[0], int(row[1])


def create_demo_logins(*, session: Session) -> list[DemoLogin]:
    """Give one user of each role a new random password and say who they are; earlier
    demo passwords stop working."""
    chosen: list[tuple[Role, User | None, str]] = [
        (Role.ADMIN, _staff(session, Role.ADMIN), "everything, Settings included"),
        (Role.MARKETING, _staff(session, Role.MARKETING), "every lead, reports, scoring"),
        (Role.MANAGER, _first(session, Role.MANAGER), "every lead, the funnel, SLA"),
    ]
    rep, queued = _busiest_rep(session)
    chosen.append((Role.SALES, rep, f"a rep with {queued} open MQLs in My queue"))
    logins = []
    for role, user, note in chosen:
        if user is None:
            continue
        password = secrets.token_urlsafe(12)
        passwords.set_password(session=session, user=user, password=password)
        logins.append(
            DemoLogin(role=role, email=user.email, name=user.name, password=password, note=note)
        )
    return logins
