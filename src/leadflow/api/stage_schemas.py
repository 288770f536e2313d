"""What the stage-action routes take and answer: reasons, evidence, deals, moves, history
and the handoff brief."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, Strict, StringConstraints

from leadflow.lifecycle.config import DEFAULT_REASONS
from leadflow.users.schemas import storable


def _reason(side: str) -> Any:
    defaults = ", ".join(DEFAULT_REASONS[side])
    return Field(
        description=f"One of the configured `[lifecycle] reasons.{side}` (default: {defaults}).",
        examples=[DEFAULT_REASONS[side][0]],
    )


Reason = Annotated[str, storable(100, 1)]
EvidenceText = Annotated[str, storable(4_000)]


class Rejection(BaseModel):
    """Why a lead goes back to nurture."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Reason, _reason("nurture")]


class Disqualification(BaseModel):
    """Why a lead is disqualified for good."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Reason, _reason("disqualified")]


class Loss(BaseModel):
    """Why an opportunity was lost."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Reason, _reason("lost")]


class Evidence(BaseModel):
    """What the conversation established (BANT); `[lifecycle] required_evidence` says which
    of them must be given (default: all four)."""

    model_config = ConfigDict(extra="forbid")

    need: EvidenceText | None = Field(default=None, description="The need or pain described.")
    budget: EvidenceText | None = Field(default=None, description="What budget exists.")
    authority: EvidenceText | None = Field(default=None, description="Who decides.")
    timeline: EvidenceText | None = Field(default=None, description="When they will decide.")


class OpportunityCreate(BaseModel):
    """The deal an SQL becomes."""

    model_config = ConfigDict(extra="forbid")

    amount: Annotated[float, Strict(), Field(gt=0, le=1e15, allow_inf_nan=False)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = Field(
        default=None, description="3-letter code; default `[lifecycle] currency` (USD)."
    )


class StageChangeRead(BaseModel):
    """One move in a lead's stage history."""

    model_config = ConfigDict(from_attributes=True)

    changed_at: datetime = Field(validation_alias=AliasChoices("changed_at", "at"))
    cycle: int
    from_stage: str | None = Field(validation_alias=AliasChoices("from_stage", "from"))
    to_stage: str = Field(validation_alias=AliasChoices("to_stage", "to"))
    actor_type: str = Field(description="rule, model, user, api_key, import or system.")
    actor: str | None = Field(description="The rule, model version, user's e-mail or key.")
    reason: str | None


class HistoryEntry(StageChangeRead):
    """A move with the grade at the time and, for a qualification, its evidence."""

    grade: str | None = Field(default=None, validation_alias=AliasChoices("grade", "score"))
    evidence: dict[str, str | None] | None = None


class OpportunityRead(BaseModel):
    """A deal opened from a qualified lead."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle: int
    amount: float
    currency: str
    status: str
    opened_at: datetime


class StageMove(BaseModel):
    """Where a lead stands after a move, and the move as the history records it."""

    lead_id: int
    stage: str
    cycle: int
    owner_id: int | None
    change: StageChangeRead
    opportunity: OpportunityRead | None = None


class BriefScore(BaseModel):
    """The lead's score when the brief was made, with its largest reasons."""

    fit: float | None
    engagement: float | None
    grade: str | None
    model_version: str | None
    top_reasons: list[dict[str, Any]]


class BriefActivity(BaseModel):
    """One thing the lead did."""

    type: str
    occurred_at: datetime
    title: str | None
    source: str | None
    campaign: str | None


class Brief(BaseModel):
    """What marketing knows, for the rep's first conversation."""

    lead: dict[str, Any]
    account: dict[str, Any] | None
    acquisition: dict[str, str | None]
    score: BriefScore | None
    last_activities: list[BriefActivity]
    content_consumed: list[BriefActivity]
