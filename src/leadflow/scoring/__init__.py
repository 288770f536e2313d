"""Scoring: the model file, the condition language, and fit/engagement/grade/MQL per lead.

Pure: no database. The store and the batch runner build on this API.
"""

from leadflow.scoring.engagement import DecayedSum, reference_rule_value
from leadflow.scoring.errors import ScoringModelError
from leadflow.scoring.events import Event
from leadflow.scoring.language import Schema, ValueType
from leadflow.scoring.model import (
    Bands,
    DisqualifyRule,
    EngagementRule,
    FitRule,
    ScoringModel,
)
from leadflow.scoring.model_file import load_model, parse_model, starter_model_text
from leadflow.scoring.scorer import Contribution, LeadScore, score_lead
from leadflow.scoring.state import LeadState

__all__ = [
    "Bands",
    "Contribution",
    "DecayedSum",
    "DisqualifyRule",
    "EngagementRule",
    "Event",
    "FitRule",
    "LeadScore",
    "LeadState",
    "Schema",
    "ScoringModel",
    "ScoringModelError",
    "ValueType",
    "load_model",
    "parse_model",
    "reference_rule_value",
    "score_lead",
    "starter_model_text",
]
