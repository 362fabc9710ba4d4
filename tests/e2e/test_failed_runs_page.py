"""Executions → Failed runs in the browser: filter, select, bulk rerun with confirmation."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.e2e.test_executions_page import QUICK, finished, submit
from tests.integration.conftest import workflow

BROKEN = workflow(
    [{"id": "call", "type": "http", "config": {"url": "http://169.254.169.254/latest"}}],
    [("start", "call")],
    name="Metadata probe",
)


def _reruns(database_url: str) -> int:
    with session_scope(database_url) as session:
        return int(
            session.execute(
                select(func.count()).select_from(Run).where(col(Run.rerun_of).is_not(None))
            ).scalar_one()
        )


def _failed_reruns(database_url: str) -> int:
    with session_scope(database_url) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Run)
                .where(col(Run.rerun_of).is_not(None), col(Run.status) == "failed")
            ).scalar_one()
        )


def test_bulk_rerun_of_failed_runs_after_confirmation(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    failed = [submit(clean_db, redis_url, BROKEN, org_id=account.org_id) for _ in range(2)]
    ok = submit(clean_db, redis_url, QUICK, org_id=account.org_id)
    for run_id in [*failed, ok]:
        wait_for(lambda run_id=run_id: finished(clean_db, run_id, account))

    page.goto("/executions")
    # The list is filled by the page's load event: once it shows the runs, the page is
    # live and a click on the link navigates (a click before that can be lost).
    expect(page.get_by_test_id("run-total")).to_have_text("3 runs")
    page.get_by_test_id("failed-runs-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed runs")
    rows = page.get_by_test_id("failed-run-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("blocked_address")
    expect(rows.first).to_contain_text("call")

    page.get_by_test_id("error-filter").fill("no such error")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id("error-filter").fill("blocked")
    expect(rows).to_have_count(2)

    bulk = page.get_by_test_id("bulk-rerun")
    expect(bulk).to_be_disabled()
    page.get_by_test_id("select-all").click()
    expect(bulk).to_contain_text("(2)")
    bulk.click()
    page.get_by_role("button", name="Cancel").click()  # nothing happens without confirming
    assert _reruns(clean_db) == 0

    bulk.click()
    page.get_by_test_id("confirm-bulk-rerun").click()
    expect(page.get_by_test_id("bulk-rerun-message")).to_have_text("Started 2 rerun(s).")
    assert _reruns(clean_db) == 2
    expect(bulk).to_contain_text("(0)")

    # The reruns fail the same way and join the list; the trigger filter finds them.
    wait_for(lambda: _failed_reruns(clean_db) == 2)
    page.reload()
    expect(rows).to_have_count(4)
    page.get_by_test_id("trigger-filter").click()
    page.get_by_role("option", name="rerun").click()
    expect(rows).to_have_count(2)
