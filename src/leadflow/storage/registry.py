"""Every table, imported once so that metadata (and Alembic) sees the whole schema."""

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.analytics.models import CampaignSpend
from leadflow.demo.models import DemoTruth
from leadflow.leads.models import AttributeDefinition, Lead
from leadflow.lifecycle.models import StageChange
from leadflow.storage.base import Base
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

metadata = Base.metadata

__all__ = [
    "Account",
    "Activity",
    "AttributeDefinition",
    "CampaignSpend",
    "DemoTruth",
    "Lead",
    "StageChange",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
