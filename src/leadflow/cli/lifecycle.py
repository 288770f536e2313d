"""`leadflow leads accept|reject|qualify|...`: the stage moves sales makes, and the history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.cli.options import DbOption, FormatOption, OutputFormat, settings_for
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import NotFoundError
from leadflow.leads import service as leads
from leadflow.leads.models import Lead
from leadflow.lifecycle import extra_stages, opportunities, service
from leadflow.lifecycle.brief import build_brief
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.history import history_rows
from leadflow.lifecycle.models import Opportunity, StageChange
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.database import open_store, session_factory, transaction
from leadflow.users.models import User

LeadArg = Annotated[str, typer.Argument(help="Lead id or e-mail address.", metavar="ID_OR_EMAIL")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="E-mail of the user acting (a rep may act only on leads they own)."),
]
AtOption = Annotated[
    datetime | None,
    typer.Option(help="When it happened (ISO 8601, UTC if no zone); default now."),
]
ReasonOption = Annotated[str, typer.Option("--reason", "-r", help="A configured reason.")]


def _when(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _user(session: Session, email: str | None) -> User | None:
    if email is None:
        return None
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFoundError(f"--as: no user with e-mail {email!r}")
    return user


@contextmanager
def _acting(db: str | None, id_or_email: str, as_user: str | None) -> Iterator[Any]:
    settings = settings_for(db)
    with transaction(open_store(settings.database_url)) as session:
        lead = leads.resolve(session=session, id_or_email=id_or_email)
        yield session, lead, _user(session, as_user), settings


def _report(session: Session, lead: Lead, change: StageChange) -> None:
    line = f"lead {lead.id} ({lead.email}): {change.from_stage} -> {change.to_stage}"
    line += f" ({change.reason})" if change.reason else ""
    timer = session.scalars(
        select(SlaTimer).where(SlaTimer.lead_id == lead.id, SlaTimer.status == TimerStatus.OPEN)
    ).first()
    line += f"; next deadline {timer.due_at.isoformat()}" if timer else ""
    console.print(line, highlight=False, markup=False)


def _move(
    db: str | None,
    id_or_email: str,
    as_user: str | None,
    at: datetime | None,
    action: Callable[..., Any],
    **kwargs: Any,
) -> None:
    with _acting(db, id_or_email, as_user) as (session, lead, user, settings):
        done = action(
            session=session, lead=lead, by=user, at=_when(at), settings=settings, **kwargs
        )
        if isinstance(done, Opportunity):
            console.print(
                f"lead {lead.id} ({lead.email}): opportunity {done.id} opened, "
                f"{done.amount:,.2f} {done.currency}",
                highlight=False,
                markup=False,
            )
        else:
            _report(session, lead, done)


def handoff_command(
    lead: LeadArg, as_user: AsOption = None, at: AtOption = None, db: DbOption = None
) -> None:
    """Hand a lead to sales by hand (-> mql): routed, SLA clock started, brief sent.

    Example: leadflow leads handoff ann@acme.com --as marketer@example.com
    """
    with _acting(db, lead, as_user) as (session, found, user, settings):
        done = handoff(session=session, lead=found, at=_when(at), settings=settings, by=user)
        _report(session, found, done.change)
        owner = session.get(User, found.owner_id) if found.owner_id else None
        where = f"assigned to {owner.email}" if owner else "left in the team queue"
        console.print(f"{where} ({done.assignment.method if done.assignment else 'no routing'})")


def accept_command(
    lead: LeadArg, as_user: AsOption = None, at: AtOption = None, db: DbOption = None
) -> None:
    """Accept an MQL (-> sal): the rep will work it.

    Example: leadflow leads accept ann@acme.com --as rep@example.com
    """
    _move(db, lead, as_user, at, service.accept_lead)


def reject_command(
    lead: LeadArg,
    reason: ReasonOption,
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Reject or recycle a lead back to nurture, with a reason (e.g. not_ready, no_budget_now).

    Example: leadflow leads reject 42 --reason not_ready --as rep@example.com
    """
    _move(db, lead, as_user, at, service.reject_lead, reason=reason)


def qualify_command(
    lead: LeadArg,
    need: Annotated[str | None, typer.Option(help="The need or pain they described.")] = None,
    budget: Annotated[str | None, typer.Option(help="What budget exists.")] = None,
    authority: Annotated[str | None, typer.Option(help="Who decides.")] = None,
    timeline: Annotated[str | None, typer.Option(help="When they will decide.")] = None,
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Qualify a lead (-> sql) on evidence from a conversation.

    Example: leadflow leads qualify 42 --need "manual reporting" --budget "20k" \
--authority "VP Sales" --timeline "Q3" --as rep@example.com
    """
    evidence = {"need": need, "budget": budget, "authority": authority, "timeline": timeline}
    _move(db, lead, as_user, at, service.qualify_lead, evidence=evidence)


def disqualify_command(
    lead: LeadArg,
    reason: ReasonOption,
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Disqualify a lead for good, with a reason (e.g. student, competitor, no_fit, junk).

    Example: leadflow leads disqualify 42 --reason competitor
    """
    _move(db, lead, as_user, at, service.disqualify_lead, reason=reason)


def opportunity_command(
    lead: LeadArg,
    amount: Annotated[float, typer.Option(help="The deal's expected value.")],
    currency: Annotated[str | None, typer.Option(help="3-letter code.")] = None,
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Open an opportunity for an SQL (-> opportunity), with its amount.

    Example: leadflow leads opportunity 42 --amount 24000 --currency EUR
    """
    _move(db, lead, as_user, at, opportunities.open_opportunity, amount=amount, currency=currency)


def won_command(
    lead: LeadArg, as_user: AsOption = None, at: AtOption = None, db: DbOption = None
) -> None:
    """Mark an opportunity won (-> customer).

    Example: leadflow leads won 42 --as rep@example.com
    """
    _move(db, lead, as_user, at, opportunities.mark_won)


def lost_command(
    lead: LeadArg,
    reason: ReasonOption,
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Mark an opportunity lost (-> lost), with a reason (e.g. price, competitor, timing).

    Example: leadflow leads lost 42 --reason price
    """
    _move(db, lead, as_user, at, opportunities.mark_lost, reason=reason)


def advance_command(
    lead: LeadArg,
    stage: Annotated[str, typer.Argument(help="An extra stage from [lifecycle] stages.")],
    as_user: AsOption = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Move a lead into an extra stage your deployment added (e.g. discovery).

    Example: leadflow leads advance 42 discovery --as rep@example.com
    """
    _move(db, lead, as_user, at, extra_stages.advance_lead, to_stage=stage)


@contextmanager
def _reading(db: str | None, id_or_email: str) -> Iterator[tuple[Session, Lead]]:
    with session_factory(open_store(settings_for(db).database_url))() as session:
        yield session, leads.resolve(session=session, id_or_email=id_or_email)


def brief_command(
    lead: LeadArg, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """Show the handoff brief: facts, source, score reasons, recent activity, content.

    Example: leadflow leads brief ann@acme.com --format json
    """
    with _reading(db, lead) as (session, found):
        brief = build_brief(session=session, lead=found)
        if fmt is OutputFormat.JSON:
            print_record(brief, fmt)
            return
        print_record(brief["lead"] | {"account": brief["account"]}, fmt, title=f"Lead {found.id}")
        print_record(
            brief["acquisition"] | {"score": brief["score"]}, fmt, title="Source and score"
        )
        print_rows(brief["last_activities"], fmt, title="Last activities")
        print_rows(brief["content_consumed"], fmt, title="Content consumed")


def history_command(
    lead: LeadArg, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """Show a lead's stage history: every change with time, actor, reason and evidence.

    Example: leadflow leads history 42 --format json
    """
    with _reading(db, lead) as (session, found):
        rows = history_rows(session=session, lead=found)
        print_rows(rows, fmt, title=f"Stage history of lead {found.id} ({found.email})")
