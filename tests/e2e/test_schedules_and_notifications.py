"""The Schedules page (description, next times, pause) and the notifications bell and list."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agentflow.services.delivery import notifications
from agentflow.services.workflows import management as workflows
from tests.e2e.conftest import Account


def test_a_published_schedule_is_described_and_can_be_paused(
    page: Page, account: Account, clean_db: str
) -> None:
    page.goto("/schedules")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    document = {
        "format": "agentflow/v1",
        "name": "Morning digest",
        "nodes": [
            {
                "id": "tick",
                "type": "trigger",
                "config": {"kind": "schedule", "cron": "30 8 * * 1-5", "timezone": "Asia/Tokyo"},
            }
        ],
        "edges": [],
    }
    workflow_id = workflows.create_workflow(
        clean_db, "Morning digest", org_id=account.org_id, document=document
    )
    workflows.publish(clean_db, workflow_id, org_id=account.org_id)
    page.reload()
    row = page.get_by_test_id("schedule-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Morning digest")
    expect(row.get_by_test_id("schedule-description")).to_have_text(
        "At 08:30, Monday through Friday (Asia/Tokyo)"
    )
    expect(row.get_by_test_id("schedule-next")).to_have_text(
        re.compile(r"^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 08:30$")
    )
    expect(row).to_contain_text("(Asia/Tokyo)")

    row.get_by_test_id("schedule-enabled").click()
    expect(row).to_contain_text("paused by")
    expect(row.get_by_test_id("schedule-next")).to_have_count(0)
    row.get_by_test_id("schedule-enabled").click()
    expect(row.get_by_test_id("schedule-next")).to_be_visible()


def test_the_bell_counts_unread_notices_and_the_list_marks_them_read(
    page: Page, account: Account, clean_db: str
) -> None:
    notifications.notify(
        clean_db, account.org_id, "run.failed", "“Nightly” failed", body="HTTP 503",
        link="/executions/failed",
    )  # fmt: skip
    notifications.notify(clean_db, account.org_id, "run.waiting", "“Deploy” waits for an approval")
    page.goto("/workflows")
    bell = page.get_by_test_id("notification-bell")
    expect(bell.get_by_test_id("unread-count")).to_have_text("2")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("“Deploy” waits for an approval")
    expect(items.nth(1)).to_contain_text("HTTP 503")
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("mark-all-read")).to_be_disabled()
    page.reload()
    expect(page.get_by_test_id("notification-bell").get_by_test_id("unread-count")).to_have_count(0)
    expect(page.get_by_test_id("notification")).to_have_count(2)
