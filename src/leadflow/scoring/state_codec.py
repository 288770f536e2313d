"""A lead's real-time scoring state as JSON, so the next event picks up where the last left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadflow.scoring.engagement import DecayedSum
from leadflow.scoring.events import Event
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.state import EventTally, LeadState

FORMAT = 1


def encode_state(state: LeadState) -> dict[str, Any]:
    """JSON-ready form of a LeadState; exact sums as hex (they outgrow JSON numbers)."""
    return {
        "format": FORMAT,
        "model": state.model.checksum,
        "watermark_us": state.watermark_us,
        "sums": [
            {
                "latest_us": total.latest_us,
                "blocks": [[block, format(units, "x")] for block, units in total.blocks],
            }
            for total in state.sums
        ],
        "tallies": [[tally.settled, list(tally.recent)] for tally in state.tallies],
        "pending": [
            [event.id, event.type, event.occurred_at.isoformat(), dict(event.properties)]
            for event in state.pending
        ],
    }


def decode_state(document: dict[str, Any], model: ScoringModel) -> LeadState | None:
    """The LeadState a document holds, or None when it was made for another model."""
    if document.get("format") != FORMAT or document.get("model") != model.checksum:
        return None
    empty = LeadState.empty(model)
    sums = tuple(
        DecayedSum(
            half_life_us=blank.half_life_us,
            blocks=tuple((block, int(units, 16)) for block, units in saved["blocks"]),
            latest_us=saved["latest_us"],
        )
        for blank, saved in zip(empty.sums, document["sums"], strict=True)
    )
    tallies = tuple(
        EventTally(within_us=blank.within_us, settled=settled, recent=tuple(recent))
        for blank, (settled, recent) in zip(empty.tallies, document["tallies"], strict=True)
    )
    pending = tuple(
        Event(id=i, type=t, occurred_at=datetime.fromisoformat(at), properties=props)
        for i, t, at, props in document["pending"]
    )
    return LeadState(
        model=model,
        watermark_us=document["watermark_us"],
        sums=sums,
        tallies=tallies,
        pending=pending,
    )
