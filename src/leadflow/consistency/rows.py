"""Row-level checks: references that lead nowhere, repeated events, outbox and clock states."""

from __future__ import annotations

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.consistency.problems import Findings
from leadflow.leads.models import Lead
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.registry import metadata
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery


def orphan_rows(*, session: Session, findings: Findings) -> int:
    """Rows whose foreign key names a row that does not exist (SQLite may not enforce it)."""
    checked = 0
    for table in metadata.sorted_tables:
        for key in table.foreign_key_constraints:
            # An alias, so that a table referring to itself (a user's manager) is joined apart.
            target = key.referred_table.alias("referred")
            pairs = [(e.parent, target.c[e.column.name]) for e in key.elements]
            present = and_(*(column.isnot(None) for column, _ in pairs))
            matches = select(target).where(and_(*(ref == column for column, ref in pairs)))
            missing = session.scalar(
                select(func.count()).select_from(table).where(present, ~matches.exists())
            )
            checked += 1
            if missing:
                names = ", ".join(column.name for column, _ in pairs)
                findings.add(
                    "orphan rows",
                    f"{missing} {table.name} row(s) name a missing {target.name} by {names}",
                )
    return checked


def repeated_events(*, session: Session, findings: Findings) -> int:
    """Events stored twice under one event id, deliveries queued twice under one message id."""
    for column, noun in ((Activity.event_id, "event"), (WebhookDelivery.message_id, "message")):
        repeated = session.execute(
            select(column, func.count()).group_by(column).having(func.count() > 1).limit(20)
        ).all()
        for key, count in repeated:
            findings.add("duplicates", f"{noun} id {key!r} is stored {count} times")
    return session.scalar(select(func.count()).select_from(Activity)) or 0


def outbox_states(*, session: Session, findings: Findings) -> int:
    """Every outbox row is delivered (with its time), pending, or dead after an attempt."""
    known = [status.value for status in DeliveryStatus]
    bad = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.status).where(
            or_(
                WebhookDelivery.status.not_in(known),
                and_(
                    WebhookDelivery.status == DeliveryStatus.DELIVERED,
                    WebhookDelivery.delivered_at.is_(None),
                ),
                and_(WebhookDelivery.status == DeliveryStatus.DEAD, WebhookDelivery.attempts < 1),
            )
        )
    ).all()
    for delivery_id, status in bad:
        findings.add("outbox", f"delivery {delivery_id} is {status!r} without what that needs")
    return session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0


def open_clocks(*, session: Session, findings: Findings) -> int:
    """At most one open SLA timer per lead, and only for the stage and cycle it is in."""
    doubled = session.execute(
        select(SlaTimer.lead_id, func.count())
        .where(SlaTimer.status == TimerStatus.OPEN)
        .group_by(SlaTimer.lead_id)
        .having(func.count() > 1)
    ).all()
    for lead_id, count in doubled:
        findings.add("sla timers", f"lead {lead_id} has {count} open timers")
    stale = session.execute(
        select(SlaTimer.id, SlaTimer.lead_id, SlaTimer.stage, Lead.stage)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .where(
            SlaTimer.status == TimerStatus.OPEN,
            not_(and_(SlaTimer.stage == Lead.stage, SlaTimer.cycle == Lead.cycle)),
        )
    ).all()
    for timer_id, lead_id, timer_stage, lead_stage in stale:
        findings.add(
            "sla timers",
            f"timer {timer_id} of lead {lead_id} is open for '{timer_stage}' "
            f"but the lead is in '{lead_stage}'",
        )
    return session.scalar(select(func.count()).select_from(SlaTimer)) or 0
