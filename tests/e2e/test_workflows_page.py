"""The Workflows page in a real browser."""

from __future__ import annotations

import json
import re

import yaml
from playwright.sync_api import Page, expect

from agentflow.services.workflows import management as svc
from tests.e2e.conftest import Account
from tests.integration.conftest import workflow

GOOD = workflow(
    [{"id": "hello", "type": "template", "config": {"template": "hi"}}], [("start", "hello")]
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def rows(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("workflow-row")


def row_action(page: Page, name: str, action: str) -> None:
    # By text, not by role: while a dialog or menu is open or closing, Radix marks the
    # rest of the page aria-hidden, which hides it from role queries (the click itself
    # still waits until nothing covers the button).
    exact_name = page.locator(f"a:text-is({json.dumps(name)})")
    rows(page).filter(has=exact_name).get_by_test_id("row-menu").click()
    page.get_by_role("menuitem", name=action).click()


def test_create_opens_the_new_workflow_and_lists_it(
    page: Page, account: Account, clean_db: str
) -> None:
    page.goto("/workflows")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_role("button", name="New workflow").click()
    page.get_by_test_id("create-workflow").click()
    expect(page.get_by_text("a workflow needs a name")).to_be_visible()  # nothing lost
    page.get_by_test_id("new-workflow-name").fill("Ticket triage")
    page.get_by_test_id("create-workflow").click()
    expect(page).to_have_url(re.compile(rf"/workflows/{UUID}$"))
    page.goto("/workflows")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Ticket triage")
    expect(rows(page).first).to_contain_text("draft")


def test_import_shows_every_problem_per_node_then_imports(
    page: Page, account: Account, clean_db: str
) -> None:
    broken = {
        **GOOD,
        "nodes": [*GOOD["nodes"], {"id": "ghost", "type": "teleport", "config": {}}],
        "edges": [*GOOD["edges"], {"source": "hello", "target": "nowhere"}],
    }
    page.goto("/workflows")
    page.get_by_role("button", name="Import").click()
    page.get_by_test_id("import-text").fill(yaml.safe_dump(broken))
    page.get_by_test_id("import-submit").click()
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_contain_text("ghost")
    expect(problems).to_contain_text("teleport")
    expect(problems).to_contain_text("nowhere")
    assert svc.list_workflows(clean_db, org_id=account.org_id) == []  # nothing stored
    page.get_by_test_id("import-text").fill(json.dumps({**GOOD, "name": "Imported"}))
    page.get_by_test_id("import-submit").click()
    expect(page).to_have_url(re.compile(rf"/workflows/{UUID}$"))
    assert [w.name for w in svc.list_workflows(clean_db, org_id=account.org_id)] == ["Imported"]


def test_a_file_over_the_size_limit_is_refused_with_a_reason(
    page: Page, account: Account, clean_db: str
) -> None:
    page.goto("/workflows")
    page.get_by_role("button", name="Import").click()
    big = json.dumps({**GOOD, "description": "x" * (1024 * 1024)}).encode()
    page.locator("#workflow-file input[type=file]").set_input_files(
        files=[{"name": "big.json", "mimeType": "application/json", "buffer": big}]
    )
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_contain_text("over 1 MiB, the size limit of a workflow document")
    assert svc.list_workflows(clean_db, org_id=account.org_id) == []


def test_search_filter_rename_duplicate_delete_and_export(
    page: Page, account: Account, clean_db: str
) -> None:
    draft = svc.create_workflow(clean_db, "Alpha draft", org_id=account.org_id)
    published = svc.import_workflow(
        clean_db, json.dumps({**GOOD, "name": "Beta live"}), org_id=account.org_id
    )
    svc.publish(clean_db, published, org_id=account.org_id)
    assert draft
    page.goto("/workflows")
    expect(rows(page)).to_have_count(2)
    page.get_by_test_id("workflow-search").fill("beta")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Beta live")
    page.get_by_test_id("workflow-search").fill("")
    expect(rows(page)).to_have_count(2)
    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="draft").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Alpha draft")
    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="all").click()
    expect(page.get_by_test_id("status-filter")).to_have_text("all")
    expect(rows(page)).to_have_count(2)  # both again before acting on either

    row_action(page, "Alpha draft", "Rename")
    page.get_by_test_id("rename-input").fill("Alpha renamed")
    page.get_by_test_id("rename-submit").click()
    expect(rows(page).filter(has_text="Alpha renamed")).to_have_count(1)

    row_action(page, "Beta live", "Duplicate")
    expect(rows(page).filter(has_text="Copy of Beta live")).to_have_count(1)

    with page.expect_download() as download:
        row_action(page, "Beta live", "Export JSON")
    exported = json.loads(download.value.path().read_text())
    assert exported["name"] == "Beta live" and exported["nodes"] == GOOD["nodes"]

    row_action(page, "Alpha renamed", "Delete…")
    page.get_by_role("button", name="Cancel").click()
    expect(rows(page)).to_have_count(3)  # nothing deleted without confirmation
    row_action(page, "Alpha renamed", "Delete…")
    page.get_by_test_id("confirm-delete").click()
    expect(rows(page)).to_have_count(2)
    assert {w.name for w in svc.list_workflows(clean_db, org_id=account.org_id)} == {
        "Beta live",
        "Copy of Beta live",
    }


def test_names_render_as_text_never_as_html(page: Page, account: Account, clean_db: str) -> None:
    svc.create_workflow(
        clean_db, '<img src=x onerror="window.pwned=1"><b>bold</b>', org_id=account.org_id
    )
    page.goto("/workflows")
    expect(rows(page).first).to_contain_text('<img src=x onerror="window.pwned=1"><b>bold</b>')
    assert page.evaluate("window.pwned") is None
    assert rows(page).first.locator("b").count() == 0
