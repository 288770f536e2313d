"""Lead: profile, account, score with every rule's points, the brief, the activity timeline,
the stage history, and the moves this viewer may make now; each part from the service the
API's route for it calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.api.activities import lead_activities
from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.api.pagination import CursorText, fetch_page
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.leads.service import lead_profile
from leadflow.lifecycle.actors import Actor, NotAllowedError, check_may_act
from leadflow.lifecycle.brief import build_brief
from leadflow.lifecycle.history import history_rows
from leadflow.lifecycle.stages import StageMachine
from leadflow.scoring import versions
from leadflow.users.access import Access
from leadflow.web.deps import PageLeadDep, ViewerDep
from leadflow.web.templating import render

router = APIRouter()
TIMELINE_PAGE = 50
# The order the moves are offered in, by verb.
_VERB_ORDER = ("mql", "accept", "qualify", "opportunity", "won", "reject", "disqualify", "lost")
VERB_LABELS = {
    "mql": "Hand to sales (MQL)",
    "accept": "Accept",
    "qualify": "Qualify (SQL)",
    "opportunity": "Open an opportunity",
    "won": "Mark won",
    "reject": "Reject to nurture",
    "disqualify": "Disqualify",
    "lost": "Mark lost",
}


@dataclass(frozen=True)
class Move:
    """A stage move the viewer may make now: its verb, target stage and the reasons allowed."""

    verb: str
    to_stage: str
    label: str
    reasons: list[str]


def allowed_moves(*, lead: Lead, viewer: Access, settings: Settings) -> list[Move]:
    """The lifecycle's legal moves from the lead's stage that the viewer's role may make."""
    machine = StageMachine(settings.lifecycle)
    marketing_stages = (machine.name("lead"), machine.name("nurture"))
    actor = Actor.of(by=viewer.user)
    moves = []
    for to_stage, verb in machine.moves_from(lead.stage).items():
        try:
            check_may_act(actor=actor, lead=lead, verb=verb, marketing_stages=marketing_stages)
        except NotAllowedError:
            continue
        label = VERB_LABELS.get(verb, f"Move to {to_stage}")
        moves.append(Move(verb, to_stage, label, machine.reasons_for(to_stage)))
    order = {verb: i for i, verb in enumerate(_VERB_ORDER)}
    return sorted(moves, key=lambda move: order.get(move.verb, len(order)))


def _score_parts(session: Session, explanation: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The explanation split into fit and engagement rules, by the active model's rules."""
    record = versions.active_version(session=session)
    fit_rules: set[str] = set()
    if record is not None:
        fit_rules = {
            rule.name for rule in versions.model_of(session=session, record=record).fit_rules
        }
    parts: dict[str, list[Any]] = {"fit": [], "engagement": []}
    for part in explanation:
        parts["fit" if part["rule"] in fit_rules else "engagement"].append(part)
    return parts


def lead_context(
    *,
    session: Session,
    settings: Settings,
    lead: Lead,
    viewer: Access,
    activities_cursor: str | None = None,
) -> dict[str, Any]:
    """Everything the lead page shows."""
    profile = lead_profile(session=session, lead=lead)
    activities, next_cursor = fetch_page(
        session,
        lead_activities(lead.id),
        sort="occurred_at",
        descending=True,
        cursor=activities_cursor,
        limit=TIMELINE_PAGE,
        columns=Activity,
    )
    return {
        "title": profile["name"] or profile["email"] or f"Lead {lead.id}",
        "lead": lead,
        "profile": profile,
        "parts": _score_parts(session, profile["explanation"]),
        "brief": build_brief(session=session, lead=lead),
        "activities": activities,
        "activities_next": next_cursor,
        "history": history_rows(session=session, lead=lead),
        "moves": allowed_moves(lead=lead, viewer=viewer, settings=settings),
        "evidence_required": list(settings.lifecycle.required_evidence),
        "currency": settings.lifecycle.currency,
        "error": None,
    }


@router.get("/leads/{lead_id}")
def lead_page(
    request: Request,
    lead: PageLeadDep,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    activities: Annotated[CursorText | None, Query()] = None,
) -> Response:
    """One lead; a rep may open only their own (a 403 page for another rep's)."""
    context = lead_context(
        session=session, settings=settings, lead=lead, viewer=viewer, activities_cursor=activities
    )
    return render(request, "lead.html.j2", **context)
