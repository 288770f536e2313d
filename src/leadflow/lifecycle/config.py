"""The `[lifecycle]` settings: stage order, skipped and renamed stages, reasons, evidence."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The stages every deployment has, by role; a deployment may rename them but not drop them
# (except `sal`, which may be skipped).
CORE_FORWARD = ("lead", "mql", "sal", "sql", "opportunity", "customer")
SIDE_STAGES = ("nurture", "disqualified", "lost")
EVIDENCE_KINDS = ("need", "budget", "authority", "timeline")
Evidence = Literal["need", "budget", "authority", "timeline"]

DEFAULT_REASONS: dict[str, list[str]] = {
    "nurture": [
        "not_ready",
        "no_budget_now",
        "wrong_person",
        "no_response",
        "bad_timing",
        "no_project",
    ],
    "disqualified": ["student", "competitor", "no_fit", "duplicate", "junk", "job_seeker"],
    "lost": ["price", "competitor", "no_decision", "timing", "product_fit"],
}


def _all_evidence() -> list[Evidence]:
    return ["need", "budget", "authority", "timeline"]


class LifecycleConfig(BaseModel):
    """Which stages a lead moves through, and what each move needs."""

    model_config = ConfigDict(extra="forbid")

    # Forward stages in order, by role; names that are not roles are extra stages.
    stages: list[str] = Field(default_factory=lambda: list(CORE_FORWARD))
    skip: list[Literal["sal"]] = Field(default_factory=list)
    # Role -> the name stored and shown, e.g. {"sal": "accepted"}.
    rename: dict[str, str] = Field(default_factory=dict)
    # Side stage role -> the reasons a person may give for moving there.
    reasons: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_REASONS))
    required_evidence: list[Evidence] = Field(default_factory=_all_evidence)
    currency: str = Field(default="USD", min_length=3, max_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> LifecycleConfig:
        missing = [role for role in CORE_FORWARD if role not in self.stages]
        if missing:
            raise ValueError(f"stages must include {', '.join(missing)}")
        positions = [self.stages.index(role) for role in CORE_FORWARD]
        if positions != sorted(positions):
            raise ValueError(f"stages must keep the order {' -> '.join(CORE_FORWARD)}")
        if self.stages[0] != "lead" or self.stages[-1] != "customer":
            raise ValueError("stages must start with lead and end with customer")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("stages: a stage is listed twice")
        unknown = sorted(set(self.rename) - set(CORE_FORWARD) - set(SIDE_STAGES))
        if unknown:
            raise ValueError(f"rename: {', '.join(unknown)} is not a built-in stage")
        bad_side = sorted(set(self.reasons) - set(SIDE_STAGES))
        if bad_side:
            raise ValueError(f"reasons: {', '.join(bad_side)} is not one of {SIDE_STAGES}")
        for side in SIDE_STAGES:
            self.reasons.setdefault(side, list(DEFAULT_REASONS[side]))
            if not self.reasons[side]:
                raise ValueError(f"reasons.{side}: list at least one reason")
        names = [self.rename.get(s, s) for s in self.stages] + [
            self.rename.get(s, s) for s in SIDE_STAGES
        ]
        if len(set(names)) != len(names):
            raise ValueError("rename: two stages would have the same name")
        if any(len(name) > 32 or not name.strip() for name in names):
            raise ValueError("stage names must be 1 to 32 characters")
        return self
