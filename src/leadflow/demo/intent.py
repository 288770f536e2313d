"""The hidden buying intent of a demo lead: a curve that rises to a peak and fades."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from leadflow.demo.marketing import HAND_RAISERS
from leadflow.demo.people import Person
from leadflow.demo.world import TIRE_KICKERS

# How much more active than a typical lead each tire-kicker is: they have an agenda.
_EAGERNESS = {"student": 1.3, "job_seeker": 1.2, "competitor": 1.4, "disposable": 0.6}


@dataclass(frozen=True)
class Intent:
    """Intent over time: `agenda` drives activity, `height` is real buying intent (0 to 1).

    For buyers and browsers the two are the same curve. Tire-kickers have no buying intent
    but an agenda of their own (a job hunt, an assignment, a look at the competition) that
    rises and fades the same way and makes them just as busy.
    """

    height: float
    agenda: float
    peak_day: float
    rise: float
    fade: float
    level: float

    def at(self, day: float) -> float:
        """The agenda curve's value on a day (days since the world's start)."""
        width = self.rise if day < self.peak_day else self.fade
        return self.agenda * math.exp(-0.5 * ((day - self.peak_day) / width) ** 2)

    def area(self, sharpness: float) -> float:
        """Integral of the curve raised to `sharpness`, with a peak of 1."""
        return math.sqrt(2 * math.pi) / 2 * (self.rise + self.fade) / math.sqrt(sharpness)


def draw_intent(person: Person, rng: np.random.Generator) -> Intent:
    """A lead's intent curve: hand-raisers arrive near their peak, others while researching."""
    draws = rng.random(3)
    if person.source.name in HAND_RAISERS:
        offset = rng.normal(0.0, 5.0)
    else:
        offset = rng.gamma(2.0, 20.0) - 10.0
    if person.profile == "buyer":
        shape = (2.5, 1.8) if person.source.name in HAND_RAISERS else (1.6, 2.4)
        height = float(rng.beta(*shape))
    elif person.profile == "browser":
        height = float(rng.beta(1.0, 7.0))
    else:
        height = 0.0
    agenda = 0.4 + 0.6 * float(draws[0]) if person.profile in TIRE_KICKERS else height
    level = float(rng.gamma(2.0, 0.5)) * _EAGERNESS.get(person.profile, 1.0)
    return Intent(
        height=height,
        agenda=agenda,
        peak_day=person.created_day + float(offset),
        rise=15.0 + 30.0 * float(draws[1]),
        fade=10.0 + 30.0 * float(draws[2]),
        level=level,
    )
