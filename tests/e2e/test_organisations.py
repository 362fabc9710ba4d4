"""Settings → General and the organisation switcher: each organisation sees only its own."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agentflow.services.workflows import management as workflows
from tests.e2e.conftest import Account


def test_rename_create_and_switch_organisations(page: Page, account: Account) -> None:
    workflows.create_workflow(account.database_url, "Only in the first", org_id=account.org_id)
    page.goto("/settings")
    expect(page.get_by_test_id("my-role")).to_have_text("owner")
    expect(page.get_by_test_id("org-slug")).to_have_text(re.compile(r"^test-org-[0-9a-f]{8}$"))
    page.get_by_test_id("org-name").fill("Acme <b>Ops</b>")
    page.get_by_test_id("save-org-name").click()
    expect(page.get_by_test_id("org-saved")).to_be_visible()
    switcher = page.get_by_test_id("org-switcher")
    expect(switcher).to_contain_text("Acme <b>Ops</b>")  # as text, never markup
    assert switcher.locator("b").count() == 0

    page.get_by_test_id("open-new-org").click()
    page.get_by_test_id("create-org").click()
    expect(page.get_by_role("dialog")).to_contain_text("Name must not be empty.")
    page.get_by_test_id("new-org-name").fill("Side project")
    page.get_by_test_id("create-org").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.goto("/workflows")
    expect(page.get_by_test_id("workflow-row")).to_have_count(1)
    switcher.click()
    page.get_by_test_id("switch-org").filter(has_text="Side project").click()
    expect(page).to_have_url(re.compile(r"/workflows/?$"))
    expect(switcher).to_contain_text("Side project")
    expect(page.get_by_test_id("workflow-row")).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_be_visible()

    switcher.click()
    page.get_by_test_id("switch-org").filter(has_text="Acme").click()
    expect(switcher).to_contain_text("Acme")
    expect(page.get_by_test_id("workflow-row")).to_have_count(1)
