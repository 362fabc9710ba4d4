"""One workflow's analytics: success-rate trend, durations, errors, bottleneck nodes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from agentflow.analytics import histogram
from agentflow.analytics.facts import RUNS as RUN_SOURCE
from agentflow.analytics.facts import STEP_BINS, STEPS, bucket_label, facts, watermarks
from agentflow.analytics.overview import (
    FAILED,
    RUN_MEASURES,
    bucket_labels,
    run_bins,
    summarize,
)
from agentflow.analytics.periods import Period

BOTTLENECKS = 5


def workflow_detail(
    session: Session, org_id: uuid.UUID, workflow_id: uuid.UUID, period: Period
) -> dict[str, Any]:
    marks = watermarks(session)
    runs = facts(
        session, RUN_SOURCE, org_id, period, by=("workflow_id", "status"),
        measures=RUN_MEASURES, bucketed=True, workflow_id=workflow_id, marks=marks,
    )  # fmt: skip
    bins = run_bins(session, org_id, period, marks, workflow_id)
    steps = facts(
        session, STEPS, org_id, period, by=("node_id", "status", "error_type"),
        measures=("steps", "duration_count", "duration_ms_sum", "cost_usd", "prompt_tokens",
                  "completion_tokens"),
        workflow_id=workflow_id, marks=marks,
    )  # fmt: skip
    step_bins = facts(
        session,
        STEP_BINS,
        org_id,
        period,
        by=("node_id", "bin"),
        measures=("count",),
        workflow_id=workflow_id,
        marks=marks,
    )
    nodes = _nodes(steps, step_bins)
    return {
        "period": {"tz": period.tz, "unit": period.unit, "buckets": bucket_labels(period)},
        "summary": summarize(runs, bins),
        "success_trend": _trend(runs, period.unit),
        "durations": histogram.distribution(bins),
        "errors_by_type": _errors(steps, "error_type"),
        "errors_by_node": _errors(steps, "node_id"),
        **bottlenecks(nodes),
        "nodes": nodes,
    }


def _trend(runs: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    per_bucket: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in runs:
        counts = per_bucket[histogram_label(row, unit)]
        counts[0] += row["runs"]
        counts[1] += row["runs"] if row["status"] == "succeeded" else 0
        counts[2] += row["runs"] if row["status"] in FAILED else 0
    return [
        {"bucket": bucket, "runs": n, "succeeded": ok, "failed": bad, "success_rate": ok / n}
        for bucket, (n, ok, bad) in sorted(per_bucket.items())
        if n
    ]


def histogram_label(row: dict[str, Any], unit: str) -> str:
    return bucket_label(row["bucket"], unit)


def _errors(steps: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    for row in steps:
        if row["status"] == "failed":
            counts[row[key] or "(unknown)"] += row["steps"]
    return [{key: name, "failures": n} for name, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def _nodes(steps: list[dict[str, Any]], step_bins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per node: executions, failures, cost, tokens, average and p95 duration."""
    bins_by_node: dict[str, dict[int, int]] = defaultdict(dict)
    for row in step_bins:
        node_bins = bins_by_node[row["node_id"]]
        node_bins[row["bin"]] = node_bins.get(row["bin"], 0) + int(row["count"])
    nodes: dict[str, dict[str, Any]] = {}
    for row in steps:
        item = nodes.setdefault(
            row["node_id"],
            {"node": row["node_id"], "steps": 0, "failures": 0, "cost_usd": 0.0, "tokens": 0,
             "duration_ms_sum": 0.0, "duration_count": 0},
        )  # fmt: skip
        item["steps"] += row["steps"]
        item["failures"] += row["steps"] if row["status"] == "failed" else 0
        item["cost_usd"] += row["cost_usd"]
        item["tokens"] += int(row["prompt_tokens"]) + int(row["completion_tokens"])
        item["duration_ms_sum"] += row["duration_ms_sum"]
        item["duration_count"] += row["duration_count"]
    result = []
    for node, item in nodes.items():
        count, total = item.pop("duration_count"), item.pop("duration_ms_sum")
        item["avg_ms"] = total / count if count else None
        item["p95_ms"] = histogram.percentile_ms(bins_by_node.get(node, {}), 0.95)
        item["cost_usd"] = round(item["cost_usd"], 6)
        result.append(item)
    return result


def bottlenecks(nodes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    slowest = sorted(
        (n for n in nodes if n["p95_ms"] is not None), key=lambda n: -float(n["p95_ms"])
    )
    costly = sorted((n for n in nodes if n["cost_usd"] > 0), key=lambda n: -float(n["cost_usd"]))
    return {"slowest": slowest[:BOTTLENECKS], "most_expensive": costly[:BOTTLENECKS]}
