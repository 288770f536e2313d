"""The `[scoring.predictive]` settings: what training may use, how much it needs, bands."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PredictiveConfig(BaseModel):
    """How trained models are built and how their probabilities are banded."""

    model_config = ConfigDict(extra="forbid")

    # Attributes never used as features (e.g. fields sales fill in after talking to a lead),
    # by the scoring language's names: `budget`, `account.arr`.
    exclude: list[str] = Field(default_factory=list)
    min_positives: int = Field(default=100, ge=1)
    min_negatives: int = Field(default=100, ge=1)
    # Training rows: every lead at prediction times this many days apart, at most this many.
    snapshot_every_days: int = Field(default=30, ge=1, le=365)
    max_snapshots: int = Field(default=12, ge=1, le=120)
    # Probability at or above which a lead is in band A, B, C; below the last is D.
    bands: list[float] = Field(default_factory=lambda: [0.4, 0.2, 0.08])

    @field_validator("bands")
    @classmethod
    def _descending(cls, value: list[float]) -> list[float]:
        if len(value) != 3 or not all(0 < v < 1 for v in value) or value != sorted(value)[::-1]:
            raise ValueError("three probabilities between 0 and 1, highest first (A, B, C)")
        return value


class ScoringConfig(BaseModel):
    """The `[scoring]` section: settings of the scoring models."""

    model_config = ConfigDict(extra="forbid")

    predictive: PredictiveConfig = Field(default_factory=PredictiveConfig)
