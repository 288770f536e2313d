"""Logging in, out and being refused, in Chromium against a running `leadflow serve`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import Served, log_in

from leadflow.leads.models import Lead
from leadflow.storage.database import open_store, transaction
from leadflow.users import passwords, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

pytestmark = pytest.mark.browser
Screenshot = Callable[[Any, str], Path]


def test_log_in_and_out(page: Any, served: Served, screenshot: Screenshot) -> None:
    page.goto(f"{served.url}/settings")
    assert page.url.endswith("/login?next=/settings")
    screenshot(page, "login")
    log_in(page, served, served.logins[Role.ADMIN], next_path="/settings")
    assert page.url.endswith("/settings")
    assert page.get_by_role("heading", name="Settings").is_visible()
    menu = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert menu == ["Overview", "Sources", "Leads", "Scoring", "Settings"]
    screenshot(page, "settings")
    page.set_viewport_size({"width": 360, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the settings page is {width} px wide at 360 px"
    screenshot(page, "settings-360px")
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    assert page.url.endswith("/login")
    page.goto(f"{served.url}/settings")
    assert "/login" in page.url


def test_a_wrong_password_then_the_lockout(
    page: Any, served: Served, screenshot: Screenshot
) -> None:
    engine = open_store(served.db_url)
    with transaction(engine) as session:
        user = service.create(
            session=session,
            user_in=UserCreate(email="locked@brightwave.io", name="Lock Ed", role=Role.MANAGER),
        )
        passwords.set_password(session=session, user=user, password="the right password")
    engine.dispose()
    page.goto(f"{served.url}/login")
    for _ in range(3):  # served allows 3 failures per account
        page.get_by_label("E-mail").fill("locked@brightwave.io")
        page.get_by_label("Password").fill("a wrong password")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        alert = page.get_by_role("alert")
        assert alert.inner_text() == "The e-mail or the password is wrong."
    screenshot(page, "login-wrong-password")
    page.get_by_label("Password").fill("the right password")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert re.match(
        r"Too many failed logins .* Try again in 15 minutes\.",
        page.get_by_role("alert").inner_text(),
    )
    assert "/login" in page.url
    screenshot(page, "login-locked")


def test_a_post_without_the_csrf_token_is_refused(page: Any, served: Served) -> None:
    log_in(page, served, served.logins[Role.ADMIN], next_path="/settings")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    # The browser's own session, posting a form that did not come from the page.
    forged = httpx.post(
        f"{served.url}/settings/users",
        data={"email": "forged@brightwave.io", "name": "Forged", "role": "admin"},
        cookies=cookies,
    )
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    # And from the page itself, with the hidden token removed before submitting.
    page.locator('form[action="/settings/users"] input[name="csrf_token"]').evaluate(
        "input => input.remove()"
    )
    page.locator('form[action="/settings/users"] input[name="email"]').fill("forged@brightwave.io")
    page.locator('form[action="/settings/users"] input[name="name"]').fill("Forged")
    with page.expect_navigation():
        page.get_by_role("button", name="Add user").click()
    assert page.get_by_role("heading", name=re.compile("403")).is_visible()
    page.goto(f"{served.url}/settings")
    assert "forged@brightwave.io" not in page.content()


def test_a_rep_cannot_open_another_reps_lead(
    page: Any, served: Served, screenshot: Screenshot
) -> None:
    rep = served.logins[Role.SALES]
    engine = open_store(served.db_url)
    with transaction(engine) as session:
        me = service.resolve(session=session, email=rep.email)
        other = next(
            user
            for user in service.list_users(session=session, role=Role.SALES)
            if user.id != me.id
        )
        lead = Lead(email="someone-elses@buyer.test", first_name="Not", owner_id=other.id)
        session.add(lead)
        session.flush()
        lead_id = lead.id
    engine.dispose()
    log_in(page, served, rep)
    response = page.goto(f"{served.url}/leads/{lead_id}")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name=re.compile("403")).is_visible()
    assert "not yours" in page.get_by_role("alert").inner_text()
    assert "someone-elses@buyer.test" not in page.content()
    screenshot(page, "lead-forbidden")


def test_logging_in_and_skipping_to_content_with_the_keyboard_alone(
    page: Any, served: Served
) -> None:
    login = served.logins[Role.MANAGER]
    page.goto(f"{served.url}/login")
    assert page.evaluate("document.activeElement.id") == "email"  # autofocus
    page.keyboard.type(login.email)
    page.keyboard.press("Tab")
    page.keyboard.type(login.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Log out").is_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
