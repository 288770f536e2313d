"""Emitting an event writes one delivery per interested subscription, inside the transaction."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from leadflow.webhooks.outbox import emit


def _subscribe(session: Session, *types: str, active: bool = True) -> WebhookSubscription:
    subscription = WebhookSubscription(
        url="http://127.0.0.1:9/hook", event_types=list(types), secret_salt="s", active=active
    )
    session.add(subscription)
    session.flush()
    return subscription


def test_fans_out_to_interested_active_subscriptions(session: Session) -> None:
    wants_mql = _subscribe(session, "lead.mql")
    wants_all = _subscribe(session, "*")
    _subscribe(session, "opportunity.won")
    _subscribe(session, "lead.mql", active=False)
    deliveries = emit(session=session, event_type="lead.mql", data={"lead_id": 7}, lead_id=7)
    session.commit()
    assert sorted(d.subscription_id for d in deliveries) == sorted([wants_mql.id, wants_all.id])
    stored = session.scalars(select(WebhookDelivery)).all()
    assert {d.status for d in stored} == {DeliveryStatus.PENDING}
    assert all(
        d.payload["type"] == "lead.mql" and d.payload["data"] == {"lead_id": 7} for d in stored
    )
    assert len({d.message_id for d in stored}) == 2


def test_rolled_back_change_leaves_no_delivery(session: Session) -> None:
    _subscribe(session, "*")
    session.commit()
    emit(session=session, event_type="lead.accepted", data={}, lead_id=1)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_unknown_event_types_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown webhook event type"):
        emit(session=session, event_type="lead.teleported", data={})
