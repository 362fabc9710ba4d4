"""The workflow builder in a real browser: drag, connect, configure, save, run.

Workflows are created through the service (the list page is another area);
everything else happens in the page, the way a person would do it.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.workflows import management as workflows
from agentflow.spec.canvas import auto_layout
from tests.conftest import PROJECT_ROOT, wait_for
from tests.e2e.conftest import Account, signed_in_context

NODE_WIDTH = 232  # flow_canvas.jsx .af-node
SLOW = 30_000
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def create(account: Account, name: str, document: dict[str, Any] | None = None) -> uuid.UUID:
    return workflows.create_workflow(
        account.database_url,
        f"{name} {uuid.uuid4().hex[:6]}",
        document=document,
        org_id=account.org_id,
    )


def open_builder(page: Page, workflow_id: uuid.UUID, nodes: int) -> Locator:
    page.goto(f"/workflows/{workflow_id}")
    canvas = page.get_by_test_id("builder-canvas")
    expect(canvas).to_have_attribute("data-node-count", str(nodes), timeout=SLOW)
    return canvas


def center(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drop(page: Page, canvas: Locator, node_type: str, dx: float, dy: float) -> None:
    """Drag a palette item onto the canvas, (dx, dy) flow units right of/below the trigger."""
    trigger = page.get_by_test_id("node-start").bounding_box()
    box = canvas.bounding_box()
    assert trigger and box
    scale = trigger["width"] / NODE_WIDTH
    page.get_by_test_id(f"palette-{node_type}").drag_to(
        canvas,
        target_position={
            "x": trigger["x"] - box["x"] + scale * (dx + 110),
            "y": trigger["y"] - box["y"] + scale * (dy + 30),
        },
    )


def connect(page: Page, source: str, handle: str, target: str) -> None:
    """Drag from a node's output handle to another node's input handle."""
    sx, sy = center(page.get_by_test_id(f"handle-{source}-{handle}"))
    tx, ty = center(page.get_by_test_id(f"node-{target}").locator(".react-flow__handle.target"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=6)
    page.mouse.move(tx, ty, steps=6)
    page.mouse.up()


def select_node(page: Page, node: str) -> None:
    page.get_by_test_id(f"node-{node}").locator(".af-node-head").click()
    expect(page.get_by_test_id("node-panel")).to_contain_text(node)


def fill(page: Page, key: str, text: str) -> None:
    field = page.get_by_test_id(f"field-{key}")
    field.fill(text)
    field.blur()


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_have_attribute(
        "data-state", "saved", timeout=10_000
    )


def stored(account: Account, workflow_id: uuid.UUID) -> dict[str, Any]:
    return workflows.get_draft(account.database_url, workflow_id, org_id=account.org_id)


def stored_ids(account: Account, workflow_id: uuid.UUID, expected: list[str]) -> dict[str, Any]:
    """The draft once its node ids are ``expected`` (autosave runs within a second or so)."""

    def ready() -> dict[str, Any] | None:
        draft = stored(account, workflow_id)
        return draft if [n["id"] for n in draft["nodes"]] == expected else None

    return wait_for(ready, timeout_s=10)


def test_build_configure_save_reload_and_run(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Branches")
    canvas = open_builder(page, workflow_id, 1)
    page.get_by_role("button", name="Zoom Out").click()
    page.get_by_role("button", name="Zoom Out").click()
    page.wait_for_timeout(300)

    drop(page, canvas, "llm", 300, 0)
    drop(page, canvas, "condition", 600, 0)
    drop(page, canvas, "set", 900, -140)
    drop(page, canvas, "set", 900, 140)
    expect(canvas).to_have_attribute("data-node-count", "5")
    for node in ("llm_1", "condition_1", "set_1", "set_2"):
        expect(page.get_by_test_id(f"node-{node}")).to_be_visible()

    connect(page, "start", "out", "llm_1")
    connect(page, "llm_1", "out", "condition_1")
    connect(page, "condition_1", "true", "set_1")
    connect(page, "condition_1", "false", "set_2")
    expect(canvas).to_have_attribute("data-edge-count", "4")

    # Empty required fields show as problems on the nodes until they are filled in.
    expect(page.get_by_test_id("node-problems-condition_1")).to_be_visible(timeout=10_000)

    select_node(page, "llm_1")
    fill(page, "name", "Ask")
    fill(page, "config.prompt", "Is {{ input.topic }} fun? Answer yes or no.")
    fill(page, "config.mock_response", "yes")
    select_node(page, "condition_1")
    expression = page.get_by_test_id("field-config.expression")
    expression.fill("nodes.llm_1.output.te")
    suggestions = page.get_by_test_id("field-config.expression-suggestions")
    expect(suggestions).to_contain_text("nodes.llm_1.output.text")
    expression.press("Enter")  # accepts the suggestion
    expect(expression).to_have_value("nodes.llm_1.output.text")
    expression.type(" == 'yes'")
    expression.blur()
    select_node(page, "set_1")
    fill(page, "config.values", '{"branch": "yes", "topic": "{{ input.topic }}"}')
    select_node(page, "set_2")
    fill(page, "config.values", '{"branch": "no"}')
    box = canvas.bounding_box()
    assert box
    canvas.click(position={"x": box["width"] - 40, "y": 40})  # the empty pane: deselect
    expect(page.get_by_test_id("workflow-panel")).to_be_visible()
    fill(page, "inputs", '{"type": "object", "properties": {"topic": {"type": "string"}}}')
    wait_saved(page)
    expect(page.get_by_test_id("node-problems-condition_1")).to_have_count(0)
    expect(page.get_by_test_id("problems-list")).to_have_count(0)

    draft = stored(account, workflow_id)
    nodes = {node["id"]: node for node in draft["nodes"]}
    assert nodes["llm_1"]["name"] == "Ask"
    assert nodes["llm_1"]["config"]["mock_response"] == "yes"
    assert nodes["condition_1"]["config"]["expression"] == "nodes.llm_1.output.text == 'yes'"
    assert nodes["set_1"]["config"]["values"]["topic"] == "{{ input.topic }}"
    edges = {(e["source"], e.get("source_handle", "out"), e["target"]) for e in draft["edges"]}
    assert edges == {
        ("start", "out", "llm_1"),
        ("llm_1", "out", "condition_1"),
        ("condition_1", "true", "set_1"),
        ("condition_1", "false", "set_2"),
    }
    assert all("position" in node for node in draft["nodes"])

    page.reload()
    expect(canvas).to_have_attribute("data-node-count", "5", timeout=SLOW)
    expect(canvas).to_have_attribute("data-edge-count", "4")
    select_node(page, "llm_1")
    expect(page.get_by_test_id("field-config.mock_response")).to_have_value("yes")
    expect(page.get_by_test_id("field-name")).to_have_value("Ask")

    page.get_by_test_id("open-test-run").click()
    run_input = page.get_by_test_id("run-input")
    expect(run_input).to_have_value(re.compile(r'"topic": ""'))  # prefilled from inputs
    run_input.fill('{"topic": "chess"}')
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    for node in ("start", "llm_1", "condition_1", "set_1"):
        expect(page.get_by_test_id(f"node-{node}")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("node-set_2")).to_have_attribute("data-status", "skipped")
    expect(page.get_by_test_id("node-run-llm_1")).to_contain_text(re.compile(r"\d+ ms|\d s"))

    select_node(page, "set_1")
    expect(page.get_by_test_id("step-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("step-output")).to_contain_text('"topic": "chess"')
    select_node(page, "llm_1")
    expect(page.get_by_test_id("step-input")).to_contain_text("Is chess fun?")
    expect(page.get_by_test_id("step-output")).to_contain_text('"text": "yes"')


def greeting_document() -> dict[str, Any]:
    """start → greet, a template node saying Hello."""
    document = workflows.blank_document("x")
    document["nodes"].append(
        {
            "id": "greet",
            "type": "template",
            "config": {"template": "Hello"},
            "position": {"x": 320, "y": 0},
        }
    )
    document["edges"] = [{"source": "start", "target": "greet"}]
    return document


def test_undo_redo_restores_a_deleted_node(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Undo", greeting_document())
    canvas = open_builder(page, workflow_id, 2)

    select_node(page, "greet")
    # Edited, then deleted at once: the edit may reach the canvas after the node is
    # gone, and undo must still bring the node back with it.
    fill(page, "config.template", "Hello {{ input.name }}")
    page.get_by_test_id("node-greet").locator(".af-node-head").click()
    page.keyboard.press("Delete")
    expect(canvas).to_have_attribute("data-node-count", "1")
    expect(canvas).to_have_attribute("data-edge-count", "0")
    stored_ids(account, workflow_id, ["start"])

    page.keyboard.press("Control+z")
    expect(canvas).to_have_attribute("data-node-count", "2")
    expect(canvas).to_have_attribute("data-edge-count", "1")
    draft = stored_ids(account, workflow_id, ["start", "greet"])
    greet = next(n for n in draft["nodes"] if n["id"] == "greet")
    assert greet["config"]["template"] == "Hello {{ input.name }}"
    assert draft["edges"] == [{"source": "start", "target": "greet"}]

    page.keyboard.press("Control+Shift+z")
    expect(canvas).to_have_attribute("data-node-count", "1")
    page.get_by_test_id("undo").click()
    expect(canvas).to_have_attribute("data-node-count", "2")

    # Delete through the node's menu, then the toolbar's undo button brings it back.
    page.get_by_test_id("node-greet").click(button="right")
    page.get_by_test_id("menu-delete").click()
    expect(canvas).to_have_attribute("data-node-count", "1")
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("node-greet")).to_be_visible()
    page.get_by_test_id("redo").click()
    expect(page.get_by_test_id("node-greet")).to_have_count(0)
    stored_ids(account, workflow_id, ["start"])


def test_route_adds_an_error_handle_and_auto_layout_places_nodes(
    wide_page: Page, account: Account
) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["nodes"] += [
        {"id": "call", "type": "http", "config": {"url": "https://example.com"}},
        {"id": "fallback", "type": "template", "config": {"template": "down"}},
    ]
    document["nodes"][0]["position"] = {"x": 400, "y": 400}
    document["edges"] = [{"source": "start", "target": "call"}]
    workflow_id = create(account, "Route", document)
    canvas = open_builder(page, workflow_id, 3)
    expect(page.get_by_test_id("handle-call-error")).to_have_count(0)

    select_node(page, "call")
    page.get_by_test_id("field-on_error").click()
    page.get_by_role("option", name="route").click()
    expect(page.get_by_test_id("handle-call-error")).to_be_visible()
    connect(page, "call", "error", "fallback")
    expect(canvas).to_have_attribute("data-edge-count", "2")
    before = page.get_by_test_id("node-start").bounding_box()
    page.get_by_test_id("auto-layout").click()

    def laid_out() -> dict[str, Any] | None:
        draft = stored(account, workflow_id)
        return draft if draft["nodes"][0]["position"] != {"x": 400, "y": 400} else None

    draft = wait_for(laid_out, timeout_s=10)
    x = {node["id"]: node["position"]["x"] for node in draft["nodes"]}
    assert x["start"] < x["call"] < x["fallback"]  # left to right by depth
    assert next(n for n in draft["nodes"] if n["id"] == "call")["on_error"] == "route"
    assert {"source": "call", "target": "fallback", "source_handle": "error"} in draft["edges"]

    page.get_by_test_id("undo").click()  # the layout
    page.get_by_test_id("undo").click()  # the error edge
    expect(canvas).to_have_attribute("data-edge-count", "1")
    page.get_by_role("button", name="Fit View").click()
    page.wait_for_timeout(300)
    start = page.get_by_test_id("node-start").bounding_box()
    call = page.get_by_test_id("node-call").bounding_box()
    assert before and start and call
    assert start["y"] < call["y"]  # back where it was: above the nodes placed below it
    stored_ids(account, workflow_id, ["start", "call", "fallback"])
    wait_for(lambda: stored(account, workflow_id)["nodes"][0]["position"]["x"] == 400)


def test_an_invalid_workflow_shows_its_problems_and_cannot_be_published(
    wide_page: Page, account: Account
) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["nodes"] += [
        {
            "id": "check",
            "type": "condition",
            "name": "<b>Check</b> & <img src=x>",
            "config": {"expression": "input.n >"},
        },
        {"id": "late", "type": "template", "config": {"template": "{{ nodes.check.output }}"}},
    ]
    document["edges"] = [{"source": "start", "target": "check"}]
    workflow_id = create(account, "Invalid", document)
    open_builder(page, workflow_id, 3)
    # Names are text, never HTML.
    check = page.get_by_test_id("node-check")
    expect(check).to_contain_text("<b>Check</b> & <img src=x>")
    expect(check.locator("b, img")).to_have_count(0)

    problems = page.get_by_test_id("problems-list")
    expect(problems).to_be_visible()
    expect(page.get_by_test_id("node-problems-check")).to_have_text("1")
    expect(page.get_by_test_id("node-problems-late")).to_have_text("1")
    expect(problems.get_by_test_id("problem-row")).to_have_count(2)

    problems.get_by_test_id("problem-row").filter(has_text="node late").click()
    expect(page.get_by_test_id("node-panel")).to_contain_text("late")
    expect(page.get_by_test_id("node-panel-problems")).to_contain_text("check")

    page.get_by_test_id("publish").click()
    dialog = page.get_by_test_id("publish-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("2 problems")
    expect(page.get_by_test_id("publish-problems")).to_contain_text("node check")
    dialog.get_by_role("button", name="Close").click()
    with pytest.raises(workflows.InvalidWorkflow):
        workflows.publish(account.database_url, workflow_id, org_id=account.org_id)

    # Fix both problems on the canvas and in the form: the badges go, publishing works.
    page.get_by_role("button", name="Fit View").click()
    page.wait_for_timeout(300)
    connect(page, "check", "true", "late")
    expect(page.get_by_test_id("builder-canvas")).to_have_attribute("data-edge-count", "2")
    select_node(page, "check")
    fill(page, "config.expression", "input.n > 1")
    wait_saved(page)
    expect(page.get_by_test_id("problems-list")).to_have_count(0, timeout=10_000)
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 1")).to_be_visible()


TYPED = "Summarise {{ input }} briefly"


def node_config(account: Account, workflow_id: uuid.UUID, node: str) -> dict[str, Any]:
    draft = stored(account, workflow_id)
    return next(n for n in draft["nodes"] if n["id"] == node)["config"]  # type: ignore[no-any-return]


def test_nothing_typed_is_lost(wide_page: Page, account: Account) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["nodes"].append(
        {
            "id": "ask",
            "type": "llm",
            "config": {"model": "gpt-4o-mini", "prompt": "", "response_format": "json"},
        }
    )
    document["edges"] = [{"source": "start", "target": "ask"}]
    workflow_id = create(account, "Typing", document)
    open_builder(page, workflow_id, 2)
    select_node(page, "ask")

    schema = page.get_by_test_id("field-config.json_schema")
    schema.fill('{"type": "object", ')
    schema.blur()
    expect(page.get_by_test_id("field-error-config.json_schema")).to_contain_text("invalid JSON")
    prompt = page.get_by_test_id("field-config.prompt")
    prompt.press_sequentially("Summarise {{ inp", delay=20)
    expect(page.get_by_test_id("field-config.prompt-suggestions")).to_contain_text("input")
    prompt.press("Escape")
    prompt.press_sequentially("ut }} briefly", delay=20)
    prompt.blur()
    # The invalid JSON is still there, as typed, next to its error.
    expect(schema).to_have_value('{"type": "object", ')
    # What was typed reaches the stored draft (the "Saved" badge alone may still be
    # showing the previous save while the blur's change is on its way).
    wait_for(lambda: node_config(account, workflow_id, "ask").get("prompt") == TYPED, timeout_s=10)
    wait_saved(page)
    page.reload()
    open_builder(page, workflow_id, 2)
    select_node(page, "ask")
    expect(page.get_by_test_id("field-config.prompt")).to_have_value(TYPED)


def approval_document() -> dict[str, Any]:
    document = workflows.blank_document("x")
    document["nodes"] += [
        {
            "id": "ok",
            "type": "approval",
            "config": {"message": "Ship it?"},
            "position": {"x": 320, "y": 0},
        },
        {
            "id": "done",
            "type": "set",
            "config": {"values": {"shipped": True}},
            "position": {"x": 640, "y": -80},
        },
        {
            "id": "stop",
            "type": "set",
            "config": {"values": {"shipped": False}},
            "position": {"x": 640, "y": 80},
        },
    ]
    document["edges"] = [
        {"source": "start", "target": "ok"},
        {"source": "ok", "target": "done", "source_handle": "approved"},
        {"source": "ok", "target": "stop", "source_handle": "rejected"},
    ]
    return document


def test_an_approval_is_decided_from_the_canvas(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Approval", approval_document())
    open_builder(page, workflow_id, 4)
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    node = page.get_by_test_id("node-ok")
    expect(node).to_have_attribute("data-status", "waiting", timeout=SLOW)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-state", "waiting")
    expect(page.get_by_test_id("node-done")).to_have_attribute("data-status", "queued")
    page.get_by_test_id("approve-ok").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    expect(page.get_by_test_id("node-done")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("node-stop")).to_have_attribute("data-status", "skipped")
    select_node(page, "ok")
    expect(page.get_by_test_id("step-output")).to_contain_text(f'"by": "{account.email}"')


def test_a_failed_run_offers_rerun_from_a_node(wide_page: Page, account: Account) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["nodes"] += [
        {
            "id": "prep",
            "type": "set",
            "config": {"values": {"ready": True}},
            "position": {"x": 320, "y": 0},
        },
        {
            "id": "ask",
            "type": "llm",
            "config": {
                "model": "gpt-4o-mini",
                "prompt": "hi",
                "mock_response": "litellm.InternalServerError",
            },
            "position": {"x": 640, "y": 0},
        },
    ]
    document["edges"] = [
        {"source": "start", "target": "prep"},
        {"source": "prep", "target": "ask"},
    ]
    workflow_id = create(account, "Failing", document)
    open_builder(page, workflow_id, 3)
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "failed", timeout=SLOW
    )
    expect(page.get_by_test_id("node-ask")).to_have_attribute("data-status", "failed")
    select_node(page, "ask")
    expect(page.get_by_test_id("step-error")).to_contain_text("llm.")
    expect(page.get_by_test_id("step-panel")).to_contain_text("Attempts")

    from agentflow.services.runs.queries import RunFilter, query_runs

    def latest_runs() -> list[dict[str, Any]]:
        return query_runs(
            account.database_url, RunFilter(page_size=200), org_id=account.org_id
        ).rows

    before = {run["run_id"] for run in latest_runs()}
    page.get_by_test_id("rerun-from-node").click()

    def new_runs() -> list[dict[str, Any]]:
        return [r for r in latest_runs() if r["run_id"] not in before]

    rerun = wait_for(new_runs, timeout_s=10)
    assert [run["trigger"] for run in rerun] == ["rerun"]
    wait_for(lambda: new_runs()[0]["status"] == "failed", timeout_s=30)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-state", "failed")
    expect(page.get_by_test_id("node-prep")).to_have_attribute("data-status", "succeeded")


def mid_run_document() -> dict[str, Any]:
    document = workflows.blank_document("x")
    document["inputs"] = {"type": "object", "properties": {"ticket": {"type": "string"}}}
    document["nodes"][0]["name"] = "New ticket"
    document["nodes"] += [
        {
            "id": "classify",
            "type": "llm",
            "name": "Classify ticket",
            "config": {
                "model": "openai/gpt-4o-mini",
                "prompt": "Label this ticket as bug or billing: {{ input.ticket }}",
                "mock_response": "billing",
            },
        },
        {
            "id": "is_billing",
            "type": "condition",
            "name": "Billing?",
            "config": {"expression": "nodes.classify.output.text == 'billing'"},
        },
        {
            "id": "refund_ok",
            "type": "approval",
            "name": "Approve refund",
            "config": {"message": "Refund for {{ input.ticket }}?"},
        },
        {
            "id": "file_bug",
            "type": "http",
            "name": "File bug",
            "config": {"method": "POST", "url": "https://issues.example.com/api"},
        },
        {
            "id": "refund",
            "type": "set",
            "name": "Refund",
            "config": {"values": {"refund": True}},
        },
        {
            "id": "decline",
            "type": "template",
            "name": "Decline",
            "config": {"template": "Sorry about {{ input.ticket }}"},
        },
    ]
    document["edges"] = [
        {"source": "start", "target": "classify"},
        {"source": "classify", "target": "is_billing"},
        {"source": "is_billing", "target": "refund_ok", "source_handle": "true"},
        {"source": "is_billing", "target": "file_bug", "source_handle": "false"},
        {"source": "refund_ok", "target": "refund", "source_handle": "approved"},
        {"source": "refund_ok", "target": "decline", "source_handle": "rejected"},
    ]
    return auto_layout(document, NODE_TYPES)


@pytest.mark.skipif(
    not os.environ.get("AGENTFLOW_SCREENSHOTS"), reason="set AGENTFLOW_SCREENSHOTS=1 to refresh"
)
def test_screenshots_of_the_builder_mid_run(
    browser: Browser, app_url: str, account: Account
) -> None:
    """Refreshes docs/screenshots/builder-mid-run*.png (light and dark)."""
    workflow_id = workflows.create_workflow(
        account.database_url,
        "Ticket triage",
        document=mid_run_document(),
        org_id=account.org_id,
    )
    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        context = signed_in_context(
            browser, app_url, account, viewport={"width": 1600, "height": 900}, color_scheme=scheme
        )
        page = context.new_page()
        open_builder(page, workflow_id, 7)
        page.get_by_test_id("open-test-run").click()
        page.get_by_test_id("run-input").fill('{"ticket": "I was charged twice"}')
        page.get_by_test_id("start-run").click()
        expect(page.get_by_test_id("node-refund_ok")).to_have_attribute(
            "data-status", "waiting", timeout=SLOW
        )
        select_node(page, "classify")
        page.get_by_test_id("step-output").scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        path = SCREENSHOTS / f"builder-mid-run{suffix}.png"
        page.screenshot(path=str(path))
        page.get_by_test_id("approve-refund_ok").click()
        expect(page.get_by_test_id("run-status")).to_have_attribute(
            "data-state", "succeeded", timeout=SLOW
        )
        context.close()


SEEN_NODES = """() => {
  window.__seenNodes = new Set();
  const note = () => document.querySelectorAll(".react-flow__node[data-id]")
    .forEach((n) => window.__seenNodes.add(n.getAttribute("data-id")));
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true });
}"""


def test_opening_another_workflow_shows_nothing_of_the_previous_one(
    page: Page, account: Account
) -> None:
    """Its graph (not even for a frame), its inputs schema in the workflow panel and
    the test-run input typed for it all stay with the first workflow."""
    first = _inputs_workflow("ticket", [{"id": "first_only", "type": "template"}])
    second = _inputs_workflow("city", [{"id": "second_only", "type": "template"}])
    first_id = workflows.create_workflow(
        account.database_url, "First", document=first, org_id=account.org_id
    )
    second_id = workflows.create_workflow(
        account.database_url, "Second", document=second, org_id=account.org_id
    )
    canvas = open_builder(page, first_id, 2)
    expect(page.get_by_test_id("field-inputs")).to_have_value(re.compile('"ticket"'))
    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("run-input").fill('{"ticket": "typed for the first"}')
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("run-input")).to_have_count(0)

    page.get_by_test_id("nav-workflows").click()  # in-app navigation: the page state stays
    row = page.get_by_test_id("workflow-row").filter(has_text="Second")
    page.evaluate(SEEN_NODES)
    row.get_by_role("link", name="Second").click()
    expect(canvas).to_have_attribute("data-workflow", str(second_id), timeout=SLOW)
    expect(canvas).to_have_attribute("data-node-count", "2")
    expect(page.get_by_test_id("node-second_only")).to_be_visible()
    seen = page.evaluate("() => [...window.__seenNodes]")
    assert "first_only" not in seen and "second_only" in seen
    inputs = page.get_by_test_id("field-inputs")
    expect(inputs).to_have_value(re.compile('"city"'))
    expect(inputs).not_to_have_value(re.compile('"ticket"'))
    page.get_by_test_id("open-test-run").click()
    expect(page.get_by_test_id("run-input")).to_have_value(re.compile(r'"city": ""'))


def _inputs_workflow(field: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "agentflow/v1",
        "name": field,
        "inputs": {"type": "object", "properties": {field: {"type": "string"}}},
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
            *({**node, "config": {"template": "hi"}} for node in nodes),
        ],
        "edges": [{"source": "start", "target": node["id"]} for node in nodes],
    }


def test_a_trigger_shows_only_the_fields_of_its_kind_with_written_labels(
    page: Page, account: Account
) -> None:
    document = _inputs_workflow("ticket", [{"id": "reply", "type": "template"}])
    workflow_id = workflows.create_workflow(
        account.database_url, "Kinds", document=document, org_id=account.org_id
    )
    open_builder(page, workflow_id, 2)
    select_node(page, "start")
    panel = page.get_by_test_id("node-panel")
    for key in ("config.method", "config.secret", "config.cron", "config.timezone"):
        expect(page.get_by_test_id(f"field-{key}")).to_have_count(0)  # a manual trigger
    page.get_by_test_id("field-config.kind").click()
    page.get_by_role("option", name="schedule").click()
    expect(page.get_by_label("Schedule (cron)")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_be_visible()
    expect(page.get_by_test_id("field-config.method")).to_have_count(0)
    page.get_by_test_id("field-config.kind").click()
    page.get_by_role("option", name="webhook").click()
    expect(page.get_by_label("HTTP method")).to_be_visible()
    expect(page.get_by_test_id("field-config.cron")).to_have_count(0)
    # Every control of the form has an accessible name.
    unnamed = panel.locator("input, textarea, button[role=combobox]").evaluate_all(
        """(controls) => controls
            .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute("aria-label")
                && !c.getAttribute("aria-labelledby"))
            .map((c) => c.getAttribute("data-testid") || c.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []


def test_the_test_run_dialog_shows_only_the_current_problem(
    wide_page: Page, account: Account
) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["inputs"] = {
        "type": "object",
        "required": ["email"],
        "properties": {"email": {"type": "string"}},
    }
    workflow_id = create(account, "Needs input", document)
    open_builder(page, workflow_id, 1)
    page.get_by_test_id("open-test-run").click()
    run_input = page.get_by_test_id("run-input")
    run_input.fill("{}")
    page.get_by_test_id("start-run").click()
    problems = page.get_by_test_id("run-problems")
    expect(problems).to_contain_text("email")
    expect(page.get_by_test_id("run-input-error")).to_contain_text("fix these problems first")

    # A new attempt with another problem shows that one alone.
    run_input.fill('{"email": ')
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-input-error")).to_contain_text("not valid JSON")
    expect(page.get_by_test_id("run-problems")).to_have_count(0)


def test_recent_runs_paint_the_canvas_survive_a_reload_and_open_from_the_badge(
    wide_page: Page, account: Account
) -> None:
    page = wide_page
    document = workflows.blank_document("x")
    document["nodes"].append(
        {
            "id": "greet",
            "type": "template",
            "config": {"template": "hello"},
            "position": {"x": 320, "y": 0},
        }
    )
    document["edges"] = [{"source": "start", "target": "greet"}]
    workflow_id = create(account, "Recent runs", document)
    open_builder(page, workflow_id, 2)
    page.get_by_test_id("recent-runs").click()
    expect(page.get_by_role("menuitem")).to_contain_text("No runs yet")
    page.keyboard.press("Escape")

    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-state", "succeeded", timeout=SLOW)
    greet = page.get_by_test_id("node-greet")
    expect(greet).to_have_attribute("data-status", "succeeded")
    expect(page).to_have_url(re.compile(r"\?run=[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("=", 1)[1]

    # Cleared, then chosen again from the list of recent runs.
    page.get_by_test_id("clear-run").click()
    expect(status).to_have_count(0)
    expect(greet).not_to_have_attribute("data-status", "succeeded")
    page.get_by_test_id("recent-runs").click()
    runs = page.get_by_test_id("recent-run")
    expect(runs).to_have_count(1)
    expect(runs).to_contain_text("succeeded")
    runs.click()
    expect(greet).to_have_attribute("data-status", "succeeded", timeout=SLOW)

    # A reload shows the same run's states; the badge opens the run's page.
    page.reload()
    expect(page.get_by_test_id("node-greet")).to_have_attribute(
        "data-status", "succeeded", timeout=SLOW
    )
    link = page.get_by_test_id("run-status-link")
    expect(link).to_have_attribute("href", f"/executions/{run_id}")
    link.click()
    expect(page).to_have_url(re.compile(f"/executions/{run_id}$"))
