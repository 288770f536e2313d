"""The content pages in Chromium against a running `leadflow serve` over the demo world:
the rep's queue and a lead accepted in place, the manager's funnel chart and period, a
script-like name shown as text, every page at 360 px, and a screenshot of each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.web.conftest import Served, log_in

from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.service import mark_mql
from leadflow.sla.clocks import start_clock
from leadflow.storage.database import open_store, transaction
from leadflow.users import service as users_service
from leadflow.users.models import Role

pytestmark = pytest.mark.browser
Screenshot = Callable[[Any, str], Path]


def _new_lead(
    served: Served, *, email: str, owner_email: str | None, mql: bool, **fields: str
) -> int:
    """A lead written through the services on the served store; an MQL with its SLA clock."""
    settings = load_settings(database_url=served.db_url)
    engine = open_store(served.db_url)
    try:
        with transaction(engine) as session:
            owner = (
                users_service.get_by_email(session=session, email=owner_email)
                if owner_email
                else None
            )
            lead = Lead(email=email, owner_id=owner.id if owner else None, **fields)
            session.add(lead)
            session.flush()
            if mql:
                change = mark_mql(session=session, lead=lead, settings=settings)
                start_clock(session=session, lead=lead, at=change.changed_at, settings=settings)
            return lead.id
    finally:
        engine.dispose()


def _fits_360(page: Any, url: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{url} is {width} px wide at 360 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_rep_accepts_a_lead_from_the_queue(
    page: Any, served: Served, screenshot: Screenshot
) -> None:
    rep = served.logins[Role.SALES]
    lead_id = _new_lead(
        served,
        email="queue.test@buyer.test",
        owner_email=rep.email,
        mql=True,
        first_name="Quinn",
        last_name="Queue",
    )
    log_in(page, served, rep, next_path="/queue")
    item = page.locator(f"#queue-lead-{lead_id}")
    assert item.is_visible()
    countdown = item.locator(".countdown")
    page.wait_for_function(
        "el => /left|overdue/.test(el.textContent)", arg=countdown.element_handle()
    )
    screenshot(page, "queue")
    _fits_360(page, f"{served.url}/queue")
    page.goto(f"{served.url}/queue")
    with page.expect_navigation():
        page.get_by_role("link", name="Quinn Queue").click()
    assert page.get_by_role("heading", name="Quinn Queue").is_visible()
    screenshot(page, "lead")
    page.go_back()
    url_before = page.url
    page.get_by_role("button", name="Accept queue.test@buyer.test").click()
    page.locator(f"#queue-lead-{lead_id}").wait_for(state="detached")
    assert page.url == url_before  # swapped in place, no navigation
    page.goto(f"{served.url}/leads/{lead_id}")
    assert page.locator("#lead-stage").inner_text() == "sal"
    history = page.locator("#stage-history").inner_text()
    assert "mql → sal" in history and rep.email in history


def test_a_manager_sees_the_funnel_drawn_and_changes_the_period(
    page: Any, served: Served, screenshot: Screenshot
) -> None:
    page.set_default_navigation_timeout(60_000)  # reports computed cold on a busy machine
    log_in(page, served, served.logins[Role.MANAGER])
    page.get_by_label("From").fill("2026-08-01")
    page.get_by_label("To").fill("2026-10-31")
    page.get_by_role("button", name="Show").click()
    # A new period is computed cold (four reports); the machine running the suite may be busy.
    expect(page.locator("#period-shown")).to_have_text(
        re.compile(r"^2026-08-01 to 2026-10-31"), timeout=60_000
    )
    canvas = page.locator("#chart-funnel")
    expect(canvas).to_have_attribute("data-drawn", "true")
    drawn = page.evaluate(
        "() => Chart.getChart(document.querySelector('#chart-funnel')).data.datasets[0].data"
    )
    assert drawn and drawn[0] > 0, drawn
    assert canvas.bounding_box()["height"] > 100
    assert "from=2026-08-01" in page.url  # the period is in the address, to share or reload
    screenshot(page, "overview")
    _fits_360(page, page.url)
    for path, name in (("/sources", "sources"), ("/leads", "leads"), ("/scoring", "scoring")):
        page.goto(f"{served.url}{path}")
        assert page.locator("h1").inner_text() == name.title()
        screenshot(page, name)
        _fits_360(page, f"{served.url}{path}")


def test_a_script_in_a_name_is_text(page: Any, served: Served) -> None:
    lead_id = _new_lead(
        served,
        email="xss@buyer.test",
        owner_email=None,
        mql=False,
        first_name="<script>alert(1)</script>",
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, served, served.logins[Role.ADMIN], next_path=f"/leads/{lead_id}")
    assert page.locator("h1").inner_text().startswith("<script>alert(1)</script>")
    page.goto(f"{served.url}/leads?search=xss%40buyer")
    assert page.get_by_text("<script>alert(1)</script>").is_visible()
    assert dialogs == []
