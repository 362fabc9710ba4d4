"""The run page says what ran: the workflow and its version (linked back to the
builder), each step's node by name and id, and skipped steps as skipped."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.workflows.management import create_workflow, publish
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.e2e.test_executions_page import finished, submit
from tests.integration.conftest import workflow

SLOW = 30_000  # the first visit of a page may wait for the app's first compile

# A condition that is false: "agree" (named) is skipped, "disagree" (unnamed) runs.
BRANCHES = workflow(
    [
        {
            "id": "check",
            "type": "condition",
            "name": "Is it big?",
            "config": {"expression": "1 > 2"},
        },
        {"id": "agree", "type": "template", "name": "Say yes", "config": {"template": "yes"}},
        {"id": "disagree", "type": "template", "config": {"template": "no"}},
    ],
    [("start", "check"), ("check", "agree", "true"), ("check", "disagree", "false")],
)


def finished_run(account: Account, redis_url: str, **kwargs: object) -> uuid.UUID:
    run_id = submit(account.database_url, redis_url, BRANCHES, org_id=account.org_id, **kwargs)
    wait_for(lambda: finished(account.database_url, run_id, account))
    return run_id


def test_the_run_page_names_the_workflow_and_version_and_links_back(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    workflow_id = create_workflow(clean_db, "Triage", document=BRANCHES, org_id=account.org_id)
    version = publish(clean_db, workflow_id, org_id=account.org_id)
    run_id = finished_run(account, redis_url, workflow_id=workflow_id, workflow_version=version)
    page.goto(f"/executions/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=SLOW)
    expect(page.get_by_test_id("run-version")).to_have_text(f"version {version}")
    link = page.get_by_test_id("run-workflow")
    expect(link).to_have_text("Triage")
    expect(link).to_have_attribute("href", f"/workflows/{workflow_id}")
    link.click()
    expect(page).to_have_url(re.compile(f"/workflows/{workflow_id}$"))
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute(
        "data-node-count", "4", timeout=SLOW
    )


def test_a_draft_run_and_a_document_run_say_what_they_ran(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    workflow_id = create_workflow(clean_db, "Drafty", document=BRANCHES, org_id=account.org_id)
    draft_run = finished_run(account, redis_url, workflow_id=workflow_id)
    page.goto(f"/executions/{draft_run}")
    expect(page.get_by_test_id("run-version")).to_have_text("draft", timeout=SLOW)
    expect(page.get_by_test_id("run-workflow")).to_have_attribute(
        "href", f"/workflows/{workflow_id}"
    )
    # A document run as is belongs to no workflow: its own name, and nothing to link to.
    document_run = finished_run(account, redis_url)
    page.goto(f"/executions/{document_run}")
    expect(page.get_by_test_id("run-workflow")).to_have_text("scenario", timeout=SLOW)
    expect(page.get_by_test_id("run-workflow")).not_to_have_attribute("href", re.compile("."))
    expect(page.get_by_test_id("run-version")).to_have_text("–")


def test_steps_show_the_node_name_and_id_and_skipped_steps_say_skipped(
    page: Page, account: Account, clean_db: str, redis_url: str
) -> None:
    run_id = finished_run(account, redis_url)
    steps = {
        s["node"]: s["status"]
        for s in describe_run(clean_db, run_id, org_id=account.org_id)["steps"]
    }
    assert steps["agree"] == "skipped" and steps["disagree"] == "succeeded"
    page.goto(f"/executions/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=SLOW)

    named = page.get_by_test_id("step-check")
    expect(named.get_by_test_id("step-name")).to_have_text("Is it big?")
    expect(named.get_by_test_id("step-id")).to_have_text("check")
    # A node without a name goes by its type's title, as on the canvas.
    unnamed = page.get_by_test_id("step-disagree")
    expect(unnamed.get_by_test_id("step-name")).to_have_text("Template")
    expect(unnamed.get_by_test_id("step-id")).to_have_text("disagree")
    expect(unnamed.get_by_test_id("step-summary")).to_contain_text("×1 ·")

    skipped = page.get_by_test_id("step-agree")
    expect(skipped.get_by_test_id("step-name")).to_have_text("Say yes")
    expect(skipped.get_by_test_id("step-summary")).to_contain_text("skipped")
    expect(skipped.get_by_test_id("step-summary")).not_to_contain_text("×0")
    expect(skipped).not_to_contain_text("$0")
    bar = page.get_by_test_id("timeline-bar").filter(has_text=re.compile("^agree"))
    expect(bar).to_contain_text("skipped")
    expect(bar).not_to_contain_text(" ms")
