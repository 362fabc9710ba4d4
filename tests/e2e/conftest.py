"""End-to-end fixtures: the real app started by `agentflow up`, driven by Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from agentflow.devservices.common import port_is_free
from agentflow.services.tenancy import accounts
from agentflow.services.tenancy.permissions import Actor, Role
from state.web.api_v1.deps import SESSION_COOKIE
from tests.conftest import PROJECT_ROOT, free_port, service_env
from tests.llm_servers import ModelServer, serving_models

START_TIMEOUT_S = 900
# Each running app's log (stdout and stderr of `agentflow up`), by address: without SMTP
# the app writes the messages it sends there, links included.
APP_LOGS: dict[str, Path] = {}
# One local port the app may send outgoing events to (the webhooks test listens on it):
# the guard otherwise refuses loopback, as it should.
WEBHOOK_RECEIVER_PORT = free_port()
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium keeps dialling Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# On a 2-core CI machine the app, a worker, PostgreSQL, Valkey and Chromium share the
# CPU, and a page's first state sync can take longer than Playwright's 5 s default.
# A longer wait changes no assertion: each still has to become true.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_model_server() -> Iterator[ModelServer]:
    """The instance's own OpenAI-compatible model server (AGENTFLOW_LLM_LOCAL_SERVERS)."""
    with serving_models() as server:
        yield server


@pytest.fixture(scope="session")
def app_url(
    database_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    app_model_server: ModelServer,
) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("app-data")
    env = service_env(database_url, redis_url, data_dir)
    env.update(
        {
            "AGENTFLOW_WEB_PORT": str(port),
            "AGENTFLOW_ENV": "development",
            "AGENTFLOW_OUTBOUND_ALLOW_HOSTS": f"127.0.0.1:{WEBHOOK_RECEIVER_PORT}",
            "AGENTFLOW_LLM_LOCAL_SERVERS": json.dumps({"hosted_vllm": app_model_server.base}),
        }
    )
    log_path = data_dir / "up.log"
    APP_LOGS[f"http://127.0.0.1:{port}"] = log_path
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentflow.cli", "up"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, url, log_path)
        yield url
    finally:
        stop_like_ctrl_c(process, port)


def stop_like_ctrl_c(process: subprocess.Popen[bytes], port: int) -> None:
    """Ctrl-C must stop the worker and the web app and exit cleanly."""
    if process.poll() is not None:
        return  # it already exited; the start-up error says why
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    _, alive = psutil.wait_procs(children, timeout=10)
    survivors = [p.pid for p in alive]
    for leftover in alive:
        leftover.kill()
    assert code == 0, f"agentflow up exited with {code}"
    assert survivors == [], f"processes left running after Ctrl-C: {survivors}"
    assert port_is_free(port)


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"agentflow up exited early:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app was not healthy in time:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass(frozen=True)
class Account:
    """A signed-up user (see :func:`sign_up`) with a session, owner of a fresh organisation."""

    email: str
    password: str
    session_token: str
    user_id: uuid.UUID
    org_id: uuid.UUID
    database_url: str

    def actor(self) -> Actor:
        return Actor(self.org_id, self.user_id, Role.OWNER, label=self.email)


def sign_up(app_url: str, database_url: str, email: str, org_name: str = "Test org") -> Account:
    """Through the services: the sign-up form and its e-mailed link are driven in the
    browser by test_api_keys_flow and test_settings_members (the form limits how many
    mails one client may ask for, and every test needs an account)."""
    password = "correct horse battery staple"
    form = accounts.SignUp(email=email, password=password, org_name=org_name)
    user_id, org_id = accounts.sign_up(database_url, form)
    token = accounts.create_session(database_url, user_id, org_id=org_id).token
    user = accounts.session_user(database_url, token)
    assert user is not None and user.org_id is not None
    return Account(email, password, token, user.user_id, user.org_id, database_url)


def mailed_link(app_url: str, to: str, path: str, timeout_s: float = 15) -> str:
    """The newest link to ``path`` (with its query) in a message the app sent to ``to``."""
    link = re.compile(rf"{re.escape(path)}\?[^\s]+")
    deadline = time.monotonic() + timeout_s
    while True:
        # mail.LogSender: "no SMTP configured; message for <to>: <subject>\n<body>"
        messages = APP_LOGS[app_url].read_text(errors="replace").split("message for ")[1:]
        found = [link.findall(m) for m in messages if m.startswith(f"{to}: ")]
        if found and found[-1]:
            return str(found[-1][0])
        if time.monotonic() > deadline:
            raise AssertionError(f"no message to {to} with a link to {path} in the app's log")
        time.sleep(0.2)


@pytest.fixture
def account(app_url: str, clean_db: str) -> Account:
    """A fresh signed-up user (the database is cleaned first, so it is the only one)."""
    return sign_up(app_url, clean_db, f"owner-{uuid.uuid4().hex[:8]}@example.com")


def signed_in_context(
    browser: Browser, app_url: str, account: Account, **options: Any
) -> BrowserContext:
    context = browser.new_context(base_url=app_url, **options)
    context.add_cookies([{"name": SESSION_COOKIE, "value": account.session_token, "url": app_url}])
    return context


@pytest.fixture
def page(browser: Browser, app_url: str, account: Account) -> Iterator[Page]:
    """A page signed in as :func:`account`'s user."""
    context = signed_in_context(browser, app_url, account, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def anonymous_page(browser: Browser, app_url: str, clean_db: str) -> Iterator[Page]:
    """A page nobody has signed in on."""
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wide_page(browser: Browser, app_url: str, account: Account) -> Iterator[Page]:
    """A signed-in page wide enough for the builder's canvas, palette and panel."""
    context = signed_in_context(browser, app_url, account, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
