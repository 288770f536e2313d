"""How the demo's reps work an MQL: what they do, by the hidden truth, and how long it takes.

A plan is drawn once per handoff from the lead's own random stream, so it does not depend on
what happens to other leads. Delays are business time on the lead's team calendar (the one
its SLA clock runs on): most reps answer within hours, some take days and breach the MQL SLA.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from leadflow.demo.models import DemoTruth
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine

# The random stream of the sales floor, after the world's own streams (world._*_STREAM).
_SALES_STREAM = 4
# Why a tire-kicker is thrown out, by who they really are.
_DISQUALIFY_REASONS = {
    "student": "student",
    "competitor": "competitor",
    "job_seeker": "job_seeker",
    "disposable": "junk",
}
_LOST_REASONS = ("price", "competitor", "no_decision", "timing", "product_fit")
_LOST_WEIGHTS = (0.3, 0.25, 0.25, 0.12, 0.08)


@dataclass(frozen=True)
class Step:
    """One thing a rep does, `after` this much business time since the step before."""

    verb: str  # accept, reject, disqualify, qualify, opportunity, won, lost
    after: timedelta
    reason: str | None = None
    evidence: dict[str, str] | None = None
    amount: float | None = None


@dataclass(frozen=True)
class RepPlan:
    """The steps for one MQL, and how fast a rep answers a lead passed on by escalation."""

    steps: tuple[Step, ...]
    escalated_response: timedelta


def lead_stream(seed: int, email: str, cycle: int) -> np.random.Generator:
    """The lead's own sales stream: keyed by e-mail, so ids and other leads do not matter."""
    key = int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big")
    sequence = np.random.SeedSequence(seed, spawn_key=(_SALES_STREAM, key, cycle))
    return np.random.Generator(np.random.PCG64(sequence))


def _hours(rng: np.random.Generator, median: float, sigma: float) -> timedelta:
    return timedelta(seconds=round(median * 3600 * rng.lognormal(0.0, sigma)))


def first_response(rng: np.random.Generator) -> timedelta:
    """Time to accept or reject an MQL: within hours mostly, a fifth take a day or more."""
    u = rng.random()
    if u < 0.45:
        return _hours(rng, 0.75, 0.6)
    if u < 0.8:
        return _hours(rng, 2.5, 0.4)
    return _hours(rng, 10.0, 0.6)


def _reason(machine: StageMachine, role: str, wanted: str) -> str:
    """`wanted` if the deployment lists it for the side stage, else its first reason."""
    reasons = machine.reasons_for(machine.name(role))
    return wanted if wanted in reasons else reasons[0]


def _nurture_reason(rng: np.random.Generator, truth: DemoTruth) -> str:
    if rng.random() < 0.1:
        return "no_response"
    if truth.hidden_fit < 0.4:
        return "wrong_person" if rng.random() < 0.5 else "no_budget_now"
    return ("not_ready", "no_project", "bad_timing")[int(rng.integers(3))]


def _evidence(lead: Lead, truth: DemoTruth, amount: float) -> dict[str, str]:
    """What the rep heard on the call, in BANT terms."""
    who = lead.title or "the contact"
    company = lead.company or "their company"
    quarter = (truth.intent_peak_at.month - 1) // 3 + 1
    return {
        "need": f"{company} is replacing spreadsheets and scripts its {lead.persona} team "
        "maintains by hand",
        "budget": f"about ${amount:,.0f} set aside for a data platform this year",
        "authority": f"{who} owns the decision and signs with finance",
        "timeline": f"wants to go live by Q{quarter} {truth.intent_peak_at.year}",
    }


def _deal_amount(rng: np.random.Generator, truth: DemoTruth) -> float:
    if truth.opportunity_amount:
        return truth.opportunity_amount
    # A buyer on free mail has no company on file: price it as a small team.
    return float(max(round(8_000 * rng.lognormal(0.0, 0.35) / 500) * 500, 2_500))


def _after(steps: list[Step], respond: timedelta, work: timedelta) -> timedelta:
    # Without an accept step the rep's first answer and the work after it are one delay.
    return work if steps else respond + work


def plan_for(
    *, lead: Lead, truth: DemoTruth, rng: np.random.Generator, machine: StageMachine
) -> RepPlan:
    """What the owner of a fresh MQL will do, by who the lead really is."""
    respond = first_response(rng)
    escalated = _hours(rng, 1.0, 0.5)
    if truth.profile in _DISQUALIFY_REASONS:
        reason = _reason(machine, "disqualified", _DISQUALIFY_REASONS[truth.profile])
        return RepPlan((Step("disqualify", respond, reason),), escalated)
    # A real buyer is sometimes unreachable; a non-buyer sometimes gets a first call anyway.
    accepted = rng.random() < (0.94 if truth.would_accept else 0.08)
    if not accepted:
        reason = _reason(machine, "nurture", _nurture_reason(rng, truth))
        return RepPlan((Step("reject", respond, reason),), escalated)
    # A deployment without SAL goes straight from the call to qualifying or recycling.
    steps = [] if "sal" in machine.config.skip else [Step("accept", respond)]
    if not truth.would_qualify:
        reason = _reason(machine, "nurture", _nurture_reason(rng, truth))
        steps.append(Step("reject", _after(steps, respond, _hours(rng, 24.0, 0.6)), reason))
        return RepPlan(tuple(steps), escalated)
    amount = _deal_amount(rng, truth)
    evidence = _evidence(lead, truth, amount)
    steps.append(Step("qualify", _after(steps, respond, _hours(rng, 20.0, 0.6)), evidence=evidence))
    if not truth.would_open_opportunity:
        reason = _reason(machine, "nurture", "bad_timing" if rng.random() < 0.6 else "no_project")
        steps.append(Step("reject", _hours(rng, 80.0, 0.5), reason))
        return RepPlan(tuple(steps), escalated)
    steps.append(Step("opportunity", _hours(rng, 32.0, 0.5), amount=amount))
    cycle = _hours(rng, 240.0, 0.5)
    if truth.would_win:
        steps.append(Step("won", cycle))
    else:
        lost = str(rng.choice(_LOST_REASONS, p=_LOST_WEIGHTS))
        steps.append(Step("lost", cycle, _reason(machine, "lost", lost)))
    return RepPlan(tuple(steps), escalated)
