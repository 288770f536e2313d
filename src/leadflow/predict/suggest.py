"""`leadflow model suggest`: write a trained model's scorecard as a scoring model file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from leadflow.config import Settings
from leadflow.predict.registry import load_model
from leadflow.predict.scorecard import (
    HALF_LIFE_DAYS,
    POINTS_TO_DOUBLE_ODDS,
    Scorecard,
    ScorecardRule,
    build_scorecard,
)
from leadflow.predict.scoring import predict_frame
from leadflow.predict.training import training_set
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.model_file import parse_model
from leadflow.storage.database import session_factory


@dataclass(frozen=True)
class Suggestion:
    """The model file's text and the scorecard it writes down."""

    text: str
    scorecard: Scorecard
    source_version: str


def _quoted(text: str) -> str:
    # A JSON string is a valid double-quoted YAML scalar: escapes and all.
    return json.dumps(text, ensure_ascii=False)


def _origin(rule: ScorecardRule, version: str) -> str:
    return (
        f"# from trained model {version}: log-odds {rule.weight:+.3f} in the scorecard "
        f"regression; holds for {rule.share:.0%} of training rows"
    )


def model_text(scorecard: Scorecard, *, version: str, card: dict) -> str:
    """The scoring model file: one commented rule per scorecard condition."""
    lines = [
        f"# Suggested by `leadflow model suggest` from trained model {version}",
        f"# (target {card.get('target')}, {card.get('rows')} training rows). Points: "
        f"{POINTS_TO_DOUBLE_ODDS} per doubling of the odds.",
        f"# The points keep ROC AUC {scorecard.scorecard_auc:.3f} on those rows; the model has "
        f"{scorecard.model_auc:.3f}.",
        "# Review every rule with sales before activating; backtest it first:",
        "#   leadflow model backtest --scoring THIS_FILE",
        f"name: {_quoted(f'Scorecard from trained model {version}')}",
        f"version: {_quoted(f'suggested-{version}')}",
        "fit_rules:",
    ]
    for rule in (r for r in scorecard.rules if r.kind == "fit"):
        lines += [
            f"  {_origin(rule, version)}",
            f"  - name: {_quoted(rule.name)}",
            f"    when: {_quoted(rule.condition)}",
            f"    points: {rule.points}",
        ]
    lines.append("engagement_rules:")
    for rule in (r for r in scorecard.rules if r.kind == "engagement"):
        lines += [
            f"  {_origin(rule, version)}",
            f"  - name: {_quoted(rule.name)}",
            f"    event: {_quoted(rule.condition)}",
            f"    points: {rule.points}",
            f"    half_life: {HALF_LIFE_DAYS}d",
        ]
    fit_a, fit_b, fit_c = scorecard.fit_bands
    eng_1, eng_2, eng_3 = scorecard.engagement_bands
    lines += [
        "# Bands: the top 10 %, 25 % and 50 % of the training rows' points.",
        "fit_bands:",
        f"  A: {fit_a}",
        f"  B: {fit_b}",
        f"  C: {fit_c}",
        "engagement_bands:",
        f"  1: {eng_1}",
        f"  2: {eng_2}",
        f"  3: {eng_3}",
        "# A starting line; pick the real one with `leadflow model threshold`.",
        "mql_criteria: grade in ['A1', 'A2', 'B1']",
    ]
    return "\n".join(lines) + "\n"


def suggest_rule_model(
    *, engine: Engine, settings: Settings, version: str, as_of: datetime | None = None
) -> Suggestion:
    """Rebuild the model's training rows, fit its scorecard, and write it as a checked file."""
    with session_factory(engine)() as session:
        loaded = load_model(session=session, version=version)
        schema = store_schema(session=session)
    card = loaded.card
    data = training_set(
        engine=engine,
        settings=settings,
        target=card["target"],
        horizon=timedelta(days=float(card["horizon_days"])),
        as_of=as_of or datetime.fromisoformat(card["as_of"]),
    )
    probabilities = predict_frame(loaded, data.frame)
    scorecard = build_scorecard(data.frame, data.labels, loaded.spec, probabilities)
    text = model_text(scorecard, version=version, card=card)
    parse_model(text, file=f"suggestion from trained model {version}", schema=schema)
    return Suggestion(text=text, scorecard=scorecard, source_version=version)
