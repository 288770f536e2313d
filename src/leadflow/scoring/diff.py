"""Comparing two model versions' scores: who changes grade cell or MQL status, and most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session, aliased

from leadflow.leads.models import Lead
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.versions import get_version


@dataclass(frozen=True)
class ScoreDiff:
    """How a new version's scores differ from an old one's, over the leads both scored."""

    old_version: str
    new_version: str
    leads_compared: int
    grade_changed: int
    became_mql: int
    stopped_being_mql: int
    grade_moves: list[dict[str, Any]]
    biggest_movers: list[dict[str, Any]]


def diff_versions(*, session: Session, old: str, new: str, top: int = 10) -> ScoreDiff:
    """Compare the stored scores of two versions (each must have been scored)."""
    get_version(session=session, version=old)
    get_version(session=session, version=new)
    before, after = aliased(ScoreRecord), aliased(ScoreRecord)
    pairs = (
        select(
            before.lead_id.label("lead_id"),
            before.grade.label("old_grade"),
            after.grade.label("new_grade"),
            before.is_mql.cast(Integer).label("old_mql"),
            after.is_mql.cast(Integer).label("new_mql"),
            (before.fit + before.engagement).label("old_total"),
            (after.fit + after.engagement).label("new_total"),
        )
        .join(after, (after.lead_id == before.lead_id) & (after.model_version == new))
        .where(before.model_version == old)
        .subquery()
    )
    compared, changed, became, stopped = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((pairs.c.old_grade != pairs.c.new_grade, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pairs.c.new_mql > pairs.c.old_mql, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pairs.c.new_mql < pairs.c.old_mql, 1), else_=0)), 0),
        )
    ).one()
    moves = session.execute(
        select(pairs.c.old_grade, pairs.c.new_grade, func.count().label("leads"))
        .where(pairs.c.old_grade != pairs.c.new_grade)
        .group_by(pairs.c.old_grade, pairs.c.new_grade)
        .order_by(func.count().desc(), pairs.c.old_grade, pairs.c.new_grade)
    ).all()
    change = pairs.c.new_total - pairs.c.old_total
    movers = session.execute(
        select(
            pairs.c.lead_id,
            Lead.email,
            pairs.c.old_grade,
            pairs.c.new_grade,
            pairs.c.old_total,
            pairs.c.new_total,
        )
        .join(Lead, Lead.id == pairs.c.lead_id)
        .order_by(func.abs(change).desc(), pairs.c.lead_id)
        .limit(top)
    ).all()
    return ScoreDiff(
        old_version=old,
        new_version=new,
        leads_compared=compared,
        grade_changed=changed,
        became_mql=became,
        stopped_being_mql=stopped,
        grade_moves=[{"from": a, "to": b, "leads": n} for a, b, n in moves],
        biggest_movers=[
            {
                "lead_id": lead_id,
                "email": email,
                "old_grade": old_grade,
                "new_grade": new_grade,
                "old_total": old_total,
                "new_total": new_total,
                "change": new_total - old_total,
            }
            for lead_id, email, old_grade, new_grade, old_total, new_total in movers
        ],
    )
