"""The Analytics pages with data: cards, Plotly charts with the right totals, exports,
the per-workflow page, budgets and alert rules."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from agentflow.services.workflows.management import create_workflow
from tests.e2e.conftest import Account
from tests.integration.analytics.conftest import add_run
from tests.integration.conftest import workflow

DOC = workflow(
    [{"id": "say", "type": "template", "config": {"template": "hi"}}], [("start", "say")]
)


def traces(page: Page, dataset: str) -> list[dict[str, Any]]:
    """The traces Plotly drew in a chart card (its graph div keeps them in ``.data``)."""
    plot = page.get_by_test_id(f"chart-{dataset}").locator(".js-plotly-plot")
    expect(plot).to_be_visible(timeout=30_000)
    expect(plot.locator(".main-svg").first).to_be_visible()
    return plot.evaluate("el => el.data.map(t => ({name: t.name, x: t.x, y: t.y}))")


def total(traces_: list[dict[str, Any]]) -> float:
    return sum(float(y or 0) for trace in traces_ for y in trace["y"])


def test_the_dashboard_charts_totals_exports_and_workflow_page(
    page: Page, account: Account, clean_db: str
) -> None:
    org = account.org_id
    triage = create_workflow(clean_db, "Ticket triage", document=DOC, org_id=org)
    digest = create_workflow(clean_db, "Daily digest", document=DOC, org_id=org)
    add_run(clean_db, org, triage, cost=0.25, duration_s=2)
    add_run(clean_db, org, triage, cost=0.25, duration_s=4)
    add_run(clean_db, org, triage, status="failed", cost=0.5, duration_s=8)
    add_run(clean_db, org, digest, cost=0.25, duration_s=1, model="claude-3-haiku")
    page.goto("/analytics")
    expect(page.get_by_test_id("card-runs").get_by_test_id("card-value")).to_have_text("4")
    expect(page.get_by_test_id("card-cost_usd").get_by_test_id("card-value")).to_have_text("$1.25")
    expect(page.get_by_test_id("card-success_rate").get_by_test_id("card-value")).to_have_text(
        "75%"
    )
    expect(page.get_by_test_id("card-active_workflows").get_by_test_id("card-value")).to_have_text(
        "2"
    )
    by_status = traces(page, "runs_by_status")
    assert {t["name"]: sum(t["y"]) for t in by_status} == {"succeeded": 3, "failed": 1}
    assert total(traces(page, "cost_by_model")) == 1.25
    assert {t["name"] for t in traces(page, "cost_by_workflow")} == {
        "Ticket triage",
        "Daily digest",
    }
    assert total(traces(page, "durations")) == 4
    assert total(traces(page, "tokens_by_provider")) == 4 * 15
    rows = page.get_by_test_id("workflow-rank-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ticket triage")
    expect(rows.first).to_contain_text("33%")

    # Exports: the runs table as CSV, a chart's data as JSON.
    page.get_by_test_id("export-runs").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-runs-csv").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(row["workflow"] for row in exported) == ["Daily digest"] + ["Ticket triage"] * 3
    page.get_by_test_id("export-cost_by_model").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-cost_by_model-json").click()
    assert download.value.suggested_filename.endswith(".json")
    chart_rows = json.loads(Path(download.value.path()).read_text())
    assert sum(row["cost_usd"] for row in chart_rows) == 1.25

    # One workflow's page, on the period the dashboard showed: its trend, errors and nodes.
    page.get_by_test_id("period-preset").click()
    page.get_by_role("option", name="Last 30 days").click()
    expect(page.get_by_test_id("period-preset")).to_have_text("Last 30 days")
    expect(page.get_by_test_id("card-runs").get_by_test_id("card-value")).to_have_text("4")
    rows.first.get_by_role("link", name="Ticket triage").click()
    expect(page).to_have_url(re.compile(rf"/analytics/workflows/{triage}\?preset=30d&tz=UTC"))
    expect(page.get_by_test_id("period-preset")).to_have_text("Last 30 days")
    expect(page.get_by_test_id("workflow-name")).to_have_text("Ticket triage")
    expect(page.get_by_test_id("card-runs").get_by_test_id("card-value")).to_have_text("3")
    errors = traces(page, "errors_by_type")
    assert errors[0]["y"] == ["llm.rate_limit"] and errors[0]["x"] == [1]
    expect(page.get_by_test_id("slowest-nodes")).to_contain_text("ask")


def test_budgets_and_alert_rules_from_the_page(page: Page, account: Account, clean_db: str) -> None:
    add_run(clean_db, account.org_id, None, cost=0.4)
    page.goto("/analytics")
    expect(page.get_by_test_id("card-runs").get_by_test_id("card-value")).to_have_text("1")
    page.get_by_test_id("budget-limit").fill("0.5")
    page.get_by_test_id("budget-save").click()
    budget = page.get_by_test_id("budget-row")
    expect(budget).to_have_count(1)
    expect(budget).to_contain_text("organisation")
    expect(budget).to_contain_text("$0.4000 of $0.5000 (80%)")
    expect(budget).to_contain_text("soft")
    page.get_by_test_id("rule-new").click()
    page.get_by_placeholder("Name").fill("Too many failures")
    page.get_by_placeholder("Threshold (in the metric's unit)").fill("10")
    page.get_by_test_id("rule-save").click()
    rule = page.get_by_test_id("rule-row")
    expect(rule).to_have_count(1)
    expect(rule).to_contain_text("Too many failures")
    expect(rule).to_contain_text("> 10 over 60 min")
    rule.get_by_role("button", name="Delete rule").click()
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("rule-row")).to_have_count(0)


def test_an_empty_period_shows_the_empty_state(page: Page, account: Account) -> None:
    page.goto("/analytics")
    expect(page.get_by_text("No finished runs in this period")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("No budget yet.")).to_be_visible()
