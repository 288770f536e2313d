"""The stage machine: which moves are legal from each stage, and what each move needs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from leadflow.errors import InvalidInputError
from leadflow.lifecycle.config import CORE_FORWARD, SIDE_STAGES, LifecycleConfig


class IllegalTransition(InvalidInputError):
    """A stage change that the lifecycle does not allow from where the lead is."""


# The verb a person uses for a move into a stage with this role (the CLI command names).
MOVE_VERBS = {
    "mql": "mql",
    "sal": "accept",
    "sql": "qualify",
    "opportunity": "opportunity",
    "customer": "won",
    "nurture": "reject",
    "disqualified": "disqualify",
    "lost": "lost",
}


@dataclass(frozen=True)
class StageMachine:
    """Stages by name (as stored), built once from `[lifecycle]`; pure, no database."""

    config: LifecycleConfig = field(default_factory=LifecycleConfig)

    @property
    def forward(self) -> tuple[str, ...]:
        """The forward stages in order, skipped ones left out, by stored name."""
        return tuple(self.name(s) for s in self.config.stages if s not in self.config.skip)

    @property
    def side(self) -> tuple[str, ...]:
        """The side stages: nurture, disqualified and lost, by stored name."""
        return tuple(self.name(s) for s in SIDE_STAGES)

    @property
    def all_stages(self) -> tuple[str, ...]:
        """Every stage a lead can be in."""
        return self.forward + self.side

    def name(self, role: str) -> str:
        """The stored name of a built-in stage role (or an extra stage's own name)."""
        return self.config.rename.get(role, role)

    def role(self, stage: str) -> str | None:
        """The built-in role a stored stage name plays; None for an extra stage."""
        for role in (*CORE_FORWARD, *SIDE_STAGES):
            if self.name(role) == stage:
                return role
        return None

    def _index(self, role: str) -> int:
        return self.forward.index(self.name(role))

    @property
    def awaiting_sales(self) -> tuple[str, ...]:
        """Open stages a rep has yet to qualify (mql up to sql): what counts against capacity."""
        return self.forward[self._index("mql") : self._index("sql")]

    @property
    def terminal(self) -> tuple[str, ...]:
        """Stages a lead never leaves."""
        return (self.name("customer"), self.name("disqualified"), self.name("lost"))

    def moves_from(self, stage: str) -> dict[str, str]:
        """Legal next stages from `stage`, each with the verb that makes the move."""
        moves: dict[str, str] = {}
        forward = self.forward
        nurture, mql = self.name("nurture"), self.name("mql")
        opportunity = self._index("opportunity")
        if stage == nurture:
            moves[mql] = "mql"
            moves[self.name("disqualified")] = "disqualify"
            return moves
        if stage not in forward or stage in self.terminal:
            return moves
        at = forward.index(stage)
        following = forward[at + 1]
        moves[following] = MOVE_VERBS.get(self.role(following) or "", "advance")
        if self._index("mql") <= at < opportunity:
            moves[nurture] = "reject"
        if at < opportunity:
            moves[self.name("disqualified")] = "disqualify"
        else:
            moves[self.name("lost")] = "lost"
        return moves

    def describe_moves(self, stage: str) -> str:
        """A sentence naming what a person may do from `stage`."""
        moves = self.moves_from(stage)
        if not moves:
            return f"'{stage}' is final: no move is allowed from it"
        listed = ", ".join(f"{verb} (-> {to})" for to, verb in moves.items())
        return f"allowed from '{stage}': {listed}"

    def reasons_for(self, stage: str) -> list[str]:
        """The configured reasons for entering a side stage; empty for other stages."""
        role = self.role(stage)
        return list(self.config.reasons.get(role, [])) if role in SIDE_STAGES else []

    def starts_new_cycle(self, from_stage: str | None, to_stage: str) -> bool:
        """True for nurture -> mql: a recycled lead qualifying again."""
        return from_stage == self.name("nurture") and to_stage == self.name("mql")

    def check(
        self,
        from_stage: str,
        to_stage: str,
        *,
        reason: str | None = None,
        evidence: Mapping[str, str | None] | None = None,
        amount: float | None = None,
        any_reason: bool = False,
    ) -> None:
        """Raise IllegalTransition (or InvalidInputError) unless this move may happen;
        `any_reason` accepts a reason outside the configured list (a scoring rule's name)."""
        if to_stage not in self.moves_from(from_stage):
            if to_stage not in self.all_stages:
                raise IllegalTransition(
                    f"unknown stage '{to_stage}'; stages: {', '.join(self.all_stages)}"
                )
            raise IllegalTransition(
                f"cannot move from '{from_stage}' to '{to_stage}'; "
                + self.describe_moves(from_stage)
            )
        reasons = self.reasons_for(to_stage)
        if reasons and not (reason and any_reason) and reason not in reasons:
            given = f"'{reason}' is not a configured reason" if reason else "a reason is required"
            raise InvalidInputError(
                f"moving to '{to_stage}': {given}; use one of {', '.join(reasons)}"
            )
        role = self.role(to_stage)
        if role == "sql":
            stated = {k: (v or "").strip() for k, v in (evidence or {}).items()}
            missing = [k for k in self.config.required_evidence if not stated.get(k)]
            if missing:
                raise InvalidInputError(
                    f"qualifying to '{to_stage}' needs evidence from a conversation: "
                    f"missing {', '.join(missing)}"
                )
        if role == "opportunity" and (amount is None or not math.isfinite(amount) or amount <= 0):
            raise InvalidInputError(f"opening an opportunity needs an amount above 0, got {amount}")
