"""The lead page's forms: each stage move through the lifecycle service the API's route
calls. A move the lifecycle or the viewer's role does not allow answers the lead page again
with the status the API would give (409, 403, 422) and the moves that are allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.api.errors import RequestProblem
from leadflow.api.stage_schemas import (
    Disqualification,
    Evidence,
    Loss,
    OpportunityCreate,
    Rejection,
)
from leadflow.config import Settings
from leadflow.errors import InvalidInputError, LeadflowError, NotFoundError
from leadflow.leads.models import Lead
from leadflow.lifecycle import opportunities, service
from leadflow.lifecycle.actors import NotAllowedError
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.stages import IllegalTransition
from leadflow.users.models import User
from leadflow.web.deps import PageLeadDep, ViewerDep
from leadflow.web.lead_page import lead_context
from leadflow.web.templating import redirect, render

router = APIRouter()
Text = Annotated[str | None, Form(max_length=4_000)]
# The form that sent a move from the rep's queue: answered with the queue item's fragment.
QUEUE_FORM = "queue"


def _statuses(exc: LeadflowError) -> int:
    if isinstance(exc, IllegalTransition):
        return 409
    if isinstance(exc, NotAllowedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    return 422


def _validated(schema: Any, **values: Any) -> Any:
    try:
        return schema.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "form"
        raise InvalidInputError(f"{field}: {first['msg']}") from exc


def _amount(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError as exc:
        raise InvalidInputError(f"amount {text!r}: not a number") from exc


Mover = Callable[[Session, Lead, User, Settings, dict[str, Any]], object]

MOVES: dict[str, Mover] = {
    "mql": lambda s, lead, by, st, form: handoff(session=s, lead=lead, by=by, settings=st),
    "accept": lambda s, lead, by, st, form: service.accept_lead(
        session=s, lead=lead, by=by, settings=st
    ),
    "reject": lambda s, lead, by, st, form: service.reject_lead(
        session=s,
        lead=lead,
        reason=_validated(Rejection, reason=form["reason"]).reason,
        by=by,
        settings=st,
    ),
    "qualify": lambda s, lead, by, st, form: service.qualify_lead(
        session=s,
        lead=lead,
        evidence=_validated(
            Evidence, **{k: form[k] for k in ("need", "budget", "authority", "timeline")}
        ).model_dump(),
        by=by,
        settings=st,
    ),
    "disqualify": lambda s, lead, by, st, form: service.disqualify_lead(
        session=s,
        lead=lead,
        reason=_validated(Disqualification, reason=form["reason"]).reason,
        by=by,
        settings=st,
    ),
    "opportunity": lambda s, lead, by, st, form: opportunities.open_opportunity(
        session=s,
        lead=lead,
        amount=_validated(OpportunityCreate, amount=_amount(form["amount"])).amount,
        currency=form["currency"] or None,
        by=by,
        settings=st,
    ),
    "won": lambda s, lead, by, st, form: opportunities.mark_won(
        session=s, lead=lead, by=by, settings=st
    ),
    "lost": lambda s, lead, by, st, form: opportunities.mark_lost(
        session=s,
        lead=lead,
        reason=_validated(Loss, reason=form["reason"]).reason,
        by=by,
        settings=st,
    ),
}


@router.post("/leads/{lead_id}/{verb}")
def move_lead(
    request: Request,
    verb: str,
    lead: PageLeadDep,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    reason: Text = None,
    need: Text = None,
    budget: Text = None,
    authority: Text = None,
    timeline: Text = None,
    amount: Annotated[str | None, Form(max_length=40)] = None,
    currency: Annotated[str | None, Form(max_length=3)] = None,
    sent_from: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """Make the move `verb` (accept, reject, qualify, ...) and show the lead again."""
    mover = MOVES.get(verb)
    if mover is None:
        raise RequestProblem(404, f"no move {verb!r}; moves: {', '.join(MOVES)}")
    form = {
        "reason": reason,
        "need": need,
        "budget": budget,
        "authority": authority,
        "timeline": timeline,
        "amount": amount,
        "currency": currency,
    }
    from_queue = sent_from == QUEUE_FORM and request.headers.get("HX-Request") == "true"
    try:
        # A savepoint: nothing of a refused move is kept, and the page is read again.
        with session.begin_nested():
            mover(session, lead, viewer.user, settings, form)
    except LeadflowError as exc:
        status, message = _statuses(exc), str(exc)
        if from_queue:
            return render(request, "queue_error.html.j2", lead=lead, error=message)
        context = lead_context(session=session, settings=settings, lead=lead, viewer=viewer)
        return render(request, "lead.html.j2", status=status, **(context | {"error": message}))
    if from_queue:
        return render(request, "queue_done.html.j2", lead=lead, verb=verb)
    return redirect(request, "/queue" if sent_from == QUEUE_FORM else f"/leads/{lead.id}")
