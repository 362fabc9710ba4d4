"""Editing on the builder canvas: palette search, select all, copy, paste and
duplicate (also into another workflow), the shortcut sheet, new nodes placed in
free space and auto-layout kept readable."""

from __future__ import annotations

import itertools
import json
from typing import Any

from playwright.sync_api import Page, expect

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.workflows import management as workflows
from agentflow.spec.validation import validate_document
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.e2e.test_builder import NODE_WIDTH, create, drop, open_builder, stored, stored_ids

# components/canvas/readable_fit.js: auto-layout never fits below this zoom.
READABLE_ZOOM = 0.5


def chain_document(ids: list[str]) -> dict[str, Any]:
    """start → ids[0] → ids[1] → ..., template nodes side by side."""
    document = workflows.blank_document("x")
    for index, node_id in enumerate(ids):
        document["nodes"].append(
            {
                "id": node_id,
                "type": "template",
                "config": {"template": f"text of {node_id}"},
                "position": {"x": 320 * (index + 1), "y": 0},
            }
        )
    chain = ["start", *ids]
    document["edges"] = [{"source": a, "target": b} for a, b in itertools.pairwise(chain)]
    return document


def boxes(page: Page) -> dict[str, dict[str, float]]:
    """Every drawn node's box on screen, by node id."""
    found = page.locator(".af-node[data-testid^='node-']").evaluate_all(
        """(els) => Object.fromEntries(els.map((el) => {
            const r = el.getBoundingClientRect();
            return [el.dataset.testid.slice(5), {x: r.x, y: r.y, width: r.width, height: r.height}];
        }))"""
    )
    return dict(found)


def overlapping(boxes_by_id: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    items = sorted(boxes_by_id.items())
    pairs = []
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1 :]:
            if (
                ra["x"] < rb["x"] + rb["width"]
                and rb["x"] < ra["x"] + ra["width"]
                and ra["y"] < rb["y"] + rb["height"]
                and rb["y"] < ra["y"] + ra["height"]
            ):
                pairs.append((a, b))
    return pairs


def selected_nodes(page: Page) -> list[str]:
    ids = page.locator(".af-node.af-selected").evaluate_all(
        "(els) => els.map((el) => el.dataset.testid.slice(5))"
    )
    return sorted(ids)


def test_the_palette_search_narrows_the_node_types(wide_page: Page, account: Account) -> None:
    page = wide_page
    open_builder(page, create(account, "Search"), 1)
    search = page.get_by_role("searchbox", name="Search node types")

    search.fill("http")  # a title
    expect(page.get_by_test_id("palette-http")).to_be_visible()
    expect(page.get_by_test_id("palette-llm")).to_have_count(0)

    search.fill("person")  # only in the approval's description
    expect(page.get_by_test_id("palette-approval")).to_be_visible()
    expect(page.locator(".af-palette-item")).to_have_count(1)

    search.press("Escape")
    expect(search).to_have_value("")
    expect(page.get_by_test_id("palette-llm")).to_be_visible()
    expect(page.get_by_test_id("palette-empty")).to_have_count(0)

    search.fill("no such thing")
    expect(page.get_by_test_id("palette-empty")).to_have_text(
        "No node type matches “no such thing”."
    )
    expect(page.locator(".af-palette-item")).to_have_count(0)
    # Typing "?" in the box is text, not the shortcut sheet.
    search.press("?")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_select_all_copy_paste_and_duplicate_keep_edges_and_land_in_free_space(
    wide_page: Page, account: Account
) -> None:
    page = wide_page
    workflow_id = create(account, "Copy", chain_document(["a", "b"]))
    canvas = open_builder(page, workflow_id, 3)

    # Select all while typing in a field selects its text, not the nodes.
    page.get_by_role("searchbox", name="Search node types").focus()
    page.keyboard.press("Control+a")
    assert selected_nodes(page) == []
    page.get_by_role("searchbox", name="Search node types").blur()

    page.keyboard.press("Control+a")
    expect(page.locator(".af-node.af-selected")).to_have_count(3)
    page.keyboard.press("Control+c")
    payload = json.loads(page.evaluate("() => localStorage.getItem('agentflow.canvas.clipboard')"))
    assert payload["format"] == "agentflow/canvas-selection@1"
    assert [item["node"]["id"] for item in payload["nodes"]] == ["a", "b"]  # never the trigger

    page.keyboard.press("Control+v")
    expect(canvas).to_have_attribute("data-node-count", "5")
    expect(canvas).to_have_attribute("data-edge-count", "3")  # a→b came along, start→a not
    assert selected_nodes(page) == ["a_1", "b_1"]
    assert overlapping(boxes(page)) == []
    draft = stored_ids(account, workflow_id, ["start", "a", "b", "a_1", "b_1"])
    assert {"source": "a_1", "target": "b_1"} in draft["edges"]
    copy = next(n for n in draft["nodes"] if n["id"] == "a_1")
    assert copy["config"] == {"template": "text of a"}
    assert validate_document(draft, NODE_TYPES) == []

    page.keyboard.press("Control+d")  # the pasted pair, again beside everything
    expect(canvas).to_have_attribute("data-node-count", "7")
    expect(canvas).to_have_attribute("data-edge-count", "4")
    assert selected_nodes(page) == ["a_2", "b_2"]
    assert overlapping(boxes(page)) == []
    draft = stored_ids(account, workflow_id, ["start", "a", "b", "a_1", "b_1", "a_2", "b_2"])
    assert {"source": "a_2", "target": "b_2"} in draft["edges"]

    page.keyboard.press("Control+z")  # one gesture, one undo
    expect(canvas).to_have_attribute("data-node-count", "5")

    # The copy (a and b) pastes into another workflow, valid there.
    other_id = create(account, "Target", chain_document(["b"]))
    other = open_builder(page, other_id, 2)
    page.keyboard.press("Control+v")
    expect(other).to_have_attribute("data-node-count", "4")
    expect(other).to_have_attribute("data-edge-count", "2")
    assert overlapping(boxes(page)) == []
    draft = stored_ids(account, other_id, ["start", "b", "a_1", "b_1"])
    assert {"source": "a_1", "target": "b_1"} in draft["edges"]
    assert next(n for n in draft["nodes"] if n["id"] == "b_1")["config"] == {
        "template": "text of b"
    }
    assert validate_document(draft, NODE_TYPES) == []


def test_the_shortcut_sheet_lists_every_canvas_shortcut(wide_page: Page, account: Account) -> None:
    page = wide_page
    open_builder(page, create(account, "Shortcuts"), 1)
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_have_count(0)

    page.keyboard.press("Shift+Slash")
    expect(sheet).to_be_visible()
    for action in (
        "Undo",
        "Redo",
        "Delete the selection",
        "Select all nodes",
        "Copy the selected nodes",
        "Paste",
        "Duplicate the selected nodes",
        "Show these shortcuts",
    ):
        expect(sheet.get_by_role("rowheader", name=action, exact=False)).to_be_visible()
    expect(sheet).to_contain_text("Ctrl+Z")
    expect(sheet).to_contain_text("Ctrl+D")
    page.keyboard.press("Escape")
    expect(sheet).to_have_count(0)

    page.get_by_role("button", name="Keyboard shortcuts (?)").click()
    expect(sheet).to_be_visible()
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_have_count(0)


def test_added_nodes_land_in_free_space(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Free space")
    canvas = open_builder(page, workflow_id, 1)

    drop(page, canvas, "template", 0, 0)  # right onto the trigger
    expect(canvas).to_have_attribute("data-node-count", "2")
    page.get_by_test_id("palette-set").click()  # the middle of the view, twice
    page.get_by_test_id("palette-set").click()
    expect(canvas).to_have_attribute("data-node-count", "4")
    assert overlapping(boxes(page)) == []
    draft = stored_ids(account, workflow_id, ["start", "template_1", "set_1", "set_2"])
    at = {(n["position"]["x"], n["position"]["y"]) for n in draft["nodes"]}
    assert len(at) == 4

    # A node's menu duplicates it into free space too; the trigger's menu offers no copy.
    page.get_by_test_id("node-set_1").click(button="right")
    page.get_by_test_id("menu-duplicate").click()
    expect(canvas).to_have_attribute("data-node-count", "5")
    assert overlapping(boxes(page)) == []
    page.get_by_test_id("node-start").click(button="right")
    expect(page.get_by_test_id("menu-delete")).to_be_visible()
    expect(page.get_by_test_id("menu-duplicate")).to_have_count(0)


def test_auto_layout_keeps_a_long_workflow_readable(wide_page: Page, account: Account) -> None:
    page = wide_page
    ids = [f"step_{i}" for i in range(30)]
    document = chain_document(ids)
    for node in document["nodes"]:
        node["position"] = {"x": 0, "y": 0}
    workflow_id = create(account, "Long", document)
    open_builder(page, workflow_id, 31)
    page.get_by_test_id("auto-layout").click()
    wait_for(lambda: stored(account, workflow_id)["nodes"][-1]["position"]["x"] > 0, timeout_s=10)

    def zoom() -> float:
        box = page.get_by_test_id("node-start").bounding_box()
        return box["width"] / NODE_WIDTH if box else 0.0

    wait_for(lambda: zoom() >= READABLE_ZOOM * 0.98, timeout_s=10)
    start = page.get_by_test_id("node-start").bounding_box()
    view = page.get_by_test_id("builder-canvas").bounding_box()
    assert start and view
    assert view["x"] <= start["x"] and start["x"] + start["width"] <= view["x"] + view["width"]
    assert view["y"] <= start["y"] and start["y"] + start["height"] <= view["y"] + view["height"]
