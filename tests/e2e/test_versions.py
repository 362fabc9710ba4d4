"""Versions in the builder: publish two versions with messages, compare them as text and
on the canvas, roll back; the webhook URL with copy and rotate."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from agentflow.services.workflows import management as workflows
from agentflow.services.workflows import versions
from tests.e2e.conftest import Account
from tests.e2e.test_builder import (
    SCREENSHOTS,
    SLOW,
    connect,
    drop,
    fill,
    open_builder,
    select_node,
    wait_saved,
)


def three_steps() -> dict[str, Any]:
    document = workflows.blank_document("x")
    document["nodes"] += [
        {
            "id": "greet",
            "type": "template",
            "name": "Greet",
            "config": {"template": "Hello"},
            "position": {"x": 320, "y": 0},
        },
        {
            "id": "old",
            "type": "template",
            "name": "Old step",
            "config": {"template": "bye"},
            "position": {"x": 640, "y": 0},
        },
    ]
    document["edges"] = [
        {"source": "start", "target": "greet"},
        {"source": "greet", "target": "old"},
    ]
    return document


def publish_in_dialog(page: Page, message: str, number: int) -> None:
    page.get_by_test_id("open-versions").click()
    dialog = page.get_by_test_id("versions-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("publish-message").fill(message)
    page.get_by_test_id("publish-version").click()
    expect(page.get_by_text(f"Published version {number}")).to_be_visible(timeout=SLOW)
    rows = page.get_by_test_id("version-row")
    expect(rows).to_have_count(number)
    expect(rows.first).to_contain_text(f"v{number}")
    expect(rows.first).to_contain_text(message)
    expect(rows.first).to_contain_text("Latest")


def test_publish_two_versions_compare_them_and_roll_back(page: Page, account: Account) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    workflow_id = workflows.create_workflow(
        account.database_url,
        f"Versions {uuid.uuid4().hex[:6]}",
        document=three_steps(),
        org_id=account.org_id,
    )
    canvas = open_builder(page, workflow_id, 3)

    page.get_by_test_id("open-versions").click()
    expect(page.get_by_test_id("versions-empty")).to_be_visible(timeout=SLOW)
    page.get_by_test_id("versions-dialog").get_by_role("button", name="Close").click()
    publish_in_dialog(page, "First <b>version</b>", 1)
    expect(page.get_by_test_id("version-row").first.locator("b")).to_have_count(0)  # text only
    page.get_by_test_id("versions-dialog").get_by_role("button", name="Close").click()

    # The second version: greet changed, old removed, a new step added and connected.
    select_node(page, "greet")
    fill(page, "config.template", "Hi there")
    select_node(page, "old")
    page.get_by_test_id("panel-delete-node").click()
    expect(canvas).to_have_attribute("data-node-count", "2")
    drop(page, canvas, "template", 640, 160)
    expect(canvas).to_have_attribute("data-node-count", "3")
    connect(page, "greet", "out", "template_1")
    expect(canvas).to_have_attribute("data-edge-count", "2")
    select_node(page, "template_1")
    fill(page, "config.template", "new step")
    wait_saved(page)
    publish_in_dialog(page, "Second", 2)

    # Compare 1 → 2 (the defaults: the previous and the latest version).
    page.get_by_test_id("tab-compare").click()
    expect(page.get_by_test_id("compare-from")).to_contain_text("Version 1")
    expect(page.get_by_test_id("compare-to")).to_contain_text("Version 2")
    page.get_by_test_id("compare").click()
    lines = page.get_by_test_id("diff-lines")
    expect(lines).to_contain_text("+ node template_1 (template)")
    expect(lines).to_contain_text("- node old (template)")
    expect(lines).to_contain_text("~ node greet (template) “Greet”: config.template")
    expect(lines).to_contain_text("+ edge greet->template_1")
    expect(lines).to_contain_text("- edge greet->old")

    page.get_by_test_id("show-diff-on-canvas").click()
    compare = page.get_by_test_id("compare-canvas")
    expect(compare).to_be_visible()
    expect(compare).to_have_attribute("data-node-count", "4")
    expect(page.get_by_test_id("compare-summary")).to_contain_text("1 node added")
    expect(compare.get_by_test_id("node-template_1")).to_have_attribute("data-diff", "added")
    expect(compare.get_by_test_id("node-old")).to_have_attribute("data-diff", "removed")
    expect(compare.get_by_test_id("node-greet")).to_have_attribute("data-diff", "changed")
    expect(compare.get_by_test_id("node-start")).not_to_have_attribute("data-diff", re.compile("."))
    expect(compare.get_by_test_id("node-diff-old")).to_have_text("removed")
    expect(compare.locator(".af-diff-edge-added")).to_have_count(1)
    expect(compare.locator(".af-diff-edge-removed")).to_have_count(1)
    if os.environ.get("AGENTFLOW_SCREENSHOTS"):  # refreshes the picture in docs/versions.md
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOTS / "versions-compare.png"))
    page.get_by_test_id("close-compare").click()
    expect(compare).to_have_count(0)
    expect(canvas).to_have_attribute("data-node-count", "3")  # the editor is as it was

    # Roll back to version 1, after a confirmation.
    page.get_by_test_id("open-versions").click()
    page.get_by_test_id("tab-versions").click()
    page.get_by_test_id("rollback-1").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("version-row")).to_have_count(2)
    page.get_by_test_id("rollback-1").click()
    page.get_by_test_id("confirm-rollback").click()
    expect(page.get_by_text("Version 1 is live again as version 3")).to_be_visible(timeout=SLOW)
    rows = page.get_by_test_id("version-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Rollback to version 1")
    page.get_by_test_id("versions-dialog").get_by_role("button", name="Close").click()
    expect(canvas).to_have_attribute("data-node-count", "3")
    expect(page.get_by_test_id("node-old")).to_be_visible()
    expect(page.get_by_test_id("node-template_1")).to_have_count(0)

    actor = account.actor()
    listed = versions.list_versions(account.database_url, actor, workflow_id)
    assert [(v.version, v.latest) for v in listed] == [(3, True), (2, False), (1, False)]
    assert listed[2].message == "First <b>version</b>" and listed[2].author == account.email
    assert versions.diff(account.database_url, actor, workflow_id, 1, 3).is_empty
    assert versions.diff(account.database_url, actor, workflow_id, 3, versions.DRAFT).is_empty


def test_webhook_url_copy_and_rotate(page: Page, account: Account, app_url: str) -> None:
    document = workflows.blank_document("x")
    document["nodes"][0]["config"] = {"kind": "webhook", "response": "async"}
    workflow_id = workflows.create_workflow(
        account.database_url,
        f"Hooked {uuid.uuid4().hex[:6]}",
        document=document,
        org_id=account.org_id,
    )
    open_builder(page, workflow_id, 1)
    # Published in the page: the web process encrypts the token with its own key.
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 1")).to_be_visible(timeout=SLOW)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_test_id("open-versions").click()
    page.get_by_test_id("tab-webhook").click()
    url = page.get_by_test_id("webhook-url")
    expect(url).to_contain_text("/hooks/", timeout=SLOW)
    first = url.inner_text()
    expect(page.get_by_test_id("versions-dialog")).to_contain_text("Live: POST requests")

    # The URL works through the real server (one port for the UI, the API and hooks).
    path = first[first.index("/hooks/") :]
    answer = httpx.post(f"{app_url}{path}", json={"hello": "world"}, timeout=30)
    assert answer.status_code == 202, answer.text
    assert answer.json()["workflow_version"] == 1

    page.get_by_test_id("copy-webhook-url").click()
    expect(page.get_by_text("Webhook URL copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first

    page.get_by_test_id("rotate-webhook").click()
    page.get_by_test_id("confirm-rotate").click()
    expect(url).not_to_have_text(first, timeout=SLOW)
    expect(url).to_contain_text("/hooks/")
    assert httpx.post(f"{app_url}{path}", json={}, timeout=30).status_code == 404
