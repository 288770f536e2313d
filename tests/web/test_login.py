"""Logging in and out of the dashboard, sessions, CSRF and error pages, through the app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD, SECRET_KEY, WebWorld, csrf_of, log_in_client

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.storage.database import transaction
from leadflow.users import passwords, service
from leadflow.web.sessions import COOKIE_NAME


def test_a_page_sends_a_browser_without_a_session_to_log_in(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    response = client.get("/settings?tab=keys", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings%3Ftab%3Dkeys"
    htmx = client.get("/settings", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_log_in_and_out(web_app: FastAPI, web_world: WebWorld) -> None:
    client = TestClient(web_app)
    response = log_in_client(client, web_world.emails["admin"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert COOKIE_NAME in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/settings")
    assert page.status_code == 200 and "Admin" in page.text
    token = csrf_of(page.text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_a_wrong_password_and_an_unknown_e_mail_get_the_same_answer(
    web_app: FastAPI, web_world: WebWorld
) -> None:
    client = TestClient(web_app)
    wrong = log_in_client(client, web_world.emails["admin"], "not the password")
    unknown = log_in_client(client, "nobody@acme.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail or the password is wrong." in wrong.text
    assert wrong.text.count("wrong") == unknown.text.count("wrong")
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_repeated_failures_lock_the_account_with_a_clear_message(
    db_url: str, web_world: WebWorld, web_app: FastAPI
) -> None:
    strict = create_app(
        load_settings(
            database_url=db_url, secret_key=SECRET_KEY, web={"login_failures_per_account": 2}
        )
    )
    client = TestClient(strict)
    email = web_world.emails["manager"]
    assert log_in_client(client, email, "guess one!").status_code == 401
    assert log_in_client(client, email, "guess two!").status_code == 401
    locked = log_in_client(client, email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text and "Try again in 15 minutes" in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    # Another account is not locked by these failures.
    assert log_in_client(client, web_world.emails["admin"]).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(
    web_app: FastAPI, web_world: WebWorld, client_for: Callable[[str], TestClient]
) -> None:
    anonymous = TestClient(web_app)
    anonymous.get("/login")
    login = anonymous.post(
        "/login", data={"email": web_world.emails["admin"], "password": PASSWORD}
    )
    assert login.status_code == 403 and login.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in login.text
    admin = client_for("admin")
    forged = admin.post(
        "/settings/users",
        data={"email": "forged@acme.test", "name": "F", "role": "admin", "csrf_token": "x" * 43},
    )
    assert forged.status_code == 403
    with transaction(web_app.state.engine) as session:
        assert service.get_by_email(session=session, email="forged@acme.test") is None


def test_htmx_sends_the_token_as_a_header(client_for: Callable[[str], TestClient]) -> None:
    admin = client_for("admin")
    token = csrf_of(admin.get("/settings").text)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    response = admin.post("/logout", headers=headers, follow_redirects=False)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/login"
    assert admin.post("/logout", headers={"HX-Request": "true"}).status_code == 403


def test_a_new_password_or_deactivation_ends_open_sessions(
    web_app: FastAPI, web_world: WebWorld, client_for: Callable[[str], TestClient]
) -> None:
    admin, rep = client_for("admin"), client_for("sales")
    with transaction(web_app.state.engine) as session:
        user = service.resolve(session=session, email=web_world.emails["admin"])
        passwords.set_password(session=session, user=user, password="a brand new password")
        service.deactivate(
            session=session, user=service.resolve(session=session, email=web_world.emails["sales"])
        )
    assert admin.get("/settings", follow_redirects=False).status_code == 303
    assert rep.get("/settings", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.test/x", "https://evil.test/", "/\\evil.test"])
def test_after_login_the_browser_stays_on_this_site(
    web_app: FastAPI, web_world: WebWorld, target: str
) -> None:
    client = TestClient(web_app)
    token = csrf_of(client.get("/login").text)
    data = {"email": web_world.emails["admin"], "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data={**data, "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("secret_key", [None, "too-short-for-signing"])
def test_without_a_usable_secret_key_pages_say_how_to_set_one(
    db_url: str, secret_key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADFLOW_SECRET_KEY", raising=False)
    client = TestClient(create_app(load_settings(database_url=db_url, secret_key=secret_key)))
    page = client.get("/login")
    assert page.status_code == 503
    assert "secret_key" in page.text and "LEADFLOW_SECRET_KEY" in page.text
    assert "at least 32 characters" in page.text
    assert client.get("/healthz").status_code == 200


def test_errors_are_pages_for_pages_and_problems_for_the_api(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Not Found" in page.text and "Traceback" not in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_pages_carry_a_strict_content_security_policy(web_app: FastAPI) -> None:
    response = TestClient(web_app).get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "menu"),
    [
        ("admin", ["Overview", "Sources", "Leads", "Scoring", "Settings"]),
        ("marketing", ["Overview", "Sources", "Leads", "Scoring"]),
        ("manager", ["Overview", "Sources", "Leads", "Scoring"]),
        ("sales", ["Overview", "Leads", "My queue"]),
    ],
)
def test_the_menu_shows_the_pages_of_the_role(
    client_for: Callable[[str], TestClient], name: str, menu: list[str]
) -> None:
    import re

    page = client_for(name).get("/settings")
    shown = re.findall(r'<li><a href="[^"]*"[^>]*>([^<]+)</a></li>', page.text)
    assert shown == menu
