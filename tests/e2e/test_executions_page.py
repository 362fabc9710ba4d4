"""The Executions page and the run page, with runs executed by the app's workers."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Page, expect

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.queue import connect
from agentflow.services.runs.dispatch import start_run
from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.workflows.management import create_workflow
from tests.actors import operator
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.integration.conftest import workflow

QUICK = workflow(
    [
        {"id": "first", "type": "template", "config": {"template": "one"}},
        {"id": "second", "type": "delay", "config": {"seconds": 0.3}},
    ],
    [("start", "first"), ("first", "second")],
)
GATED = workflow(
    [
        {"id": "review", "type": "approval", "config": {"message": "ok?"}},
        {"id": "ship", "type": "template", "config": {"template": "shipped"}},
    ],
    [("start", "review"), ("review", "ship", "approved")],
)


def submit(
    database_url: str, redis_url: str, document: dict, *, org_id: uuid.UUID, **kwargs
) -> uuid.UUID:  # type: ignore[type-arg,no-untyped-def]
    async def go() -> uuid.UUID:
        queue = await connect(redis_url)
        try:
            return await start_run(
                database_url, queue, document, {}, actor=operator(org_id), **kwargs
            )
        finally:
            await queue.aclose()

    # Playwright's sync API keeps an event loop running in this thread: use another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def finished(database_url: str, run_id: uuid.UUID, account: Account) -> bool:
    status = describe_run(database_url, run_id, org_id=account.org_id)["status"]
    return status in ("succeeded", "failed")


def test_runs_are_listed_filtered_and_appear_live(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    workflow_id = create_workflow(clean_db, "Quick one", document=QUICK, org_id=account.org_id)
    first = submit(clean_db, redis_url, QUICK, workflow_id=workflow_id, org_id=account.org_id)
    wait_for(lambda: finished(clean_db, first, account))
    page.goto("/executions")
    expect(page.get_by_test_id("run-row")).to_have_count(1)
    expect(page.get_by_test_id("run-row").first).to_contain_text("Quick one")
    expect(page.get_by_test_id("run-row").first).to_contain_text("succeeded")
    # A run started while the page is open appears without a reload.
    submit(clean_db, redis_url, GATED, org_id=account.org_id)
    expect(page.get_by_test_id("run-row")).to_have_count(2, timeout=10_000)
    expect(page.get_by_test_id("run-total")).to_have_text("2 runs")
    page.get_by_test_id("run-status-filter").click()
    page.get_by_role("option", name="waiting").click()
    expect(page.get_by_test_id("run-row")).to_have_count(1, timeout=10_000)
    expect(page.get_by_test_id("run-row").first).to_contain_text("waiting")
    page.get_by_test_id("since").fill("2999-01-01")
    expect(page.get_by_text("No runs match")).to_be_visible()


def test_the_run_page_shows_a_timeline_and_approves(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    run_id = submit(clean_db, redis_url, GATED, org_id=account.org_id)
    wait_for(lambda: describe_run(clean_db, run_id, org_id=account.org_id)["status"] == "waiting")
    page.goto(f"/executions/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_text("waiting")
    page.get_by_role("button", name=re.compile("Approve review")).click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15_000)
    bars = page.get_by_test_id("timeline-bar")
    expect(bars).to_have_count(3)  # start, review, ship
    expect(bars.nth(2)).to_contain_text("ship")
    page.get_by_test_id("step-ship").get_by_text("ship", exact=True).click()
    expect(page.get_by_test_id("step-ship")).to_contain_text('"shipped"')
    expect(page.get_by_test_id("events")).to_contain_text("succeeded")
    assert describe_run(clean_db, run_id, org_id=account.org_id)["status"] == "succeeded"


def test_cancel_and_rerun_from_the_run_page(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    # Long enough to still be under way however long the first page load takes: the
    # cancel ends it.
    slow = workflow([{"id": "nap", "type": "delay", "config": {"seconds": 60}}], [("start", "nap")])
    run_id = submit(clean_db, redis_url, slow, org_id=account.org_id)
    page.goto(f"/executions/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_text(re.compile("running|waiting"))
    page.get_by_role("button", name="Cancel run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled", timeout=10_000)
    page.get_by_test_id("rerun").click()
    expect(page).not_to_have_url(re.compile(str(run_id)))
    expect(page).to_have_url(re.compile(r"/executions/[0-9a-f-]{36}$"))


def test_an_unknown_run_says_so(page: Page, app_url: str) -> None:
    page.goto(f"/executions/{uuid.uuid4()}")
    expect(page.get_by_text("This run does not exist in your organisation.")).to_be_visible()


def test_another_organisations_runs_are_invisible(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    theirs = submit(clean_db, redis_url, QUICK, org_id=LOCAL_ORG_ID)  # not this user's
    wait_for(lambda: describe_run(clean_db, theirs, org_id=LOCAL_ORG_ID)["status"] == "succeeded")
    page.goto("/executions")
    expect(page.get_by_text("No runs match")).to_be_visible()
    expect(page.get_by_test_id("run-row")).to_have_count(0)
    page.goto(f"/executions/{theirs}")
    expect(page.get_by_text("This run does not exist in your organisation.")).to_be_visible()
