"""Test step in the builder: one node runs alone on pinned data for the nodes before
it (mock data for a node of any type), and the panel shows its output."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from agentflow.services.workflows import management as workflows
from tests.e2e.conftest import Account
from tests.e2e.test_builder import SLOW, create, open_builder, select_node


def fetch_then_greet() -> dict:
    document = workflows.blank_document("x")
    document["inputs"] = {"type": "object", "properties": {"city": {"type": "string"}}}
    document["nodes"] += [
        # Not reachable from here: if it ran, the step test would fail.
        {
            "id": "fetch",
            "type": "http",
            "config": {"method": "GET", "url": "http://127.0.0.1:9/"},
            "position": {"x": 320, "y": 0},
        },
        {
            "id": "greet",
            "type": "template",
            "config": {"template": "Hi {{ nodes.fetch.output.body.name }} in {{ input.city }}"},
            "position": {"x": 640, "y": 0},
        },
        {
            "id": "after",
            "type": "template",
            "config": {"template": "later"},
            "position": {"x": 960, "y": 0},
        },
    ]
    document["edges"] = [
        {"source": "start", "target": "fetch"},
        {"source": "fetch", "target": "greet"},
        {"source": "greet", "target": "after"},
    ]
    return document


def test_a_step_runs_alone_on_pinned_data(wide_page: Page, account: Account) -> None:
    page = wide_page
    workflow_id = create(account, "Step test", fetch_then_greet())
    open_builder(page, workflow_id, 4)
    select_node(page, "greet")
    page.get_by_test_id("open-step-test").click()
    data = page.get_by_test_id("step-test-data")
    # Prefilled: the input from the schema, a null output for the node before it.
    prefilled = json.loads(data.input_value())
    assert prefilled == {"input": {"city": ""}, "nodes": {"fetch": None}}

    data.fill('{"input": {"city": "Paris"}, "nodes": {"fetch": ')
    page.get_by_test_id("start-step-test").click()
    expect(page.get_by_test_id("step-test-error")).to_contain_text("not valid JSON")

    pinned = {"input": {"city": "Paris"}, "nodes": {"fetch": {"body": {"name": "Ada"}}}}
    data.fill(json.dumps(pinned))
    page.get_by_test_id("start-step-test").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    expect(page.get_by_test_id("node-greet")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("step-output")).to_contain_text("Hi Ada in Paris")
    # Nothing after the step ran.
    expect(page.get_by_test_id("node-after")).not_to_have_attribute("data-status", "succeeded")

    # Testing it again starts from the data pinned last time.
    page.get_by_test_id("open-step-test").click()
    assert json.loads(data.input_value()) == pinned
