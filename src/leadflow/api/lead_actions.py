"""`/leads/{id}/...`: the stage moves people make (accept, reject, qualify, ...), the stage
history and the handoff brief. Who may make which move is the lifecycle's rule
(lifecycle.actors): the route passes the key's user as the actor."""

from __future__ import annotations

from fastapi import APIRouter

from leadflow.api.deps import LeadDep, PrincipalDep, SessionDep, SettingsDep
from leadflow.api.errors import naming_field, problem_responses
from leadflow.api.stage_schemas import (
    Brief,
    Disqualification,
    Evidence,
    HistoryEntry,
    Loss,
    OpportunityCreate,
    OpportunityRead,
    Rejection,
    StageChangeRead,
    StageMove,
)
from leadflow.leads.models import Lead
from leadflow.lifecycle import opportunities, service
from leadflow.lifecycle.brief import build_brief
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.history import history_rows, stage_history
from leadflow.lifecycle.models import Opportunity, StageChange

router = APIRouter(prefix="/leads", tags=["lead actions"])

# Every move may be refused: another rep's lead or a role that may not (403), no such lead
# (404), a move the lead's stage does not allow (409).
_MOVE_ERRORS = problem_responses(403, 404, 409)


def _moved(lead: Lead, change: StageChange, opportunity: Opportunity | None = None) -> StageMove:
    return StageMove(
        lead_id=lead.id,
        stage=lead.stage,
        cycle=lead.cycle,
        owner_id=lead.owner_id,
        change=StageChangeRead.model_validate(change),
        opportunity=OpportunityRead.model_validate(opportunity) if opportunity else None,
    )


@router.post("/{lead_id}/handoff", summary="Hand a lead to sales", responses=_MOVE_ERRORS)
def hand_off(
    lead: LeadDep, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> StageMove:
    """lead or nurture -> mql by hand: routed to a rep, SLA clock started, brief sent."""
    done = handoff(session=session, lead=lead, settings=settings, by=principal.user)
    return _moved(lead, done.change)


@router.post("/{lead_id}/accept", summary="Accept an MQL", responses=_MOVE_ERRORS)
def accept(
    lead: LeadDep, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> StageMove:
    """mql -> sal: the rep will work the lead."""
    change = service.accept_lead(session=session, lead=lead, by=principal.user, settings=settings)
    return _moved(lead, change)


@router.post("/{lead_id}/reject", summary="Reject or recycle to nurture", responses=_MOVE_ERRORS)
def reject(
    lead: LeadDep,
    rejection: Rejection,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StageMove:
    """mql, sal or sql -> nurture with a configured reason; it may become an MQL again."""
    with naming_field("reason"):
        change = service.reject_lead(
            session=session,
            lead=lead,
            reason=rejection.reason,
            by=principal.user,
            settings=settings,
        )
    return _moved(lead, change)


@router.post("/{lead_id}/qualify", summary="Qualify on evidence", responses=_MOVE_ERRORS)
def qualify(
    lead: LeadDep,
    evidence: Evidence,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StageMove:
    """sal -> sql (mql -> sql where SAL is skipped), on evidence from a conversation."""
    with naming_field("evidence"):
        change = service.qualify_lead(
            session=session,
            lead=lead,
            evidence=evidence.model_dump(),
            by=principal.user,
            settings=settings,
        )
    return _moved(lead, change)


@router.post("/{lead_id}/disqualify", summary="Disqualify", responses=_MOVE_ERRORS)
def disqualify(
    lead: LeadDep,
    disqualification: Disqualification,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StageMove:
    """Any stage before opportunity -> disqualified, for good, with a configured reason."""
    with naming_field("reason"):
        change = service.disqualify_lead(
            session=session,
            lead=lead,
            reason=disqualification.reason,
            by=principal.user,
            settings=settings,
        )
    return _moved(lead, change)


@router.post("/{lead_id}/opportunity", summary="Open an opportunity", responses=_MOVE_ERRORS)
def open_opportunity(
    lead: LeadDep,
    deal: OpportunityCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StageMove:
    """sql -> opportunity, with the deal's amount."""
    opportunity = opportunities.open_opportunity(
        session=session,
        lead=lead,
        amount=deal.amount,
        currency=deal.currency,
        by=principal.user,
        settings=settings,
    )
    change = stage_history(session=session, lead=lead)[-1]
    return _moved(lead, change, opportunity)


@router.post("/{lead_id}/won", summary="Mark won", responses=_MOVE_ERRORS)
def won(
    lead: LeadDep, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> StageMove:
    """opportunity -> customer; the opportunity is closed as won."""
    change = opportunities.mark_won(
        session=session, lead=lead, by=principal.user, settings=settings
    )
    return _moved(lead, change)


@router.post("/{lead_id}/lost", summary="Mark lost", responses=_MOVE_ERRORS)
def lost(
    lead: LeadDep,
    loss: Loss,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StageMove:
    """opportunity -> lost, with a configured reason."""
    with naming_field("reason"):
        change = opportunities.mark_lost(
            session=session, lead=lead, reason=loss.reason, by=principal.user, settings=settings
        )
    return _moved(lead, change)


@router.get("/{lead_id}/history", summary="Stage history", responses=problem_responses(403, 404))
def history(lead: LeadDep, session: SessionDep) -> list[HistoryEntry]:
    """Every stage change, oldest first: time, actor, reason, grade, and BANT evidence."""
    return [HistoryEntry.model_validate(row) for row in history_rows(session=session, lead=lead)]


@router.get("/{lead_id}/brief", summary="Handoff brief", responses=problem_responses(403, 404))
def brief(lead: LeadDep, session: SessionDep) -> Brief:
    """Lead and account facts, source, score with top reasons, recent activity and content."""
    return Brief.model_validate(build_brief(session=session, lead=lead))
