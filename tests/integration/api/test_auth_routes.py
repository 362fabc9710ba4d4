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

from agentflow.services.tenancy import accounts, organizations
from state.web import api_v1, auth_routes
from state.web.api_v1.deps import SESSION_COOKIE
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


async def _sign_up(
    browser: httpx.AsyncClient, email: str, next_path: str, password: str = PASSWORD
) -> httpx.Response:
    form = {"email": email, "password": password, "name": "", "org_name": "", "next": next_path}
    return await browser.post("/auth/signup", data=form, headers=SAME_SITE)


def _mailed(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The messages the server log carried (no SMTP in these tests)."""
    return [record for record in caplog.records if record.name == "agentflow.mail"]


def _finish_links(caplog: pytest.LogCaptureFixture) -> list[str]:
    return re.findall(r"/signup/finish\?token=([\w-]+)", caplog.text)


async def _finish(browser: httpx.AsyncClient, token: str) -> httpx.Response:
    return await browser.post("/auth/finish-signup", data={"token": token}, headers=SAME_SITE)


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
    browser: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, asked: str, landing: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        response = await _sign_up(browser, f"n-{uuid.uuid4().hex[:6]}@example.com", asked)
    assert response.status_code == 303
    assert response.headers["location"] == "/signup?notice=check_email"
    assert SESSION_COOKIE not in response.cookies
    finished = await _finish(browser, _finish_links(caplog)[0])
    assert finished.status_code == 303
    assert finished.headers["location"] == landing
    assert SESSION_COOKIE in finished.cookies


async def test_sign_up_answers_the_same_for_a_new_and_an_existing_address(
    browser: httpx.AsyncClient, env: dict[str, str], alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    new_address = f"new-{uuid.uuid4().hex[:6]}@example.com"
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        existing = await _sign_up(browser, alice.email.upper(), "/executions", "a wrong guess!")
        new = await _sign_up(browser, new_address, "/executions")
    # Same status, same place, same body, no cookie either way.
    assert existing.status_code == new.status_code == 303
    assert existing.headers["location"] == new.headers["location"] == "/signup?notice=check_email"
    assert existing.content == new.content
    assert "set-cookie" not in existing.headers and "set-cookie" not in new.headers
    assert sorted(existing.headers) == sorted(new.headers)
    # Each address's owner is told by mail (here: the server log) what happened.
    told = {record.args[0]: record.getMessage() for record in _mailed(caplog)}  # type: ignore[index]
    assert set(told) == {alice.email, new_address}
    assert "already has one" in told[alice.email] and "/login" in told[alice.email]
    assert "/signup/finish?token=" not in told[alice.email]
    assert "/signup/finish?token=" in told[new_address]
    # The existing account is untouched: its own password still logs in, the guess does not.
    assert accounts.login(env["database_url"], env["redis_url"], alice.email, PASSWORD, ip="t")
    with pytest.raises(accounts.InvalidCredentials):
        accounts.login(env["database_url"], env["redis_url"], alice.email, "a wrong guess!", ip="t")


async def test_a_sign_up_link_works_once_and_nothing_exists_before_it(
    browser: httpx.AsyncClient, env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    db, email = env["database_url"], f"once-{uuid.uuid4().hex[:6]}@example.com"
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        await _sign_up(browser, email, "/")
    assert not accounts.account_exists(db, email)  # nothing until the link is opened
    with pytest.raises(accounts.InvalidCredentials):
        accounts.login(db, env["redis_url"], email, PASSWORD, ip="t")
    token = _finish_links(caplog)[0]
    first = await _finish(browser, token)
    assert first.headers["location"] == "/workflows"
    user = accounts.session_user(db, first.cookies[SESSION_COOKIE])
    assert user is not None and user.email == email and user.org_id is not None
    again = await _finish(browser, token)
    assert again.headers["location"] == "/signup?error=invalid_link"
    assert SESSION_COOKIE not in again.cookies
    unknown = await _finish(browser, "not-a-token")
    assert unknown.headers["location"] == "/signup?error=invalid_link"


async def test_two_sign_up_links_for_one_address_make_one_account(
    browser: httpx.AsyncClient, env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    email = f"twice-{uuid.uuid4().hex[:6]}@example.com"
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        await _sign_up(browser, email, "/")
        await _sign_up(browser, email, "/")
    first, second = _finish_links(caplog)
    assert (await _finish(browser, first)).headers["location"] == "/workflows"
    late = await _finish(browser, second)
    assert late.headers["location"] == "/login?notice=account_exists"
    assert SESSION_COOKIE not in late.cookies


async def test_invalid_sign_up_forms_still_say_so(browser: httpx.AsyncClient) -> None:
    short = await _sign_up(browser, "someone@example.com", "/", password="short")
    # What was typed comes back to the form, never the password.
    assert short.headers["location"] == "/signup?error=invalid&email=someone%40example.com"
    assert "short" not in short.headers["location"]
    bad = await _sign_up(browser, "not an address", "/executions")
    assert bad.headers["location"] == (
        "/signup?error=invalid&next=/executions&email=not+an+address"
    )


async def test_an_invitee_signs_up_by_the_link_and_accepts_the_invitation(
    browser: httpx.AsyncClient, env: dict[str, str], alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    db = env["database_url"]
    made = organizations.invite(db, alice.actor(), {"role": "editor"})
    invite_page = "/invite?token=" + made.link.split("token=", 1)[1]
    email = f"invitee-{uuid.uuid4().hex[:6]}@example.com"
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        await _sign_up(browser, email, invite_page)
    finished = await _finish(browser, _finish_links(caplog)[0])
    assert finished.headers["location"] == invite_page  # back to the invitation
    browser.cookies.set(SESSION_COOKIE, finished.cookies[SESSION_COOKIE])
    accepted = await browser.post(
        "/auth/accept-invite", data={"token": invite_page.split("token=")[1]}, headers=SAME_SITE
    )
    assert accepted.headers["location"] == "/workflows"
    user = accounts.session_user(db, finished.cookies[SESSION_COOKIE])
    assert user is not None and user.org_id == alice.org_id and user.role == "editor"


async def test_sign_up_mails_are_rate_limited_per_address(
    browser: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    email = f"flood-{uuid.uuid4().hex[:6]}@example.com"
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        for _ in range(5):
            response = await _sign_up(browser, email, "/")
            assert response.headers["location"] == "/signup?notice=check_email"
    assert len(_finish_links(caplog)) == 3


async def test_a_failed_login_keeps_where_the_user_was_going(browser: httpx.AsyncClient) -> None:
    form = {"email": "nobody@example.com", "password": "wrong password", "next": "/executions"}
    response = await browser.post("/auth/login", data=form, headers=SAME_SITE)
    assert response.headers["location"] == (
        "/login?error=invalid_credentials&next=/executions&email=nobody%40example.com"
    )
    assert "wrong" not in response.headers["location"]
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize(
    "route", ["signup", "finish-signup", "login", "logout", "switch-org", "forgot-password"]
)
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
