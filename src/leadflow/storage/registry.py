"""Every table, imported once so that metadata (and Alembic) sees the whole schema."""

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.analytics.models import CampaignSpend
from leadflow.audit.models import AuditEntry
from leadflow.demo.models import DemoTruth
from leadflow.leads.models import AttributeDefinition, Lead
from leadflow.lifecycle.models import Opportunity, QualificationEvidence, StageChange
from leadflow.predict.models import LeadPrediction, TrainedModel
from leadflow.routing.models import LeadAssignment
from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.sla.models import SlaTimer
from leadflow.storage.base import Base
from leadflow.users.models import ApiKey, LoginFailure, User
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

metadata = Base.metadata

__all__ = [
    "Account",
    "Activity",
    "ApiKey",
    "AttributeDefinition",
    "AuditEntry",
    "CampaignSpend",
    "DemoTruth",
    "Lead",
    "LeadAssignment",
    "LeadPrediction",
    "LoginFailure",
    "ModelVersion",
    "Opportunity",
    "QualificationEvidence",
    "ScoreRecord",
    "SlaTimer",
    "StageChange",
    "TrainedModel",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
