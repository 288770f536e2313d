"""scoring model versions and lead scores

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_model_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_file", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scoring_model_versions")),
    )
    with op.batch_alter_table("scoring_model_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scoring_model_versions_is_active"), ["is_active"], unique=False
        )

    op.create_table(
        "lead_scores",
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("fit", sa.Float(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.Column("fit_band", sa.String(length=8), nullable=False),
        sa.Column("engagement_band", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("is_mql", sa.Boolean(), nullable=False),
        sa.Column("disqualified_by", sa.String(length=200), nullable=True),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_scores_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["scoring_model_versions.version"],
            name=op.f("fk_lead_scores_model_version_scoring_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_id", "model_version", name=op.f("pk_lead_scores")),
    )
    with op.batch_alter_table("lead_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_scores_version_grade", ["model_version", "grade"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lead_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_scores_version_grade")

    op.drop_table("lead_scores")
    with op.batch_alter_table("scoring_model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_model_versions_is_active"))

    op.drop_table("scoring_model_versions")
