"""Refreshes the screenshots of the shell, the Analytics page and a run's timeline in
docs/screenshots (the builder's, the gallery's and the version compare's are taken
by their own pages' tests). Opt-in: ``AGENTFLOW_SCREENSHOTS=1``."""

from __future__ import annotations

import asyncio
import os
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from agentflow.services.runs.lifecycle import create_run, execute_run
from agentflow.services.workflows.management import create_workflow
from tests.e2e.conftest import Account, signed_in_context
from tests.e2e.test_builder import SCREENSHOTS, mid_run_document
from tests.integration.analytics.conftest import add_run
from tests.integration.conftest import workflow

pytestmark = pytest.mark.skipif(
    not os.environ.get("AGENTFLOW_SCREENSHOTS"), reason="set AGENTFLOW_SCREENSHOTS=1 to refresh"
)

NAMES = ("Ticket triage", "Daily digest", "Lead enrichment", "Meeting notes", "Invoice check")
MODELS = ("gpt-4o-mini", "claude-3-haiku", "gpt-4o")
PIPELINE = workflow(
    [
        {"id": "fetch", "type": "set", "config": {"values": {"ticket": "{{ input.ticket }}"}}},
        {"id": "classify", "type": "template", "config": {"template": "billing"}},
        {"id": "wait", "type": "delay", "config": {"seconds": "0.4"}},
        {"id": "reply", "type": "template", "config": {"template": "Thanks, we are on it."}},
    ],
    [
        ("start", "fetch"),
        ("fetch", "classify"),
        ("fetch", "wait"),
        ("classify", "reply"),
        ("wait", "reply"),
    ],
)


def test_screenshots_of_the_shell_analytics_and_a_run(
    browser: Browser, app_url: str, account: Account, clean_db: str
) -> None:
    org = account.org_id
    ids = [
        create_workflow(clean_db, name, document=mid_run_document(), org_id=org) for name in NAMES
    ]
    # A week of runs (the page's default period), for the charts.
    pick = random.Random(7)
    now = datetime.now(UTC)
    for day in range(7):
        for _ in range(pick.randint(6, 14)):
            add_run(
                clean_db, org, pick.choice(ids),
                status="failed" if pick.random() < 0.12 else "succeeded",
                cost=round(pick.uniform(0.002, 0.05), 4),
                finished_at=now - timedelta(days=day, hours=pick.randint(0, 20)),
                duration_s=pick.uniform(0.5, 12), model=pick.choice(MODELS),
            )  # fmt: skip
    timeline = create_workflow(clean_db, "Support pipeline", document=PIPELINE, org_id=org)
    run_id = create_run(clean_db, PIPELINE, {"ticket": "I was charged twice"}, org_id=org,
                        workflow_id=timeline)  # fmt: skip
    # In a thread of its own: Playwright's sync API owns this thread's event loop.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, execute_run(clean_db, run_id, org_id=org)).result()

    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        context = signed_in_context(
            browser, app_url, account, viewport={"width": 1440, "height": 900}, color_scheme=scheme
        )
        page = context.new_page()
        page.goto("/workflows")
        expect(page.get_by_text("Ticket triage")).to_be_visible()
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"shell{suffix}.png"))
        if scheme == "light":
            page.goto("/analytics")
            plot = page.get_by_test_id("chart-cost_by_model").locator(".js-plotly-plot")
            expect(plot).to_be_visible(timeout=30_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)
            page.goto(f"/executions/{run_id}")
            expect(page.get_by_test_id("run-status")).to_contain_text("succeeded")
            expect(page.get_by_test_id("step-reply")).to_be_visible()
            page.get_by_test_id("step-classify").get_by_test_id("step-name").click()
            expect(page.get_by_test_id("step-classify")).to_contain_text("billing")
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / "run-timeline.png"))
        context.close()
