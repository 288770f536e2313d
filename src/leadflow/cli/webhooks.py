"""`leadflow webhooks`: subscriptions, the delivery outbox, replays and the delivery worker."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated

import httpx
import typer

from leadflow.audit.service import Auditor
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for, settings_for
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.storage.database import session_factory, transaction
from leadflow.storage.times import in_utc
from leadflow.webhooks import service
from leadflow.webhooks.delivery import DeliverySummary
from leadflow.webhooks.models import WebhookSubscription
from leadflow.webhooks.outbox import EVENT_TYPES
from leadflow.webhooks.worker import deliver_all_due, run

app = typer.Typer(help="Send signed webhooks to other systems.", no_args_is_help=True)

SubscriptionId = Annotated[int, typer.Argument(help="Subscription id (see `webhooks list`).")]
LIST_TABLE_COLUMNS = ("id", "url", "events", "active", "description")
# What a person scans; --format json adds the payload, times and the worker.
DELIVERY_TABLE_COLUMNS = (
    "id",
    "subscription_id",
    "event_type",
    "lead_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
)


def _print_with_secret(
    subscription: WebhookSubscription, secret: str, fmt: OutputFormat, *, title: str
) -> None:
    record = service.subscription_summary(subscription)
    if fmt is OutputFormat.JSON:
        print_record(record | {"secret": secret}, fmt)
        return
    print_record(record, fmt, title=title)
    # On a line of its own, never wrapped, so that it can be copied whole.
    console.print(f"secret: {secret}", soft_wrap=True, highlight=False)
    console.print("[yellow]Store the secret now: it is not shown again.[/yellow]")


def _summary_line(summary: DeliverySummary) -> str:
    return (
        f"attempted {summary.attempted}: delivered {summary.delivered}, "
        f"retrying {summary.retrying}, dead {summary.dead}"
    )


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"--since {value!r}: use ISO 8601, e.g. 2026-03-01T09:00Z") from exc
    try:
        return in_utc(parsed)
    except ValueError as exc:
        raise InvalidInputError(f"--since: {exc}") from None


@app.command("add")
def add_command(
    url: Annotated[str, typer.Argument(help="The receiver's http:// or https:// URL.")],
    events: Annotated[
        list[str],
        typer.Option("--events", "-e", help=f"Comma-separated: * or {', '.join(EVENT_TYPES)}."),
    ],
    description: Annotated[str | None, typer.Option(help="What the receiver is.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Subscribe a receiver to event types; prints its signing secret, once.

    Example: leadflow webhooks add https://crm.example.com/hooks --events lead.mql,lead.assigned
    """
    settings = settings_for(db)
    with transaction(engine_for(db)) as session:
        subscription, secret = service.subscribe(
            session=session,
            url=url,
            event_types=[name for item in events for name in item.split(",")],
            server_key=settings.secret_key,
            description=description,
            auditor=Auditor.at_the_command_line(),
        )
    _print_with_secret(subscription, secret, fmt, title=f"Webhook subscription {subscription.id}")


@app.command("list")
def list_command(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """List subscriptions (never their secrets).

    Example: leadflow webhooks list --format json
    """
    with session_factory(engine_for(db))() as session:
        subscriptions = service.list_subscriptions(session=session)
        rows = [service.subscription_summary(s) for s in subscriptions]
    print_rows(rows, fmt, title="Webhook subscriptions", table_columns=LIST_TABLE_COLUMNS)


@app.command("disable")
def disable_command(subscription_id: SubscriptionId, db: DbOption = None) -> None:
    """Stop sending to a subscription; its pending deliveries wait until it is enabled.

    Example: leadflow webhooks disable 3
    """
    with transaction(engine_for(db)) as session:
        service.set_active(
            session=session,
            subscription_id=subscription_id,
            active=False,
            auditor=Auditor.at_the_command_line(),
        )
    console.print(f"subscription {subscription_id} disabled")


@app.command("enable")
def enable_command(subscription_id: SubscriptionId, db: DbOption = None) -> None:
    """Send to a disabled subscription again, its waiting deliveries first.

    Example: leadflow webhooks enable 3
    """
    with transaction(engine_for(db)) as session:
        service.set_active(
            session=session,
            subscription_id=subscription_id,
            active=True,
            auditor=Auditor.at_the_command_line(),
        )
    console.print(f"subscription {subscription_id} enabled")


@app.command("rotate")
def rotate_command(
    subscription_id: SubscriptionId,
    overlap_hours: Annotated[
        float | None,
        typer.Option(help="Hours the old secret keeps signing too (default: configuration)."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Give a subscription a new signing secret; prints it, once.

    Example: leadflow webhooks rotate 3 --overlap-hours 48
    """
    settings = settings_for(db)
    hours = settings.webhooks.rotation_overlap_hours if overlap_hours is None else overlap_hours
    if hours < 0:
        raise InvalidInputError(f"--overlap-hours: must not be negative, got {hours}")
    with transaction(engine_for(db)) as session:
        subscription, secret = service.rotate_secret(
            session=session,
            subscription_id=subscription_id,
            server_key=settings.secret_key,
            overlap=timedelta(hours=hours),
            auditor=Auditor.at_the_command_line(),
        )
    _print_with_secret(subscription, secret, fmt, title=f"Webhook subscription {subscription_id}")


@app.command("deliveries")
def deliveries_command(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    event: Annotated[str | None, typer.Option(help="Event type, e.g. lead.mql.")] = None,
    lead: Annotated[int | None, typer.Option(help="Lead id.")] = None,
    subscription: Annotated[int | None, typer.Option(help="Subscription id.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List deliveries in the outbox, newest first.

    Example: leadflow webhooks deliveries --status dead --event lead.mql
    """
    with session_factory(engine_for(db))() as session:
        deliveries = service.list_deliveries(
            session=session,
            status=status,
            event_type=event,
            lead_id=lead,
            subscription_id=subscription,
            limit=limit,
        )
        rows = [service.delivery_summary(d) for d in deliveries]
    print_rows(rows, fmt, title="Webhook deliveries", table_columns=DELIVERY_TABLE_COLUMNS)


@app.command("replay")
def replay_command(
    delivery_ids: Annotated[list[int] | None, typer.Argument(help="Delivery ids.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead delivery.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Delivered or dead ones created since (ISO 8601, UTC).")
    ] = None,
    subscription: Annotated[int | None, typer.Option(help="Only this subscription's.")] = None,
    db: DbOption = None,
) -> None:
    """Send deliveries again, with the same webhook-id and a fresh attempt count.

    Example: leadflow webhooks replay --dead --since 2026-03-01
    """
    with transaction(engine_for(db)) as session:
        queued = service.replay(
            session=session,
            delivery_ids=delivery_ids or [],
            dead=dead,
            since=_parse_since(since),
            subscription_id=subscription,
            auditor=Auditor.at_the_command_line(),
        )
    console.print(f"queued {len(queued)} deliveries again")


@app.command("run")
def run_command(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between passes (default: configuration).")
    ] = None,
    worker_id: Annotated[str | None, typer.Option(help="Name in delivery records.")] = None,
    db: DbOption = None,
) -> None:
    """Deliver due webhooks until stopped (Ctrl-C); any number of workers may run.

    Example: leadflow webhooks run --once --db postgresql://leadflow@localhost/leadflow
    """
    settings = settings_for(db)
    engine = engine_for(db)
    config = settings.webhooks
    if once:
        with httpx.Client(timeout=config.request_timeout_seconds) as client:
            summary = deliver_all_due(
                engine=engine,
                server_key=settings.secret_key,
                client=client,
                config=config,
                worker_id=worker_id,
            )
        console.print(_summary_line(summary))
        return
    stop_event = threading.Event()
    console.print("delivering webhooks; Ctrl-C stops")
    try:
        run(
            engine=engine,
            server_key=settings.secret_key,
            stop_event=stop_event,
            config=config,
            interval=interval,
            worker_id=worker_id,
            report=lambda summary: console.print(_summary_line(summary)),
        )
    except KeyboardInterrupt:
        stop_event.set()
        console.print("stopped")
