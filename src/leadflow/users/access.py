"""Who may see and act on which leads: one rule for API keys and dashboard sessions."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.users.models import Role, User


@dataclass(frozen=True)
class Access:
    """A user acting through leadflow (an API key or a dashboard login), with their role."""

    user: User

    @property
    def role(self) -> Role:
        """The user's role."""
        return Role(self.user.role)

    @property
    def sees_every_lead(self) -> bool:
        """Every role but sales sees and acts on every lead."""
        return self.role != Role.SALES

    def may_act_on_lead(self, owner_id: int | None) -> bool:
        """Sales reps act only on the leads they own; every other role on any lead."""
        return self.sees_every_lead or owner_id == self.user.id
