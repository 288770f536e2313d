"""A small world for lifecycle tests: users, accounts, leads, a catch-all webhook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

# A Monday afternoon, inside business hours in UTC.
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@dataclass
class World:
    """Factories over one session; every lead is created a day before T0."""

    session: Session

    def user(self, email: str, role: str = "sales", **fields: Any) -> User:
        user = User(email=email, name=email.split("@")[0].title(), role=role, **fields)
        self.session.add(user)
        self.session.flush()
        return user

    def account(self, domain: str, **fields: Any) -> Account:
        account = Account(domain=domain, name=domain.split(".")[0].title(), **fields)
        self.session.add(account)
        self.session.flush()
        return account

    def lead(self, email: str, **fields: Any) -> Lead:
        born = T0 - timedelta(days=1)
        fields = {"created_at": born, "stage_changed_at": born} | fields
        lead = Lead(email=email, **fields)
        self.session.add(lead)
        self.session.flush()
        return lead

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if event_type:
            query = query.where(WebhookDelivery.event_type == event_type)
        return [d.payload for d in self.session.scalars(query)]


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    """A world with one subscription to every event, so emitted events can be counted."""
    session.add(WebhookSubscription(url="http://127.0.0.1:9/", event_types=["*"], secret_salt="s"))
    session.flush()
    yield World(session)


def make_settings(**sections: Any) -> Settings:
    """Settings with the given sections, everything else default."""
    return Settings(database_url="sqlite://", time_zone="UTC", **sections)


@pytest.fixture
def settings_with() -> Any:
    """A function building Settings from sections, e.g. settings_with(sla={...})."""
    return make_settings


@pytest.fixture
def settings() -> Settings:
    """Default lifecycle, routing and SLA settings, UTC business hours."""
    return make_settings()
