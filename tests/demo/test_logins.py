"""Demo logins: one user per role gets a fresh password; the rep is the one with most open
MQLs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from leadflow.demo.logins import create_demo_logins
from leadflow.leads.models import Lead
from leadflow.users import passwords, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate


def _user(session: Session, email: str, role: Role) -> int:
    user_in = UserCreate(email=email, name=email.split("@")[0], role=role)
    return service.create(session=session, user_in=user_in).id


def test_a_login_per_role_and_the_busiest_rep(session: Session) -> None:
    manager = _user(session, "boss@brightwave.io", Role.MANAGER)
    calm = _user(session, "calm@brightwave.io", Role.SALES)
    busy = _user(session, "busy@brightwave.io", Role.SALES)
    session.add_all(
        [
            Lead(email="a@buyer.test", owner_id=calm, stage="mql"),
            Lead(email="b@buyer.test", owner_id=busy, stage="mql"),
            Lead(email="c@buyer.test", owner_id=busy, stage="mql"),
            Lead(email="d@buyer.test", owner_id=calm, stage="sal"),
            Lead(email="e@buyer.test", owner_id=calm, stage="sal"),
        ]
    )
    session.flush()
    logins = {login.role: login for login in create_demo_logins(session=session)}
    assert set(logins) == set(Role)
    assert logins[Role.MANAGER].email == "boss@brightwave.io"
    assert logins[Role.SALES].email == "busy@brightwave.io"
    assert "2 open MQLs" in logins[Role.SALES].note
    assert logins[Role.ADMIN].email == "admin@brightwave.io"
    for login in logins.values():
        user = service.resolve(session=session, email=login.email)
        assert user.role == login.role
        assert passwords.verify(user=user, password=login.password)
    assert service.get(session=session, user_id=manager) is not None


def test_running_again_replaces_the_passwords_and_adds_no_one(session: Session) -> None:
    first = {login.role: login for login in create_demo_logins(session=session)}
    again = {login.role: login for login in create_demo_logins(session=session)}
    assert set(first) == set(again) == {Role.ADMIN, Role.MARKETING}
    assert len(service.list_users(session=session)) == 2
    admin = service.resolve(session=session, email="admin@brightwave.io")
    assert not passwords.verify(user=admin, password=first[Role.ADMIN].password)
    assert passwords.verify(user=admin, password=again[Role.ADMIN].password)
