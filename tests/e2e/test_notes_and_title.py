"""Sticky notes on the builder canvas (added, written, saved, never run, deleted and
brought back) and the workflow's name renamed in place, in a real browser."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select
from sqlmodel import col

from agentflow.db.accounts import AuditEvent
from agentflow.db.engine import session_scope
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.tenancy.permissions import Role
from agentflow.services.workflows import management as workflows
from agentflow.spec.validation import validate_document
from tests.conftest import wait_for
from tests.e2e.conftest import Account, signed_in_context
from tests.e2e.invited import invited
from tests.e2e.test_builder import SLOW, create, greeting_document, open_builder, stored

NOTE_TEXT = "Greets by name.\nAsk Sam before changing the wording."


def noted_document(notes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    document = greeting_document()
    if notes is not None:
        document["notes"] = notes
    return document


def stored_notes(account: Account, workflow_id: uuid.UUID, texts: list[str]) -> list[Any]:
    """The draft's notes once their texts are ``texts`` (autosave takes a second or so)."""

    def ready() -> tuple[list[Any]] | None:  # a tuple: an empty list is an answer too
        notes = stored(account, workflow_id).get("notes") or []
        return (notes,) if [note.get("text") for note in notes] == texts else None

    return list(wait_for(ready, timeout_s=10)[0])


def empty_pane_point(canvas: Locator) -> dict[str, float]:
    """A point of the canvas with nothing on it (top right: no toolbar, no minimap)."""
    box = canvas.bounding_box()
    assert box
    return {"x": box["width"] - 60, "y": 60}


def test_a_note_is_written_saved_and_never_run(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Noted", noted_document())
    canvas = open_builder(page, workflow_id, 2)

    page.get_by_role("button", name="Add note (Shift+N)").click()
    expect(canvas).to_have_attribute("data-note-count", "1")
    expect(canvas).to_have_attribute("data-node-count", "2")  # a note is not a node
    field = page.get_by_role("textbox", name="Note text")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("placeholder", "Double-click to write a note")
    page.keyboard.type(NOTE_TEXT)
    field.press("Escape")
    expect(field).to_have_count(0)
    expect(page.get_by_test_id("note-text")).to_have_text(NOTE_TEXT)

    [note] = stored_notes(account, workflow_id, [NOTE_TEXT])
    assert set(note) == {"id", "text", "position", "size"}
    assert note["size"] == {"width": 240, "height": 160}
    draft = stored(account, workflow_id)
    assert [n["id"] for n in draft["nodes"]] == ["start", "greet"]
    assert validate_document(draft, NODE_TYPES) == []

    page.reload()
    expect(canvas).to_have_attribute("data-node-count", "2", timeout=SLOW)
    expect(canvas).to_have_attribute("data-note-count", "1")
    expect(page.get_by_test_id("note-text")).to_have_text(NOTE_TEXT)

    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    href = page.get_by_test_id("run-status-link").get_attribute("href")
    assert href
    run = describe_run(
        account.database_url, uuid.UUID(href.rsplit("/", 1)[1]), org_id=account.org_id
    )
    assert sorted(step["node"] for step in run["steps"]) == ["greet", "start"]


def test_notes_are_edited_deleted_and_brought_back(wide_page: Page, account: Account) -> None:
    page = wide_page
    kept = {"id": "keep", "text": "Keep me", "position": {"x": 0, "y": -240}}
    workflow_id = create(account, "Notes", noted_document([kept]))
    canvas = open_builder(page, workflow_id, 2)
    note = page.get_by_test_id("note-keep")
    expect(note).to_contain_text("Keep me")

    # Double-click writes; clicking elsewhere ends writing and saves.
    note.dblclick()
    field = page.get_by_role("textbox", name="Note text")
    expect(field).to_have_value("Keep me")
    field.fill("Keep me, please")
    canvas.click(position=empty_pane_point(canvas))
    expect(field).to_have_count(0)
    stored_notes(account, workflow_id, ["Keep me, please"])

    # Selected, it resizes from a corner; undo takes the resize back.
    note.click()
    corner = page.locator(
        ".react-flow__node-note.selected .react-flow__resize-control.bottom.right"
    )
    box = corner.bounding_box()
    assert box
    page.mouse.move(box["x"] + 4, box["y"] + 4)
    page.mouse.down()
    page.mouse.move(box["x"] + 64, box["y"] + 36, steps=5)
    page.mouse.up()

    def first_width() -> float:
        size = stored(account, workflow_id)["notes"][0].get("size") or {}
        return float(size.get("width", 240))

    wait_for(lambda: first_width() > 240)
    page.keyboard.press("Control+z")
    wait_for(lambda: first_width() == 240)

    # Deleted like a node, and brought back by undo with its text.
    note.click()
    page.keyboard.press("Delete")
    expect(canvas).to_have_attribute("data-note-count", "0")
    expect(canvas).to_have_attribute("data-node-count", "2")
    stored_notes(account, workflow_id, [])
    page.keyboard.press("Control+z")
    expect(note).to_contain_text("Keep me, please")
    [back] = stored_notes(account, workflow_id, ["Keep me, please"])
    assert back["position"] == kept["position"]

    # Shift+N adds one; the empty canvas's menu adds one where it was clicked.
    page.keyboard.press("Shift+N")
    expect(canvas).to_have_attribute("data-note-count", "2")
    expect(page.get_by_role("textbox", name="Note text")).to_be_focused()
    page.keyboard.type("second")
    page.keyboard.press("Escape")
    canvas.click(button="right", position=empty_pane_point(canvas))
    page.get_by_test_id("menu-add-note").click()
    expect(canvas).to_have_attribute("data-note-count", "3")
    page.keyboard.press("Escape")
    stored_notes(account, workflow_id, ["Keep me, please", "second", ""])
    expect(page.get_by_text("Double-click to write a note")).to_be_visible()

    # A note's menu offers no duplicate; select-all then copy leaves notes out.
    note.click(button="right")
    expect(page.get_by_test_id("menu-delete")).to_be_visible()
    expect(page.get_by_test_id("menu-duplicate")).to_have_count(0)
    canvas.click(position=empty_pane_point(canvas))
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+d")
    expect(canvas).to_have_attribute("data-node-count", "3")  # greet copied, not the notes
    expect(canvas).to_have_attribute("data-note-count", "3")

    page.keyboard.press("Shift+Slash")
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet.get_by_role("rowheader", name="Add a sticky note")).to_be_visible()
    expect(sheet).to_contain_text("Shift+N")


def audited_renames(account: Account, workflow_id: uuid.UUID) -> list[str]:
    with session_scope(account.database_url) as session:
        rows = session.execute(
            select(AuditEvent)
            .where(
                col(AuditEvent.org_id) == account.org_id,
                col(AuditEvent.action) == "workflow.rename",
                col(AuditEvent.target_id) == str(workflow_id),
            )
            .order_by(col(AuditEvent.id))
        ).scalars()
        return [str((row.details or {}).get("name")) for row in rows]


def test_the_workflow_is_renamed_in_place(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Old name")
    open_builder(page, workflow_id, 1)
    heading = page.get_by_test_id("workflow-name")
    old_name = workflows.workflow_name(account.database_url, workflow_id, org_id=account.org_id)
    expect(heading).to_have_text(old_name)

    page.get_by_role("button", name=old_name, exact=True).click()
    field = page.get_by_role("textbox", name="Workflow name")
    expect(field).to_have_value(old_name)
    expect(field).to_be_focused()

    # Refused names stay in the field, with the reason beside it.
    field.fill("   ")
    field.press("Enter")
    error = page.get_by_test_id("workflow-name-error")
    expect(error).to_have_text("A workflow needs a name.")
    expect(field).to_have_value("   ")
    field.fill("x" * 201)
    field.press("Enter")
    expect(error).to_have_text("Names are at most 200 characters.")
    expect(field).to_have_value("x" * 201)

    # Escape keeps the old name.
    field.press("Escape")
    expect(field).to_have_count(0)
    expect(heading).to_have_text(old_name)

    # Enter saves.
    page.get_by_role("button", name=old_name, exact=True).click()
    field.fill("  Ticket   triage ")
    field.press("Enter")
    expect(heading).to_have_text("Ticket triage")
    expect(field).to_have_count(0)
    saved = workflows.workflow_name(account.database_url, workflow_id, org_id=account.org_id)
    assert saved == "Ticket triage"

    # F2 on the focused name, then leaving the field, saves too.
    page.get_by_role("button", name="Ticket triage", exact=True).focus()
    page.keyboard.press("F2")
    field.fill("Ticket triage v2")
    canvas = page.get_by_test_id("builder-canvas")
    canvas.click(position=empty_pane_point(canvas))
    expect(heading).to_have_text("Ticket triage v2")
    # One audit entry per rename (none for the refused ones), naming what was typed.
    renames = wait_for(lambda: audited_renames(account, workflow_id), timeout_s=5)
    assert renames == ["  Ticket   triage ", "Ticket triage v2"]

    page.reload()
    expect(heading).to_have_text("Ticket triage v2", timeout=SLOW)
    assert stored(account, workflow_id)["name"] == "Ticket triage v2"


def test_viewers_see_the_name_without_renaming(
    browser: Browser, app_url: str, account: Account
) -> None:
    workflow_id = create(account, "Read only")
    name = workflows.workflow_name(account.database_url, workflow_id, org_id=account.org_id)
    person = invited(app_url, account, Role.VIEWER)
    viewer = signed_in_context(browser, app_url, person, viewport={"width": 1600, "height": 1000})
    try:
        page = viewer.new_page()
        open_builder(page, workflow_id, 1)
        expect(page.get_by_test_id("workflow-name")).to_have_text(name)
        expect(page.get_by_test_id("rename-workflow")).to_have_count(0)
        page.get_by_test_id("workflow-name").click()
        expect(page.get_by_role("textbox", name="Workflow name")).to_have_count(0)
    finally:
        viewer.close()
