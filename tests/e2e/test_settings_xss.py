"""Stored XSS: names people choose are rendered as text on every settings page."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from agentflow.services.tenancy import accounts, api_keys, organizations
from agentflow.services.tenancy.permissions import Role
from tests.e2e.conftest import Account, sign_up, signed_in_context

PAYLOAD = '<img src=x onerror="window.pwned=1">'


def _assert_inert(page: Page) -> None:
    """The payload is on the page as text, and no element was made from it."""
    expect(page.get_by_text(PAYLOAD).first).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_names_holding_markup_render_as_text(
    browser: Browser, app_url: str, account: Account
) -> None:
    database_url = account.database_url
    # An organisation named with markup, whose owner invites the account's user…
    owner = sign_up(app_url, database_url, f"x-{uuid.uuid4().hex[:8]}@example.com", PAYLOAD)
    # …a member named with markup, in that organisation…
    named, _ = accounts.sign_up(
        database_url,
        {
            "email": f"named-{uuid.uuid4().hex[:8]}@example.com",
            "password": "correct horse battery staple",
            "name": PAYLOAD,
        },
    )
    made = organizations.invite(database_url, owner.actor(), {"role": Role.EDITOR})
    organizations.accept_invitation(database_url, made.link.split("token=", 1)[1], user_id=named)
    # …and an API key named with markup (it also lands in the audit trail's details).
    api_keys.create_api_key(database_url, owner.actor(), {"name": PAYLOAD, "scopes": ["read"]})

    context = signed_in_context(browser, app_url, owner)
    try:
        page = context.new_page()
        for path in (
            "/settings",
            "/settings/members",
            "/settings/api-keys",
            "/settings/audit",
            "/workflows",
        ):
            page.goto(path)
            _assert_inert(page)
        # A secret cannot carry the name at all: the rule is shown, as text.
        page.goto("/settings/secrets")
        page.get_by_test_id("secret-name").fill(PAYLOAD[:64])
        page.get_by_test_id("secret-value").fill("some-secret-value")
        page.get_by_test_id("create-secret").click()
        expect(page.get_by_test_id("secret-error")).to_contain_text("uppercase letter")
        assert page.locator('img[src="x"]').count() == 0
        assert page.evaluate("typeof window.pwned") == "undefined"
    finally:
        context.close()

    # The invitation page names the inviting organisation to whoever holds the link.
    invited = organizations.invite(database_url, owner.actor(), {"role": Role.VIEWER})
    context = signed_in_context(browser, app_url, account)
    try:
        page = context.new_page()
        page.goto("/invite?token=" + invited.link.split("token=", 1)[1])
        expect(page.get_by_test_id("invite-offer")).to_contain_text(PAYLOAD)
        _assert_inert(page)
    finally:
        context.close()
