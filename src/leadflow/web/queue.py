"""My queue (reps): my open MQLs, overdue first, each with its SLA deadline counted in the
business time of the rep's team calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.api.leads_query import LeadListParams, visible_leads
from leadflow.api.pagination import MAX_PAGE_SIZE
from leadflow.api.sla import TimerListParams, visible_timers
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.leads.service import active_scores
from leadflow.lifecycle.stages import StageMachine
from leadflow.sla.calendar import business_time_between
from leadflow.sla.clocks import calendar_for
from leadflow.sla.models import SlaTimer
from leadflow.storage.base import utcnow
from leadflow.users.access import Access
from leadflow.web.lead_actions import QUEUE_FORM
from leadflow.web.lead_list import page_of_leads
from leadflow.web.nav import page_access
from leadflow.web.templating import render

router = APIRouter()
Viewer = Annotated[Access, page_access("/queue")]
# How often the page asks for the queue again (new MQLs, deadlines re-counted).
REFRESH_SECONDS = 60


@dataclass(frozen=True)
class QueueItem:
    """An open MQL and its deadline: business seconds left (negative once overdue), and
    whether business time is running now, so the page's countdown knows to tick."""

    lead: Lead
    grade: str | None
    due_at: datetime | None
    seconds_left: float | None
    running: bool

    @property
    def left_text(self) -> str:
        """The business time left as the countdown script shows it: 3h 05m 09s left."""
        if self.seconds_left is None:
            return ""
        whole = abs(round(self.seconds_left))
        hours, rest = divmod(whole, 3600)
        text = f"{hours}h {rest // 60:02d}m {rest % 60:02d}s"
        return f"overdue by {text}" if self.seconds_left < 0 else f"{text} left"

    @property
    def overdue(self) -> bool:
        """Past its deadline (the next sweep breaches it)."""
        return self.seconds_left is not None and self.seconds_left <= 0


def queue_items(
    *, session: Session, settings: Settings, viewer: Access, now: datetime
) -> list[QueueItem]:
    """The viewer's open MQLs, most overdue first, then soonest due, then those without a
    deadline; the leads and timers as the API lists them for this viewer."""
    mql = StageMachine(settings.lifecycle).name("mql")
    params = LeadListParams(stage=mql, owner_id=viewer.user.id, limit=MAX_PAGE_SIZE)
    leads, _ = page_of_leads(session, params, visible_leads(params, viewer))
    ids = [lead.id for lead in leads]
    timers = session.scalars(
        visible_timers(TimerListParams(), viewer).where(
            SlaTimer.lead_id.in_(ids), SlaTimer.stage == mql
        )
    ).all()
    due = {timer.lead_id: timer for timer in timers}
    grades = active_scores(session=session, lead_ids=ids)
    items = []
    for lead in leads:
        timer = due.get(lead.id)
        score = grades.get(lead.id)
        if timer is None:
            items.append(QueueItem(lead, score.grade if score else None, None, None, False))
            continue
        calendar = calendar_for(settings, timer.team)
        left = business_time_between(now, timer.due_at, calendar)
        running = business_time_between(now, now + timedelta(seconds=1), calendar) > timedelta(0)
        grade = score.grade if score else None
        items.append(QueueItem(lead, grade, timer.due_at, left.total_seconds(), running))
    return sorted(
        items,
        key=lambda item: (item.due_at is None, item.due_at or now, item.lead.id),
    )


@router.get("/queue")
def my_queue(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: Viewer
) -> Response:
    """The rep's open MQLs with live SLA countdowns; refreshed in place every minute."""
    items = queue_items(session=session, settings=settings, viewer=viewer, now=utcnow())
    return render(
        request,
        "queue.html.j2",
        title="My queue",
        items=items,
        queue_form=QUEUE_FORM,
        refresh=REFRESH_SECONDS,
    )
