"""predictive models and lead predictions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "predictive_models",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("feature_fingerprint", sa.String(length=16), nullable=False),
        sa.Column(
            "card",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_predictive_models")),
    )
    with op.batch_alter_table("predictive_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_predictive_models_is_active"), ["is_active"], unique=False
        )

    op.create_table(
        "lead_predictions",
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("conversion_probability", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=1), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_predictions_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["predictive_models.version"],
            name=op.f("fk_lead_predictions_model_version_predictive_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_id", "model_version", name=op.f("pk_lead_predictions")),
    )


def downgrade() -> None:
    op.drop_table("lead_predictions")
    with op.batch_alter_table("predictive_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_predictive_models_is_active"))

    op.drop_table("predictive_models")
