"""merge the predictive, dashboard and audit branches; index leads by creation time

Revision ID: 0010
Revises: 0007, 0008, 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = ("0007", "0008", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The dashboard's and the API's lead lists sort by creation time by default: with the
    # index, a page of the newest leads reads a page of index entries, not every lead.
    op.create_index("ix_leads_created_at", "leads", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_leads_created_at", table_name="leads")
