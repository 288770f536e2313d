"""Who makes a stage change, and whether they may: reps act only on the leads they own."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.errors import LeadflowError
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import ActorType
from leadflow.users.models import Role, User


class NotAllowedError(LeadflowError):
    """The acting user may not make this change to this lead."""


@dataclass(frozen=True)
class Actor:
    """The author of a change as the history records it: a type, a name, maybe a user."""

    type: str
    name: str | None
    user: User | None = None

    @classmethod
    def of(cls, *, by: User | None = None, via: str | None = None) -> Actor:
        """A user acting (`by`), maybe through an API key named `via`; neither: the system."""
        if via:
            return cls(ActorType.API_KEY, via, by)
        if by is not None:
            return cls(ActorType.USER, by.email, by)
        return cls(ActorType.SYSTEM, "system", None)


# Moves marketing may make: hand a lead over, or throw junk out before sales has it.
_MARKETING_VERBS = {"mql", "disqualify"}


def check_may_act(
    *, actor: Actor, lead: Lead, verb: str, marketing_stages: tuple[str, ...]
) -> None:
    """Raise NotAllowedError unless the actor may `verb` this lead.

    No user: the system or an unattached key, allowed. Admins and managers: any lead.
    Sales reps: leads they own, and accepting an unowned lead from the queue (a claim).
    Marketing: handing over, and disqualifying leads that are not in sales' hands.
    """
    user = actor.user
    if user is None:
        return
    who = f"{user.email} ({user.role})"
    if not user.active:
        raise NotAllowedError(f"{who} is deactivated and may not change leads")
    if user.role in (Role.ADMIN, Role.MANAGER):
        return
    if user.role == Role.SALES:
        if lead.owner_id == user.id or (verb == "accept" and lead.owner_id is None):
            return
        owner = f"user {lead.owner_id}" if lead.owner_id else "nobody (the team queue)"
        raise NotAllowedError(
            f"{who} may not {verb} lead {lead.id}: it is owned by {owner}; "
            "ask its owner or a manager"
        )
    if user.role == Role.MARKETING and verb in _MARKETING_VERBS and lead.stage in marketing_stages:
        return
    raise NotAllowedError(f"{who} may not {verb} lead {lead.id} in stage '{lead.stage}'")
