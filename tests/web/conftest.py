"""The dashboard under test: server-side through TestClient on each store, and in a real
browser (Chromium driven by Playwright) against a real `leadflow serve` over a demo world.

Server side: `web_app`, `web_world` (a user of every role and two reps' leads, each with the
password PASSWORD) and `client_for(role)`, a TestClient logged in as that role.

Browser (marker `browser`): `served` (a `leadflow serve` on a free port over a small demo
world on SQLite, with a login per role, one per test session and xdist worker), `page` (a
fresh browser context per test), `log_in(page, login)`, and `screenshot(page, name)`, which
saves PNGs under SCREENSHOT_DIR (LEADFLOW_SCREENSHOTS or $TMPDIR/leadflow-screenshots).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import require

from leadflow.accounts.models import Account
from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.demo.logins import DemoLogin, create_demo_logins
from leadflow.leads.models import Lead
from leadflow.storage.database import open_store, transaction
from leadflow.users import passwords, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

PASSWORD = "correct horse battery staple"
SECRET_KEY = "dashboard-test-secret-key-of-at-least-32-characters"
LEADFLOW = Path(sys.executable).with_name("leadflow")
SCREENSHOT_DIR = Path(
    os.environ.get("LEADFLOW_SCREENSHOTS") or Path(tempfile.gettempdir()) / "leadflow-screenshots"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
]
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its meta tag."""
    match = _CSRF.search(html)
    assert match, "the page has no csrf-token meta tag"
    return match.group(1)


@dataclass(frozen=True)
class WebWorld:
    """Who the world fixture made: e-mails and ids by role ("other-rep" is a second rep),
    a lead of each rep and an unowned lead."""

    emails: dict[str, str]
    user_ids: dict[str, int]
    rep_lead: int
    other_lead: int
    unowned_lead: int


@pytest.fixture
def web_app(db_url: str) -> FastAPI:
    """The server's app on the test store, with a secret key so the dashboard runs."""
    return create_app(load_settings(database_url=db_url, secret_key=SECRET_KEY))


@pytest.fixture
def web_world(web_app: FastAPI) -> WebWorld:
    """A user of every role and a second rep, each with PASSWORD; a lead per rep, one unowned."""
    emails: dict[str, str] = {}
    user_ids: dict[str, int] = {}
    names = [*(role.value for role in Role), "other-rep"]
    hashed: str | None = None
    with transaction(web_app.state.engine) as session:
        for name in names:
            role = Role.SALES if name == "other-rep" else Role(name)
            user_in = UserCreate(email=f"{name}@acme.test", name=name.title(), role=role)
            user = service.create(session=session, user_in=user_in)
            if hashed is None:
                hashed = passwords.set_password(
                    session=session, user=user, password=PASSWORD
                ).password_hash
            else:  # Argon2 is slow on purpose: one hash (its own salt) serves every user here
                user.password_hash = hashed
            emails[name], user_ids[name] = user.email, user.id
        account = Account(domain="buyer.test", name="Buyer")
        session.add(account)
        session.flush()
        leads = [
            Lead(email="own@buyer.test", owner_id=user_ids["sales"], account_id=account.id),
            Lead(email="other@buyer.test", owner_id=user_ids["other-rep"]),
            Lead(email="nobody@buyer.test"),
        ]
        session.add_all(leads)
        session.flush()
        return WebWorld(emails, user_ids, leads[0].id, leads[1].id, leads[2].id)


def log_in_client(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log a TestClient in through the login form (its CSRF token included)."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


@pytest.fixture
def client_for(web_app: FastAPI, web_world: WebWorld) -> Callable[[str], TestClient]:
    """`client_for("manager")`: a client logged in as that role's user (or "other-rep")."""

    def logged_in(name: str) -> TestClient:
        client = TestClient(web_app)
        response = log_in_client(client, web_world.emails[name])
        assert response.status_code == 303, response.text
        return client

    return logged_in


# The browser half ------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    """A running `leadflow serve` over a demo world, and a login per role."""

    url: str
    db_url: str
    logins: dict[Role, DemoLogin]


def _wait_for(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"leadflow serve exited {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("leadflow serve did not answer /healthz within 180 s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`leadflow demo` builds a small world, then `leadflow serve` serves it on a free port
    (stopped by its pid at the end). Logins are limited per account, not per client: every
    browser test logs in from 127.0.0.1."""
    folder = tmp_path_factory.mktemp("served")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADFLOW_")}
    env["LEADFLOW_SECRET_KEY"] = SECRET_KEY
    env["LEADFLOW_WEB"] = '{"login_failures_per_account": 3, "login_failures_per_client": 10000}'
    demo = [str(LEADFLOW), "demo", "--leads", "200", "--months", "3", "--seed", "11"]
    built = subprocess.run(
        [*demo, "--db", db_url], cwd=folder, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    engine = open_store(db_url)
    with transaction(engine) as session:
        logins = {login.role: login for login in create_demo_logins(session=session)}
    engine.dispose()
    port = free_port()
    process = subprocess.Popen(
        [str(LEADFLOW), "serve", "--port", str(port), "--db", db_url],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(process, url)
        yield Served(url=url, db_url=db_url, logins=logins)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    executable = shutil.which("chromium")
    if executable is None:
        require("chromium is not installed (scripts/test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), 1280 px wide."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)  # generous: CI machines may be loaded
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    """`screenshot(page, "name")`: the whole page as SCREENSHOT_DIR/name.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots in {SCREENSHOT_DIR}")

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Any, served: Served, login: DemoLogin, *, next_path: str = "/") -> None:
    """Log in through the login form as a person would: type, submit, wait for the page."""
    page.goto(f"{served.url}/login?next={next_path}")
    page.get_by_label("E-mail").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
