"""The browser's /auth form posts: where they send people, CSRF, switching
organisation, and password reset through the link printed to the server log."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from agentflow.services import accounts, organizations
from state import api_v1, auth_routes
from state.api_v1.deps import SESSION_COOKIE
from tests.integration.api.conftest import BASE_URL, PASSWORD, Person

SAME_SITE = {"Origin": BASE_URL}


@pytest.fixture
async def browser(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    api = FastAPI()
    api.include_router(auth_routes.router)
    api_v1.install_error_handlers(api)
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


async def _sign_up(browser: httpx.AsyncClient, email: str, next_path: str) -> httpx.Response:
    form = {"email": email, "password": PASSWORD, "name": "", "org_name": "", "next": next_path}
    return await browser.post("/auth/signup", data=form, headers=SAME_SITE)


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/executions", "/executions"),
        ("/", "/workflows"),
        ("//evil.example/x", "/workflows"),
        ("https://evil.example", "/workflows"),
        ("/\\evil.example", "/workflows"),
        ("/login", "/workflows"),
    ],
)
async def test_sign_up_returns_to_the_page_that_asked_and_never_off_site(
    browser: httpx.AsyncClient, asked: str, landing: str
) -> None:
    response = await _sign_up(browser, f"n-{uuid.uuid4().hex[:6]}@example.com", asked)
    assert response.status_code == 303
    assert response.headers["location"] == landing
    assert SESSION_COOKIE in response.cookies


async def test_a_failed_login_keeps_where_the_user_was_going(browser: httpx.AsyncClient) -> None:
    form = {"email": "nobody@example.com", "password": "wrong password", "next": "/executions"}
    response = await browser.post("/auth/login", data=form, headers=SAME_SITE)
    assert response.headers["location"] == "/login?error=invalid_credentials&next=/executions"
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize("route", ["signup", "login", "logout", "switch-org", "forgot-password"])
async def test_auth_posts_from_another_site_are_refused(
    browser: httpx.AsyncClient, route: str
) -> None:
    response = await browser.post(
        f"/auth/{route}",
        data={"email": "a@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "csrf"
    assert SESSION_COOKIE not in response.cookies


async def test_switching_organisation_only_to_ones_the_user_belongs_to(
    browser: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person
) -> None:
    db = env["database_url"]
    second = organizations.create_org(db, alice.user_id, {"name": "Side project"})
    session = accounts.create_session(db, alice.user_id, org_id=alice.org_id)
    browser.cookies.set(SESSION_COOKIE, session.token)

    switched = await browser.post(
        "/auth/switch-org", data={"org_id": str(second)}, headers=SAME_SITE
    )
    assert switched.headers["location"] == "/workflows"
    current = accounts.session_user(db, session.token)
    assert current is not None and current.org_id == second

    await browser.post("/auth/switch-org", data={"org_id": str(bob.org_id)}, headers=SAME_SITE)
    current = accounts.session_user(db, session.token)
    assert current is not None and current.org_id == second  # not a member: unchanged


async def test_password_reset_by_the_logged_link_works_once(
    browser: httpx.AsyncClient,
    env: dict[str, str],
    alice: Person,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = env["database_url"]
    old_session = accounts.create_session(db, alice.user_id)
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        asked = await browser.post(
            "/auth/forgot-password", data={"email": alice.email.upper()}, headers=SAME_SITE
        )
        unknown = await browser.post(
            "/auth/forgot-password", data={"email": "nobody@example.com"}, headers=SAME_SITE
        )
    # The same answer whether or not the account exists; the link only in the log.
    assert (
        asked.headers["location"] == unknown.headers["location"] == "/forgot-password?notice=sent"
    )
    links = re.findall(r"reset-password\?token=([\w-]+)", caplog.text)
    assert len(links) == 1
    token = links[0]

    weak = await browser.post(
        "/auth/reset-password", data={"token": token, "password": "short"}, headers=SAME_SITE
    )
    assert weak.headers["location"].startswith("/reset-password?error=weak_password&token=")
    done = await browser.post(
        "/auth/reset-password",
        data={"token": token, "password": "a brand new passphrase"},
        headers=SAME_SITE,
    )
    assert done.headers["location"] == "/login?notice=reset"
    assert accounts.session_user(db, old_session.token) is None  # every session signed out
    again = await browser.post(
        "/auth/reset-password",
        data={"token": token, "password": "another new passphrase"},
        headers=SAME_SITE,
    )
    assert again.headers["location"] == "/reset-password?error=invalid_token"
    login = await browser.post(
        "/auth/login",
        data={"email": alice.email, "password": "a brand new passphrase", "next": "/"},
        headers=SAME_SITE,
    )
    assert login.headers["location"] == "/workflows"


async def test_reset_mails_are_rate_limited_per_address(
    browser: httpx.AsyncClient, alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        for _ in range(5):
            response = await browser.post(
                "/auth/forgot-password", data={"email": alice.email}, headers=SAME_SITE
            )
            assert response.headers["location"] == "/forgot-password?notice=sent"
    assert len(re.findall(r"reset-password\?token=", caplog.text)) == 3
