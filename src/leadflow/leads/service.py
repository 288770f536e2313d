"""Reading leads: one by id or e-mail, many with filters, sort and limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.leads.models import Lead
from leadflow.predict.service import lead_prediction
from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.storage.search import contains_text

SCORE_FIELDS = (
    "fit",
    "engagement",
    "grade",
    "is_mql",
    "disqualified_by",
    "model_version",
    "scored_as_of",
)
SORTABLE = ("id", "email", "created_at", "updated_at", "stage", "source", "country", "company")
FILTERABLE = (
    "stage",
    "source",
    "medium",
    "campaign",
    "country",
    "region",
    "persona",
    "seniority",
    "department",
    "owner_id",
    "account_id",
)


def get(*, session: Session, lead_id: int) -> Lead | None:
    """The lead with this id, or None."""
    return session.get(Lead, lead_id)


def get_by_email(*, session: Session, email: str) -> Lead | None:
    """The lead with this e-mail (compared normalised), or None."""
    return session.scalars(select(Lead).where(Lead.email == email.strip().lower())).first()


def resolve(*, session: Session, id_or_email: str) -> Lead:
    """The lead a person means by an id or an e-mail; NotFoundError names what was asked."""
    key = id_or_email.strip()
    lead = get_by_email(session=session, email=key) if "@" in key else None
    if lead is None and key.isdigit():
        lead = get(session=session, lead_id=int(key))
    if lead is None:
        raise NotFoundError(f"no lead with id or e-mail {key!r}")
    return lead


@dataclass(frozen=True)
class ScoreFilter:
    """Leads whose score under the active model has this grade cell and lies in these
    ranges (bounds included); a lead not scored yet matches no score filter."""

    grade: str | None = None
    fit_min: float | None = None
    fit_max: float | None = None
    engagement_min: float | None = None
    engagement_max: float | None = None

    def __post_init__(self) -> None:
        for name in ("fit", "engagement"):
            low, high = getattr(self, f"{name}_min"), getattr(self, f"{name}_max")
            if low is not None and high is not None and low > high:
                raise InvalidInputError(f"{name}_min {low} is above {name}_max {high}")

    def condition(self) -> ColumnElement[bool] | None:
        """An EXISTS on the lead's active score, or None when nothing is asked of it."""
        bounds = [
            (ScoreRecord.fit, self.fit_min, self.fit_max),
            (ScoreRecord.engagement, self.engagement_min, self.engagement_max),
        ]
        asked: list[ColumnElement[bool]] = []
        if self.grade is not None:
            asked.append(ScoreRecord.grade == self.grade)
        for column, low, high in bounds:
            if low is not None:
                asked.append(column >= low)
            if high is not None:
                asked.append(column <= high)
        if not asked:
            return None
        active = select(ModelVersion.version).where(ModelVersion.is_active.is_(True))
        return exists().where(
            ScoreRecord.lead_id == Lead.id,
            ScoreRecord.model_version == active.scalar_subquery(),
            *asked,
        )


@dataclass(frozen=True)
class LeadQuery:
    """Which leads to list: equality filters, a text search, a sort and a limit."""

    filters: dict[str, str]
    search: str | None = None
    scores: ScoreFilter = ScoreFilter()
    sort: str = "id"
    descending: bool = False
    limit: int = 50

    def __post_init__(self) -> None:
        unknown = sorted(set(self.filters) - set(FILTERABLE))
        if unknown:
            allowed = ", ".join(FILTERABLE)
            raise InvalidInputError(
                f"--where: cannot filter on {', '.join(unknown)}; use one of {allowed}"
            )
        if self.sort not in SORTABLE:
            raise InvalidInputError(
                f"--sort: cannot sort by {self.sort!r}; use one of {', '.join(SORTABLE)}"
            )
        if self.limit < 1:
            raise InvalidInputError(f"--limit: must be at least 1, got {self.limit}")

    def statement(self) -> Select[Any]:
        """The SELECT this query stands for, parameters bound."""
        conditions: list[ColumnElement[bool]] = []
        for field, value in self.filters.items():
            column = getattr(Lead, field)
            conditions.append(column == (int(value) if field.endswith("_id") else value))
        if self.search:
            conditions.append(
                contains_text(Lead.email, self.search)
                | contains_text(Lead.company, self.search)
                | contains_text(Lead.last_name, self.search)
            )
        scored = self.scores.condition()
        if scored is not None:
            conditions.append(scored)
        order = getattr(Lead, self.sort)
        return (
            select(Lead)
            .where(*conditions)
            .order_by(order.desc() if self.descending else order.asc(), Lead.id)
            .limit(self.limit)
        )


def list_leads(*, session: Session, query: LeadQuery) -> Sequence[Lead]:
    """The leads a query selects, in its order."""
    return list(session.scalars(query.statement()))


def lead_profile(*, session: Session, lead: Lead) -> dict[str, Any]:
    """Everything a person wants to see about one lead, as plain JSON-ready values."""
    profile = lead_summary(lead)
    profile.update(
        {
            field: getattr(lead, field)
            for field in ("external_id", "phone", "city", "medium", "campaign", "cycle")
        }
    )
    profile["stage_changed_at"] = lead.stage_changed_at.isoformat()
    profile["updated_at"] = lead.updated_at.isoformat()
    profile["is_free_email"] = lead.is_free_email
    profile["is_disposable_email"] = lead.is_disposable_email
    account = session.get(Account, lead.account_id) if lead.account_id else None
    profile["account"] = (
        {
            "id": account.id,
            "name": account.name,
            "domain": account.domain,
            "industry": account.industry,
            "employees": account.employees,
            "country": account.country,
            "region": account.region,
            "segment": account.segment,
        }
        if account
        else None
    )
    profile["attributes"] = dict(lead.attributes)
    profile.update(lead_score(session=session, lead_id=lead.id))
    prediction = lead_prediction(session=session, lead=lead)
    profile["prediction"] = None if prediction is None else asdict(prediction)
    return profile


def active_scores(*, session: Session, lead_ids: Sequence[int]) -> dict[int, ScoreRecord]:
    """The active model's score of each of these leads that has one, by lead id."""
    if not lead_ids:
        return {}
    rows = session.scalars(
        select(ScoreRecord)
        .join(ModelVersion, ModelVersion.version == ScoreRecord.model_version)
        .where(ScoreRecord.lead_id.in_(lead_ids), ModelVersion.is_active.is_(True))
    )
    return {row.lead_id: row for row in rows}


def lead_score(*, session: Session, lead_id: int) -> dict[str, Any]:
    """The lead's score under the active scoring model, with its reasons; empty values if
    it has not been scored."""
    row = session.execute(
        select(ScoreRecord)
        .join(ModelVersion, ModelVersion.version == ScoreRecord.model_version)
        .where(ScoreRecord.lead_id == lead_id, ModelVersion.is_active.is_(True))
    ).scalar_one_or_none()
    if row is None:
        return dict.fromkeys(SCORE_FIELDS) | {"explanation": []}
    return {
        "fit": row.fit,
        "engagement": row.engagement,
        "grade": row.grade,
        "is_mql": row.is_mql,
        "disqualified_by": row.disqualified_by,
        "model_version": row.model_version,
        "scored_as_of": row.as_of.isoformat(),
        "explanation": [{"rule": rule, "points": points} for rule, points in row.explanation],
    }


def lead_summary(lead: Lead) -> dict[str, Any]:
    """The few fields a list shows for each lead."""
    return {
        "id": lead.id,
        "email": lead.email,
        "name": " ".join(part for part in (lead.first_name, lead.last_name) if part) or None,
        "title": lead.title,
        "seniority": lead.seniority,
        "department": lead.department,
        "persona": lead.persona,
        "company": lead.company,
        "country": lead.country,
        "region": lead.region,
        "source": lead.source,
        "stage": lead.stage,
        "owner_id": lead.owner_id,
        "account_id": lead.account_id,
        "created_at": lead.created_at.isoformat(),
    }
