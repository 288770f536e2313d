"""Opportunities: opened from an SQL with an amount, closed by won or lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.actors import Actor
from leadflow.lifecycle.models import Opportunity, OpportunityStatus, StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.lifecycle.transitions import change_stage
from leadflow.users.models import User


def open_opportunity_of(*, session: Session, lead: Lead) -> Opportunity | None:
    """The lead's open opportunity in its current cycle, if any."""
    return session.scalars(
        select(Opportunity).where(
            Opportunity.lead_id == lead.id,
            Opportunity.cycle == lead.cycle,
            Opportunity.status == OpportunityStatus.OPEN,
        )
    ).first()


def open_opportunity(
    *,
    session: Session,
    lead: Lead,
    amount: float,
    currency: str | None = None,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> Opportunity:
    """sql -> opportunity, with the deal's amount (above 0) and currency."""
    settings = settings or load_settings()
    currency = (currency or settings.lifecycle.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInputError(f"currency {currency!r}: use a 3-letter code such as USD")
    opportunity = Opportunity(lead_id=lead.id, amount=amount, currency=currency)
    change = change_stage(
        session=session,
        lead=lead,
        to_stage=StageMachine(settings.lifecycle).name("opportunity"),
        verb="opportunity",
        actor=Actor.of(by=by, via=via),
        event_type="opportunity.created",
        at=at,
        settings=settings,
        amount=amount,
        score_snapshot=score_snapshot,
        event_data={"opportunity": {"amount": amount, "currency": currency}},
    )
    opportunity.cycle, opportunity.owner_id = lead.cycle, lead.owner_id
    opportunity.opened_at = change.changed_at
    session.add(opportunity)
    session.flush()
    return opportunity


def _summary(opportunity: Opportunity | None, won: bool) -> dict[str, Any] | None:
    if opportunity is None:
        return None
    return {
        "id": opportunity.id,
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "status": OpportunityStatus.WON if won else OpportunityStatus.LOST,
    }


def _close(
    *,
    session: Session,
    lead: Lead,
    won: bool,
    reason: str | None,
    actor: Actor,
    at: datetime | None,
    settings: Settings,
    score_snapshot: dict[str, Any] | None,
) -> StageChange:
    machine = StageMachine(settings.lifecycle)
    opportunity = open_opportunity_of(session=session, lead=lead)
    change = change_stage(
        session=session,
        lead=lead,
        to_stage=machine.name("customer" if won else "lost"),
        verb="won" if won else "lost",
        actor=actor,
        event_type="opportunity.won" if won else "opportunity.lost",
        at=at,
        settings=settings,
        reason=reason,
        score_snapshot=score_snapshot,
        event_data={"opportunity": _summary(opportunity, won)},
    )
    if opportunity is not None:
        opportunity.status = OpportunityStatus.WON if won else OpportunityStatus.LOST
        opportunity.closed_at = change.changed_at
        opportunity.lost_reason = None if won else reason
        session.flush()
    return change


def mark_won(
    *,
    session: Session,
    lead: Lead,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """opportunity -> customer; the opportunity is closed as won."""
    return _close(
        session=session,
        lead=lead,
        won=True,
        reason=None,
        actor=Actor.of(by=by, via=via),
        at=at,
        settings=settings or load_settings(),
        score_snapshot=score_snapshot,
    )


def mark_lost(
    *,
    session: Session,
    lead: Lead,
    reason: str,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """opportunity -> lost, with a configured reason; the opportunity is closed as lost."""
    return _close(
        session=session,
        lead=lead,
        won=False,
        reason=reason,
        actor=Actor.of(by=by, via=via),
        at=at,
        settings=settings or load_settings(),
        score_snapshot=score_snapshot,
    )
