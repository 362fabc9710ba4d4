"""Honest numbers and a useful audit trail, as a user sees them: a mocked LLM reply
costs nothing and says so in the step and in analytics; a session of autosaves is
one audit row naming the workflow; the cost-by-model chart has a legend and the
same time axis as the other charts."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from agentflow.services.workflows import management as workflows
from tests.e2e.conftest import Account
from tests.e2e.test_analytics_page import traces
from tests.e2e.test_builder import SLOW, create, fill, open_builder, select_node, wait_saved
from tests.integration.analytics.conftest import add_run


def mocked_llm_document() -> dict[str, Any]:
    document = workflows.blank_document("x")
    document["nodes"].append(
        {
            "id": "ask",
            "type": "llm",
            "config": {"model": "openai/gpt-4o-mini", "prompt": "Hi", "mock_response": "yes"},
            "position": {"x": 320, "y": 0},
        }
    )
    document["edges"] = [{"source": "start", "target": "ask"}]
    return document


def layout(page: Page, dataset: str) -> dict[str, Any]:
    plot = page.get_by_test_id(f"chart-{dataset}").locator(".js-plotly-plot")
    expect(plot).to_be_visible(timeout=30_000)
    result: dict[str, Any] = plot.evaluate(
        "el => ({showlegend: el.layout.showlegend, xaxis: el.layout.xaxis.categoryarray})"
    )
    return result


def test_a_mocked_reply_is_free_and_marked_and_autosaves_make_one_audit_row(
    wide_page: Page, account: Account, clean_db: str
) -> None:
    page = wide_page
    workflow_id = create(account, "Honest numbers", mocked_llm_document())
    open_builder(page, workflow_id, 2)

    # Two edits, each autosaved: one editing session.
    select_node(page, "ask")
    fill(page, "config.prompt", "Hi there")
    wait_saved(page)
    fill(page, "config.prompt", "Hi there, again")
    wait_saved(page)

    page.get_by_test_id("open-test-run").click()
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-state", "succeeded", timeout=SLOW
    )
    select_node(page, "ask")
    output = page.get_by_test_id("step-output")
    expect(output).to_contain_text('"mocked": true')
    expect(page.get_by_test_id("step-panel")).to_contain_text("$0.000000")

    page.goto("/settings/audit")
    updates = page.get_by_test_id("audit-row").filter(has_text="workflow.update")
    expect(updates).to_have_count(1)
    expect(updates).to_contain_text("Honest numbers")

    # A priced run too, so that the cost charts have something to draw.
    add_run(clean_db, account.org_id, workflow_id, cost=0.5, model="gpt-4o")
    page.goto("/analytics")
    # The canned reply's tokens are charted apart from real providers' calls.
    providers = {x for trace in traces(page, "tokens_by_provider") for x in trace["x"]}
    assert "mocked" in providers
    assert "gpt-4o" in {trace["name"] for trace in traces(page, "cost_by_model")}
    by_model, by_status = layout(page, "cost_by_model"), layout(page, "runs_by_status")
    assert by_model["showlegend"] is True
    assert by_model["xaxis"] == by_status["xaxis"] and by_model["xaxis"]
