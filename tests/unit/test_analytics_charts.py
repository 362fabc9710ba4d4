"""The analytics figures carry the data they are given, bucket by bucket."""

from __future__ import annotations

from components import analytics_charts as charts


def test_runs_by_status_stacks_every_bucket_in_status_order() -> None:
    data = {
        "period": {"buckets": ["2026-03-01", "2026-03-02", "2026-03-03"]},
        "runs_by_status": [
            {"bucket": "2026-03-01", "status": "failed", "runs": 2},
            {"bucket": "2026-03-03", "status": "succeeded", "runs": 5},
        ],
    }
    figure = charts.runs_by_status(data)
    assert [trace.name for trace in figure.data] == ["succeeded", "failed"]
    assert list(figure.data[0].y) == [0, 0, 5]
    assert list(figure.data[1].y) == [2, 0, 0]
    assert figure.layout.barmode == "stack"
    assert figure.layout.dragmode == "zoom"


def test_cost_by_model_names_a_lone_model_and_shares_the_runs_time_axis() -> None:
    buckets = ["2026-03-01", "2026-03-02", "2026-03-03"]
    data = {
        "period": {"buckets": buckets},
        "runs_by_status": [{"bucket": "2026-03-02", "status": "succeeded", "runs": 1}],
        "cost_by_model": [{"bucket": "2026-03-02", "model": "gpt-4o-mini", "cost_usd": 0.5}],
        "cost_by_workflow": [],
    }
    cost = charts.cost_by(data, "model")
    assert [trace.name for trace in cost.data] == ["gpt-4o-mini"]
    assert cost.layout.showlegend is True  # a single series still has its legend
    empty = charts.cost_by(data, "workflow")
    assert empty.layout.showlegend is False
    for figure in (charts.runs_by_status(data), cost, empty):
        assert figure.layout.xaxis.type == "category"
        assert list(figure.layout.xaxis.categoryarray) == buckets
    assert list(empty.data[0].x) == buckets  # the empty chart still draws every bucket


def test_breakdown_puts_the_largest_on_top() -> None:
    rows = [{"error_type": "timeout", "failures": 5}, {"error_type": "http", "failures": 1}]
    figure = charts.breakdown(rows, "error_type", "failures", "red")
    assert list(figure.data[0].y) == ["http", "timeout"]
