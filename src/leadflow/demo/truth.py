"""What a demo lead would do if sales called: accept, qualify, open an opportunity, win."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np

from leadflow.demo.accounts import AccountBook
from leadflow.demo.intent import Intent
from leadflow.demo.people import Person
from leadflow.demo.world import TIRE_KICKERS, WorldSpec

# Typical first-year contract by segment, and the company size it is typical for.
_CONTRACT = {"SMB": (8_000.0, 60), "mid-market": (28_000.0, 600), "enterprise": (85_000.0, 6_000)}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def readiness(fit: float, intent: float) -> float:
    """How ready to buy a lead is at its peak: intent matters most, fit scales it."""
    return intent * (0.35 + 0.65 * fit)


def draw_truth(
    *,
    spec: WorldSpec,
    book: AccountBook,
    person: Person,
    intent: Intent,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """The lead's demo_truth row (without lead_id): each step only if the one before holds.

    Tire-kickers never accept: a rep who calls them learns there is nothing to sell.
    """
    u = rng.random(4)
    fit, ready = person.hidden_fit, readiness(person.hidden_fit, intent.height)
    tire_kicker = person.profile in TIRE_KICKERS
    accept = not tire_kicker and u[0] < _sigmoid(18.0 * (ready - 0.48))
    # Qualifying needs budget and authority as well as need: fit weighs more here.
    qualify = accept and u[1] < _sigmoid(8.0 * (0.6 * fit + 0.4 * intent.height - 0.6))
    opportunity = qualify and u[2] < 0.5 + 0.3 * fit
    win = opportunity and u[3] < 0.06 + 0.45 * fit * intent.height
    amount = None
    if opportunity and person.employer is not None:
        company = book.rows[person.employer]
        typical, size = _CONTRACT[company["segment"]]
        scale = (company["employees"] / size) ** 0.25 * rng.lognormal(0.0, 0.35)
        amount = float(max(round(typical * scale / 500) * 500, 2_500))
    peak_seconds = round(intent.peak_day * 86_400)
    return {
        "profile": person.profile,
        "hidden_fit": round(fit, 4),
        "peak_intent": round(intent.height, 4),
        "intent_peak_at": spec.starts_at + timedelta(seconds=peak_seconds),
        "would_accept": bool(accept),
        "would_qualify": bool(qualify),
        "would_open_opportunity": bool(opportunity),
        "opportunity_amount": amount,
        "would_win": bool(win),
    }
