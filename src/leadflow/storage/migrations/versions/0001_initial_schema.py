"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "attribute_definitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_definitions")),
    )
    with op.batch_alter_table("attribute_definitions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_attribute_definitions_entity_name", ["entity", "name"], unique=True
        )

    op.create_table(
        "campaign_spend",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("medium", sa.String(length=100), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_spend")),
    )
    with op.batch_alter_table("campaign_spend", schema=None) as batch_op:
        batch_op.create_index(
            "uq_campaign_spend_period",
            ["source", "campaign", "period_start", "period_end"],
            unique=True,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column(
            "manager_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "territory",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("out_of_office_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_users_manager_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_team"), ["team"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("annual_revenue", sa.Float(), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("domain", name=op.f("uq_accounts_domain")),
        sa.UniqueConstraint("external_id", name=op.f("uq_accounts_external_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("email_domain", sa.String(length=255), nullable=True),
        sa.Column("is_free_email", sa.Boolean(), nullable=False),
        sa.Column("is_disposable_email", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("seniority", sa.String(length=50), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("persona", sa.String(length=100), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("medium", sa.String(length=100), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_leads_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("email", name=op.f("uq_leads_email")),
        sa.UniqueConstraint("external_id", name=op.f("uq_leads_external_id")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_email_domain"), ["email_domain"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_source"), ["source"], unique=False)
        batch_op.create_index("ix_leads_stage_owner", ["stage", "owner_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("anonymous_id", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("medium", sa.String(length=100), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("content", sa.String(length=200), nullable=True),
        sa.Column("term", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("event_id", name=op.f("uq_activities_event_id")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_anonymous_id"), ["anonymous_id"], unique=False
        )
        batch_op.create_index("ix_activities_lead_time", ["lead_id", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_type"), ["type"], unique=False)

    op.create_table(
        "demo_truth",
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("profile", sa.String(length=20), nullable=False),
        sa.Column("hidden_fit", sa.Float(), nullable=False),
        sa.Column("peak_intent", sa.Float(), nullable=False),
        sa.Column("intent_peak_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("would_accept", sa.Boolean(), nullable=False),
        sa.Column("would_qualify", sa.Boolean(), nullable=False),
        sa.Column("would_open_opportunity", sa.Boolean(), nullable=False),
        sa.Column("opportunity_amount", sa.Float(), nullable=True),
        sa.Column("would_win", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_demo_truth_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_demo_truth")),
    )
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=32), nullable=True),
        sa.Column("to_stage", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "score_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_stage_changes_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_stage_changes_lead_time", ["lead_id", "changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_changes_to_stage"), ["to_stage"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_changes_to_stage"))
        batch_op.drop_index("ix_stage_changes_lead_time")

    op.drop_table("stage_changes")
    op.drop_table("demo_truth")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_type"))
        batch_op.drop_index("ix_activities_lead_time")
        batch_op.drop_index(batch_op.f("ix_activities_anonymous_id"))

    op.drop_table("activities")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_stage_owner")
        batch_op.drop_index(batch_op.f("ix_leads_source"))
        batch_op.drop_index(batch_op.f("ix_leads_owner_id"))
        batch_op.drop_index(batch_op.f("ix_leads_email_domain"))
        batch_op.drop_index(batch_op.f("ix_leads_account_id"))

    op.drop_table("leads")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_owner_id"))

    op.drop_table("accounts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team"))

    op.drop_table("users")
    with op.batch_alter_table("campaign_spend", schema=None) as batch_op:
        batch_op.drop_index("uq_campaign_spend_period")

    op.drop_table("campaign_spend")
    with op.batch_alter_table("attribute_definitions", schema=None) as batch_op:
        batch_op.drop_index("uq_attribute_definitions_entity_name")

    op.drop_table("attribute_definitions")
