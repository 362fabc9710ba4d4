"""Settings → Secrets in a real browser: values go in and never come back out."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings
from tests.e2e.conftest import Account, signed_in_context
from tests.e2e.invited import invited

FIRST_VALUE = "sk-first-" + uuid.uuid4().hex
SECOND_VALUE = "sk-second-" + uuid.uuid4().hex


def _names(account: Account) -> list[str]:
    # Names only: the app encrypts with its own server secret, not this process's.
    return [info.name for info in org_secrets.list_secrets(account.database_url, account.actor())]


def test_create_replace_and_delete_a_secret_without_ever_showing_it(
    page: Page, account: Account, app_url: str
) -> None:
    page.goto("/settings/secrets")
    expect(page.get_by_test_id("secrets-explanation")).to_contain_text("{{ env.NAME }}")
    expect(page.get_by_test_id("no-secrets")).to_be_visible()

    page.get_by_test_id("secret-name").fill("OPENAI_KEY")
    page.get_by_test_id("secret-value").fill(FIRST_VALUE)
    page.get_by_test_id("create-secret").click()
    expect(page.get_by_test_id("secrets-notice")).to_contain_text("{{ env.OPENAI_KEY }}")
    row = page.get_by_test_id("secret-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("secret-row-name")).to_have_text("OPENAI_KEY")
    expect(row).to_contain_text(account.email)  # who created it
    # The form was cleared and the value is nowhere in the page.
    expect(page.get_by_test_id("secret-value")).to_have_value("")
    assert FIRST_VALUE not in page.content()
    assert _names(account) == ["OPENAI_KEY"]

    page.reload()
    expect(page.get_by_test_id("secret-row")).to_have_count(1)
    assert FIRST_VALUE not in page.content()

    # Replace the value: the dialog's password field, never pre-filled.
    page.get_by_test_id("update-secret").click()
    field = page.get_by_test_id("update-secret-value")
    expect(field).to_have_value("")
    expect(field).to_have_attribute("type", "password")
    field.fill(SECOND_VALUE)
    page.get_by_test_id("confirm-update-secret").click()
    expect(page.get_by_test_id("secrets-notice")).to_contain_text("value of OPENAI_KEY")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert SECOND_VALUE not in page.content() and FIRST_VALUE not in page.content()

    # A name that breaks the rule is refused with the rule, and nothing is stored.
    page.get_by_test_id("secret-name").fill("lower case")
    page.get_by_test_id("secret-value").fill("whatever-value")
    page.get_by_test_id("create-secret").click()
    expect(page.get_by_test_id("secret-error")).to_contain_text("uppercase letter")
    expect(page.get_by_test_id("secret-row")).to_have_count(1)

    # Delete, after confirming.
    page.get_by_test_id("delete-secret").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("OPENAI_KEY")
    page.get_by_test_id("confirm-delete-secret").click()
    expect(page.get_by_test_id("no-secrets")).to_be_visible()
    assert _names(account) == []


def test_viewers_see_the_refusal_and_editors_only_names(
    browser: Browser, app_url: str, account: Account
) -> None:
    database_url = account.database_url
    # Encrypted with a key of this test's own: the pages only ever list names.
    key = Settings(secret_key="e2e-listing-only-" + "k" * 40)
    org_secrets.create_secret(
        database_url,
        account.actor(),
        {"name": "SHARED_TOKEN", "value": FIRST_VALUE},
        settings=key,
    )
    people = {role: invited(app_url, account, role) for role in (Role.VIEWER, Role.EDITOR)}

    viewer = signed_in_context(browser, app_url, people[Role.VIEWER])
    try:
        page = viewer.new_page()
        page.goto("/settings/secrets")
        expect(page.get_by_test_id("secrets-error")).to_contain_text(
            "your role does not allow secret.read_names"
        )
        expect(page.get_by_test_id("secret-row")).to_have_count(0)
        expect(page.get_by_test_id("create-secret")).to_have_count(0)
    finally:
        viewer.close()

    editor = signed_in_context(browser, app_url, people[Role.EDITOR])
    try:
        page = editor.new_page()
        page.goto("/settings/secrets")
        expect(page.get_by_test_id("secret-row")).to_have_count(1)
        expect(page.get_by_test_id("secret-row")).to_contain_text("SHARED_TOKEN")
        expect(page.get_by_test_id("create-secret")).to_have_count(0)
        expect(page.get_by_test_id("update-secret")).to_have_count(0)
        expect(page.get_by_test_id("delete-secret")).to_have_count(0)
        assert FIRST_VALUE not in page.content()
    finally:
        editor.close()
