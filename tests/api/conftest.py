"""The API on each test store, and a small world in it: a user of every role with a key,
two reps with a lead each, an unowned lead and an account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.storage.database import transaction
from leadflow.users import keys, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate


@dataclass(frozen=True)
class World:
    """Ids and keys of what the world fixture made."""

    tokens: dict[str, str]  # role -> full API key
    user_ids: dict[str, int]  # role, "other-rep" or "target" -> user id
    rep_lead: int  # owned by the sales rep
    other_lead: int  # owned by another rep
    unowned_lead: int
    account: int
    target_key: str  # prefix of a key of the "target" user

    def headers(self, role: str) -> dict[str, str]:
        """Authorization headers acting as this role's user."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


SERVER_SECRET_KEY = "test-server-secret-key-of-at-least-32-characters"


@pytest.fixture(autouse=True)
def server_secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The API under test has a server secret key, as a deployment that signs webhooks
    must; a test about a missing key deletes LEADFLOW_SECRET_KEY before making its app."""
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", SERVER_SECRET_KEY)
    return SERVER_SECRET_KEY


@pytest.fixture
def app(db_url: str) -> FastAPI:
    """The API on the test store."""
    return create_app(load_settings(database_url=db_url))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client through the whole HTTP stack, lifespan included."""
    with TestClient(app) as client:
        yield client


def make_user(session: Session, email: str, role: Role) -> int:
    """A user's id, created with this role."""
    user_in = UserCreate(email=email, name=email.split("@")[0], role=role)
    return service.create(session=session, user_in=user_in).id


@pytest.fixture
def world(app: FastAPI) -> World:
    """Users of every role with a key each, leads of two reps and one unowned, an account."""
    tokens: dict[str, str] = {}
    user_ids: dict[str, int] = {}
    with transaction(app.state.engine) as session:
        for role in Role:
            user_ids[role.value] = make_user(session, f"{role.value}@acme.test", role)
            tokens[role.value] = keys.create(session=session, user_id=user_ids[role.value])[1]
        user_ids["other-rep"] = make_user(session, "other-rep@acme.test", Role.SALES)
        user_ids["target"] = make_user(session, "target@acme.test", Role.SALES)
        target_key, _ = keys.create(session=session, user_id=user_ids["target"], name="t")
        account = Account(domain="acme.test", name="Acme")
        session.add(account)
        session.flush()
        leads = [
            Lead(email="own@buyer.test", owner_id=user_ids["sales"], account_id=account.id),
            Lead(email="other@buyer.test", owner_id=user_ids["other-rep"]),
            Lead(email="nobody@buyer.test"),
        ]
        session.add_all(leads)
        session.flush()
        return World(
            tokens=tokens,
            user_ids=user_ids,
            rep_lead=leads[0].id,
            other_lead=leads[1].id,
            unowned_lead=leads[2].id,
            account=account.id,
            target_key=target_key.prefix,
        )
