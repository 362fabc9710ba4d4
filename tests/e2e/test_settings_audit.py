"""Settings → Audit in a real browser: actions listed, filters narrow, CSV matches, pages."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from agentflow.services.tenancy import api_keys
from agentflow.services.tenancy.permissions import Role
from tests.e2e.conftest import Account, signed_in_context
from tests.e2e.invited import invited


def _pick(page: Page, trigger_test_id: str, option: str) -> None:
    page.get_by_test_id(trigger_test_id).click()
    page.get_by_role("option", name=option, exact=True).click()


def _download(page: Page) -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.get_by_test_id("audit-export").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text()
    return list(csv.DictReader(io.StringIO(text)))


def test_actions_are_listed_filtered_and_exported(
    page: Page, app_url: str, account: Account
) -> None:
    # Some actions through the pages…
    page.goto("/settings/secrets")
    page.get_by_test_id("secret-name").fill("AUDITED_KEY")
    page.get_by_test_id("secret-value").fill("a-value-" + uuid.uuid4().hex)
    page.get_by_test_id("create-secret").click()
    expect(page.get_by_test_id("secret-row")).to_have_count(1)
    page.goto("/settings/members")
    page.get_by_test_id("create-invitation").click()
    expect(page.get_by_test_id("invite-link")).to_be_visible()
    # …and someone else joining.
    member = invited(app_url, account, Role.EDITOR)

    page.goto("/settings/audit")
    expect(page.get_by_test_id("settings-tab-audit")).to_have_attribute("aria-current", "page")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    for action in ("account.sign_up", "secret.create", "member.invite", "member.join"):
        expect(rows.filter(has_text=action).first).to_be_visible()
    total = rows.count()
    secret_row = rows.filter(has_text="secret.create")
    expect(secret_row).to_contain_text("secret: AUDITED_KEY")
    expect(secret_row).to_contain_text(account.email)

    _pick(page, "audit-action-filter", "secret.create")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("AUDITED_KEY")
    exported = _download(page)
    assert [(r["action"], r["target_id"], r["actor_label"]) for r in exported] == [
        ("secret.create", "AUDITED_KEY", account.email)
    ]
    assert "a-value-" not in str(exported)  # values never reach the trail

    _pick(page, "audit-action-filter", "member.* (all)")
    expect(rows).to_have_count(3)  # two invitations and the join
    _pick(page, "audit-actor-filter", member.email)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("member.join")
    exported = _download(page)
    assert [(r["action"], r["actor_id"]) for r in exported] == [
        ("member.join", str(member.user_id))
    ]

    page.get_by_role("button", name="Clear").click()
    expect(rows).to_have_count(total)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    page.get_by_test_id("audit-since").fill(tomorrow)
    expect(page.get_by_test_id("empty-state")).to_contain_text("No events match")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    page.get_by_test_id("audit-since").fill(today)
    page.get_by_test_id("audit-until").fill(today)
    expect(rows).to_have_count(total)
    assert len(_download(page)) == total


def test_older_events_are_a_page_away(page: Page, account: Account) -> None:
    for number in range(55):
        api_keys.create_api_key(
            account.database_url, account.actor(), {"name": f"key {number}", "scopes": ["read"]}
        )
    page.goto("/settings/audit")
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("key 54")  # newest first
    expect(page.get_by_test_id("audit-newer")).to_be_disabled()
    page.get_by_test_id("audit-older").click()
    expect(rows).to_have_count(6)  # the 5 oldest keys and the sign-up
    expect(rows.last).to_contain_text("account.sign_up")
    expect(page.get_by_test_id("audit-older")).to_be_disabled()
    page.get_by_test_id("audit-newer").click()
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("key 54")


def test_only_admins_read_the_trail(browser: Browser, app_url: str, account: Account) -> None:
    editor = invited(app_url, account, Role.EDITOR)
    context = signed_in_context(browser, app_url, editor)
    try:
        page = context.new_page()
        page.goto("/settings/audit")
        expect(page.get_by_test_id("audit-error")).to_contain_text(
            "your role does not allow audit.read"
        )
        expect(page.get_by_test_id("audit-row")).to_have_count(0)
        expect(page.get_by_test_id("audit-export")).to_have_count(0)
    finally:
        context.close()
