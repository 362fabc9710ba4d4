"""Sign up in the browser, make an API key on Settings → API keys, use it, revoke it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from agentflow.services.tenancy import accounts
from state.web.api_v1.deps import SESSION_COOKIE
from tests.e2e.conftest import mailed_link

PASSWORD = "correct horse battery"


def _workflows_status(app_url: str, key: str) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{app_url}/api/v1/workflows", headers=headers, timeout=10).status_code


def test_sign_up_create_use_and_revoke_an_api_key(anonymous_page: Page, app_url: str) -> None:
    page = anonymous_page
    page.goto("/settings/api-keys")  # signed out: log in first, then come back here
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings/api-keys/?$"))
    page.get_by_test_id("to-signup").click()
    expect(page).to_have_url(re.compile(r"/signup/?\?next=/settings/api-keys/?$"))
    page.get_by_label("Name", exact=True).fill("Ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    # No account yet, whoever asks: the address is mailed a link to finish.
    expect(page.get_by_test_id("auth-notice")).to_contain_text("Check your e-mail")
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    page.goto(mailed_link(app_url, "ada@example.com", "/signup/finish"))
    page.get_by_test_id("finish-signup-submit").click()
    expect(page).to_have_url(re.compile(r"/settings/api-keys/?$"))
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] is True

    expect(page.get_by_test_id("no-keys")).to_be_visible()
    page.get_by_test_id("new-key-name").fill("CI pipeline")
    page.get_by_test_id("create-key").click()
    secret = page.get_by_test_id("new-key-secret")
    expect(secret).to_have_text(re.compile(r"^af_[a-z0-9]{12}_[A-Za-z0-9]{40}$"))
    key = secret.inner_text().strip()
    expect(page.get_by_test_id("api-key-row")).to_have_count(1)
    expect(page.get_by_test_id("api-key-row")).to_contain_text("CI pipeline")
    expect(page.get_by_test_id("api-key-row")).to_contain_text("read")
    expect(page.get_by_test_id("api-key-row")).not_to_contain_text(key)

    assert _workflows_status(app_url, key) == 200

    page.get_by_test_id("revoke-key").click()
    page.get_by_test_id("confirm-revoke").click()
    expect(page.get_by_test_id("api-key-row")).to_contain_text("revoked")
    assert _workflows_status(app_url, key) == 401

    page.reload()  # the secret is never shown again
    expect(page.get_by_test_id("api-key-row")).to_have_count(1)
    expect(page.get_by_test_id("new-key-secret")).to_have_count(0)


def test_login_with_a_wrong_password_shows_an_error_and_sets_no_cookie(
    anonymous_page: Page, clean_db: str
) -> None:
    page = anonymous_page
    accounts.sign_up(clean_db, {"email": "bob@example.com", "password": PASSWORD})
    page.goto("/login")
    page.get_by_label("Email").fill("bob@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(
        re.compile(r"/login/?\?error=invalid_credentials&email=bob%40example.com$")
    )
    expect(page.get_by_test_id("auth-error")).to_contain_text("incorrect")
    assert "not the password" not in page.url
    expect(page.get_by_label("Email")).to_have_value("bob@example.com")  # kept
    expect(page.get_by_label("Password")).to_have_value("")
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}

    page.get_by_label("Email").fill("bob@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/workflows/?$"))
    expect(page.get_by_test_id("signed-in-email")).to_have_text("bob@example.com")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    page.goto("/workflows")  # the old session is gone: every page asks to sign in again
    expect(page).to_have_url(re.compile(r"/login/?\?next=/workflows/?$"))


def test_a_refused_sign_up_keeps_what_was_typed_except_the_password(
    anonymous_page: Page, clean_db: str
) -> None:
    page = anonymous_page
    page.goto("/signup")
    page.get_by_label("Name", exact=True).fill("Dee")
    page.get_by_label("Email").fill("dee@example.com")
    page.get_by_label("Password").fill("short")  # the server wants 8 characters
    page.get_by_label("Organisation name").fill("Dee's bakery")
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("password of 8 to 256")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Dee")
    expect(page.get_by_label("Email")).to_have_value("dee@example.com")
    expect(page.get_by_label("Organisation name")).to_have_value("Dee's bakery")
    expect(page.get_by_label("Password")).to_have_value("")
    assert "short" not in page.url


class _Kept:
    """Keeps the message the service would mail (the app itself prints it to its log)."""

    body = ""

    def send(self, to: str, subject: str, body: str) -> None:
        self.body = body


def test_forgotten_password_is_reset_through_the_pages(anonymous_page: Page, clean_db: str) -> None:
    page = anonymous_page
    accounts.sign_up(clean_db, {"email": "cy@example.com", "password": PASSWORD})
    page.goto("/login")
    page.get_by_test_id("to-forgot").click()
    expect(page).to_have_url(re.compile(r"/forgot-password/?$"))
    # The router changes the address before it swaps the page: until the heading shows,
    # "Email" is still the log-in form's field, and filling it leaves this one empty.
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email").fill("cy@example.com")
    page.get_by_test_id("forgot-submit").click()
    expect(page.get_by_test_id("auth-notice")).to_contain_text("reset link is on its way")

    kept = _Kept()
    accounts.request_password_reset(clean_db, "cy@example.com", sender=kept)
    token = re.search(r"token=([\w-]+)", kept.body).group(1)  # type: ignore[union-attr]
    page.goto(f"/reset-password?token={token}")
    page.get_by_label("New password").fill("short")
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("8 to 256 characters")
    page.get_by_label("New password").fill("a fresh passphrase")  # the token still works
    page.get_by_test_id("reset-submit").click()
    expect(page).to_have_url(re.compile(r"/login/?\?notice=reset$"))
    expect(page.get_by_test_id("auth-notice")).to_contain_text("password was changed")
    page.get_by_label("Email").fill("cy@example.com")
    page.get_by_label("Password").fill("a fresh passphrase")
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/workflows/?$"))
