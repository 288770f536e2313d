"""leadflow's condition language: parse once, check against a schema, evaluate or compile.

The Ibis compiler lives in `leadflow.scoring.language.ibis_compiler`, imported only by what
scores in bulk, so the real-time path does not pay for importing Ibis.
"""

from leadflow.scoring.language.checker import check_condition
from leadflow.scoring.language.durations import format_duration, parse_duration
from leadflow.scoring.language.evaluator import evaluate, fold_case, holds
from leadflow.scoring.language.nodes import Condition, EventQuery, event_queries, names
from leadflow.scoring.language.parser import parse_condition
from leadflow.scoring.language.printer import to_text
from leadflow.scoring.language.schema import Schema, Scope, ValueType

__all__ = [
    "Condition",
    "EventQuery",
    "Schema",
    "Scope",
    "ValueType",
    "check_condition",
    "evaluate",
    "event_queries",
    "fold_case",
    "format_duration",
    "holds",
    "names",
    "parse_condition",
    "parse_duration",
    "to_text",
]
