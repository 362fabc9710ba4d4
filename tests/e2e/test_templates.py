"""The template gallery in a real browser: browse, install, edit and run; a template
with a missing secret asks for it, and its runs are refused until it is given."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from agentflow.services.templates.official import load_official_templates
from agentflow.services.templates.publishing import publish
from agentflow.services.workflows import management as workflows
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import Account, signed_in_context
from tests.e2e.test_builder import fill, select_node, wait_saved
from tests.integration.conftest import workflow

SLOW = 30_000
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SUMMARY = {
    "summary": "Export ships Monday.",
    "decisions": ["Drop the legacy CSV format"],
    "action_items": [{"owner": "Li", "task": "Write release notes", "due": "Friday"}],
}


@pytest.fixture
def gallery_page(browser: Browser, app_url: str, account: Account) -> Iterator[Page]:
    """Signed in, with the official templates loaded (the account fixture emptied the
    database after `agentflow up` had loaded them)."""
    load_official_templates(account.database_url)
    context = signed_in_context(browser, app_url, account, viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def runs_of(account: Account) -> int:
    with session_scope(account.database_url) as session:
        query = select(func.count()).select_from(Run).where(Run.org_id == account.org_id)  # type: ignore[arg-type]
        return int(session.execute(query).scalar_one())


def test_browse_install_edit_and_run_an_official_template(
    gallery_page: Page, account: Account
) -> None:
    page = gallery_page
    page.goto("/templates")
    cards = page.get_by_test_id("template-card")
    expect(cards.first).to_be_visible(timeout=SLOW)
    assert cards.count() >= 10
    expect(page.get_by_text("Document Q&A")).to_have_count(0)  # waits for knowledge bases

    page.get_by_test_id("category-filters").get_by_role("button", name="Finance").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Invoice data extraction")
    page.get_by_test_id("category-filters").get_by_role("button", name="All").click()
    page.get_by_test_id("template-search").fill("transcript")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Meeting notes summariser")
    expect(cards.first).to_contain_text("3 steps")
    cards.first.get_by_test_id("template-link").click()

    expect(page.get_by_test_id("template-name")).to_have_text("Meeting notes summariser")
    expect(page.get_by_test_id("preview-node")).to_have_count(3)
    expect(page.get_by_test_id("template-preview")).to_contain_text("Summarise")
    expect(page.get_by_test_id("template-inputs")).to_contain_text("transcript")
    expect(page.get_by_test_id("template-needs")).to_contain_text("No secrets")
    page.get_by_test_id("use-template").click()
    page.get_by_test_id("install-name").fill("Our meeting notes")
    page.get_by_test_id("install-submit").click()

    expect(page).to_have_url(re.compile(rf"/workflows/{UUID}$"), timeout=SLOW)
    workflow_id = uuid.UUID(page.url.rsplit("/", 1)[1])
    canvas = page.get_by_test_id("builder-canvas")
    expect(canvas).to_have_attribute("data-node-count", "3", timeout=SLOW)
    draft = workflows.get_draft(account.database_url, workflow_id, org_id=account.org_id)
    assert draft["name"] == "Our meeting notes"
    assert draft["nodes"][1]["config"]["model"] == "openai/gpt-4o-mini"  # the setting

    # Edit: a canned reply, so the run needs no provider key.
    select_node(page, "summarise")
    fill(page, "config.mock_response", json.dumps(SUMMARY))
    wait_saved(page)
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("run-input").fill(json.dumps({"title": "Sync", "transcript": "..."}))
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    select_node(page, "notes")
    expect(page.get_by_test_id("step-output")).to_contain_text("Write release notes (Li, due")

    page.goto("/templates")
    meeting = cards.filter(has_text="Meeting notes summariser")
    expect(meeting).to_contain_text("1 install", timeout=SLOW)


def test_a_template_with_a_missing_secret_asks_for_it_and_does_not_run_until_given(
    gallery_page: Page, account: Account
) -> None:
    page = gallery_page
    document = workflow(
        # Only an http request may carry a secret's value; asking whether it is set is fine.
        [
            {
                "id": "hello",
                "type": "template",
                "config": {"template": "{{ env.GREETING_TOKEN is defined }}"},
            }
        ],
        [("start", "hello")],
    )
    source = workflows.create_workflow(
        account.database_url, "Token greeter", org_id=account.org_id, document=document
    )
    published = publish(account.database_url, account.actor(), {"workflow_id": str(source)})

    page.goto("/templates")
    card = page.get_by_test_id("template-card").filter(has_text="Token greeter")
    expect(card).to_contain_text("Your organisation", timeout=SLOW)
    expect(card.get_by_test_id("card-secrets")).to_have_text("Needs GREETING_TOKEN")
    card.get_by_test_id("template-link").click()
    needs = page.get_by_test_id("template-needs")
    expect(needs).to_contain_text("missing in your organisation")

    page.get_by_test_id("use-template").click()
    expect(page.get_by_role("dialog").get_by_test_id("secret-GREETING_TOKEN")).to_be_visible()
    page.get_by_test_id("install-submit").click()  # asked, not given
    expect(page.get_by_test_id("install-error")).to_contain_text("Enter a value for GREETING_TOKEN")
    page.get_by_test_id("install-skip-secrets").click()

    expect(page).to_have_url(re.compile(rf"/workflows/{UUID}$"), timeout=SLOW)
    installed = page.url
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute(
        "data-node-count", "2", timeout=SLOW
    )
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-problems")).to_contain_text(
        "reads the secret GREETING_TOKEN, which is not defined yet"
    )
    assert runs_of(account) == 0  # refused before anything was queued

    page.goto(f"/templates/{published.template_id}")
    page.get_by_test_id("template-needs").get_by_test_id("secret-GREETING_TOKEN").fill(
        "tok-1234567"
    )
    page.get_by_test_id("save-secrets").click()
    expect(needs).to_contain_text("defined", timeout=SLOW)
    expect(needs).not_to_contain_text("missing in your organisation")

    page.goto(installed)
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute(
        "data-node-count", "2", timeout=SLOW
    )
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    select_node(page, "hello")
    expect(page.get_by_test_id("step-output")).not_to_contain_text("tok-1234567")  # masked
    assert runs_of(account) == 1


def test_an_older_version_is_installed_from_the_version_list(
    gallery_page: Page, account: Account
) -> None:
    page = gallery_page
    document = workflow(
        [{"id": "hello", "type": "template", "config": {"template": "first words"}}],
        [("start", "hello")],
    )
    source = workflows.create_workflow(
        account.database_url, "Two versions", org_id=account.org_id, document=document
    )
    first = publish(account.database_url, account.actor(), {"workflow_id": str(source)})
    document["nodes"][1]["config"]["template"] = "second words"
    workflows.save_draft(account.database_url, source, document, org_id=account.org_id)
    data = {"workflow_id": str(source), "changelog": "Reworded"}
    publish(account.database_url, account.actor(), data)

    page.goto(f"/templates/{first.template_id}")
    versions = page.get_by_test_id("versions")
    expect(versions).to_contain_text("Reworded", timeout=SLOW)
    expect(versions.get_by_test_id("install-version-2")).to_have_count(0)  # the newest: above
    versions.get_by_test_id("install-version-1").click()
    expect(page.get_by_role("dialog")).to_contain_text("from version 1, not the newest")
    page.get_by_test_id("install-submit").click()
    expect(page).to_have_url(re.compile(rf"/workflows/{UUID}$"), timeout=SLOW)
    installed = uuid.UUID(page.url.rsplit("/", 1)[1])
    draft = workflows.get_draft(account.database_url, installed, org_id=account.org_id)
    assert draft["nodes"][1]["config"]["template"] == "first words"


@pytest.mark.skipif(
    not os.environ.get("AGENTFLOW_SCREENSHOTS"), reason="set AGENTFLOW_SCREENSHOTS=1 to refresh"
)
def test_screenshots_of_the_gallery(gallery_page: Page) -> None:
    """Refreshes docs/screenshots/templates-gallery.png and templates-detail.png."""
    page = gallery_page
    page.goto("/templates")
    expect(page.get_by_test_id("template-card").first).to_be_visible(timeout=SLOW)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "templates-gallery.png"))
    page.get_by_test_id("template-card").filter(has_text="Support ticket triage").get_by_test_id(
        "template-link"
    ).click()
    expect(page.get_by_test_id("preview-node")).to_have_count(8, timeout=SLOW)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "templates-detail.png"), full_page=True)
