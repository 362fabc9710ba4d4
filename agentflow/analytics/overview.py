"""The organisation dashboard: summary with comparison, series, breakdowns, ranking."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.analytics import histogram
from agentflow.analytics.facts import (
    MODELS,
    ORG_BINS,
    RUN_BINS,
    RUNS,
    bucket_label,
    facts,
    watermarks,
)
from agentflow.analytics.periods import Period, Watermarks, zone
from agentflow.db.runs import Workflow

FAILED = frozenset({"failed", "timed_out"})
RUN_MEASURES = (
    "runs", "duration_count", "duration_ms_sum", "prompt_tokens", "completion_tokens", "cost_usd",
)  # fmt: skip
SUMMARY_KEYS = (
    "runs", "success_rate", "p50_ms", "p95_ms", "tokens", "cost_usd", "active_workflows",
)  # fmt: skip


def summarize(run_rows: list[dict[str, Any]], bins: dict[int, int]) -> dict[str, Any]:
    runs = sum(row["runs"] for row in run_rows)
    succeeded = sum(row["runs"] for row in run_rows if row["status"] == "succeeded")
    failed = sum(row["runs"] for row in run_rows if row["status"] in FAILED)
    prompt = sum(row["prompt_tokens"] for row in run_rows)
    completion = sum(row["completion_tokens"] for row in run_rows)
    return {
        "runs": runs,
        "succeeded": succeeded,
        "failed": failed,
        "success_rate": succeeded / runs if runs else None,
        "p50_ms": histogram.percentile_ms(bins, 0.50),
        "p95_ms": histogram.percentile_ms(bins, 0.95),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "tokens": prompt + completion,
        "cost_usd": round(sum(row["cost_usd"] for row in run_rows), 6),
        "active_workflows": len({row["workflow_id"] for row in run_rows if row["workflow_id"]}),
    }


def changes(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, float | None]:
    """Relative change of each summary figure; None when there is nothing to compare."""
    result: dict[str, float | None] = {}
    for key in SUMMARY_KEYS:
        now, before = current.get(key), previous.get(key)
        if now is None or before is None or before == 0:
            result[key] = None
        else:
            result[key] = (now - before) / abs(before)
    return result


def bucket_labels(period: Period) -> list[str]:
    """Every chart bucket of the period, in order, as local labels."""
    tz = zone(period.tz)
    step = timedelta(hours=1) if period.unit == "hour" else timedelta(days=1)
    labels: list[str] = []
    moment = period.start.astimezone(tz)
    moment = moment.replace(minute=0, second=0, microsecond=0)
    if period.unit == "day":
        moment = moment.replace(hour=0)
    while moment.astimezone(period.start.tzinfo) < period.end and len(labels) < 2000:
        label = bucket_label(moment.replace(tzinfo=None), period.unit)
        if not labels or labels[-1] != label:
            labels.append(label)
        moment = (moment.replace(tzinfo=None) + step).replace(tzinfo=tz)
    return labels


def workflow_names(session: Session, org_id: uuid.UUID, ids: set[Any]) -> dict[Any, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(col(Workflow.id), col(Workflow.name)).where(
            col(Workflow.org_id) == org_id, col(Workflow.id).in_(ids)
        )
    ).all()
    return {row[0]: row[1] for row in rows}


def name_of(names: dict[Any, str], workflow_id: Any) -> str:
    if workflow_id is None:
        return "(ad hoc)"
    return names.get(workflow_id, "(deleted workflow)")


def _label(row: dict[str, Any], unit: str) -> str:
    bucket: datetime = row["bucket"]
    return bucket_label(bucket, unit)


def run_bins(
    session: Session,
    org_id: uuid.UUID,
    period: Period,
    marks: Watermarks,
    workflow_id: uuid.UUID | None = None,
) -> dict[int, int]:
    source = ORG_BINS if workflow_id is None else RUN_BINS
    rows = facts(
        session, source, org_id, period, by=("bin",), measures=("count",), marks=marks,
        workflow_id=workflow_id,
    )  # fmt: skip
    return histogram.merge((row["bin"], row["count"]) for row in rows)


def overview(
    session: Session, org_id: uuid.UUID, period: Period, marks: Watermarks | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows; ``marks`` (default: the stored watermarks) says
    what the rollups cover: ``Watermarks()`` reads every row raw."""
    marks = watermarks(session) if marks is None else marks
    unit = period.unit
    runs = facts(
        session, RUNS, org_id, period, by=("workflow_id", "status"), measures=RUN_MEASURES,
        bucketed=True, marks=marks,
    )  # fmt: skip
    bins = run_bins(session, org_id, period, marks)
    earlier = period.previous()
    previous_runs = facts(
        session, RUNS, org_id, earlier, by=("workflow_id", "status"), measures=RUN_MEASURES,
        marks=marks,
    )  # fmt: skip
    previous = summarize(previous_runs, run_bins(session, org_id, earlier, marks))
    steps = facts(
        session, MODELS, org_id, period, by=("model", "provider"),
        measures=("cost_usd", "prompt_tokens", "completion_tokens"), bucketed=True, marks=marks,
    )  # fmt: skip
    names = workflow_names(session, org_id, {row["workflow_id"] for row in runs})
    summary = summarize(runs, bins)
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "tz": period.tz,
            "unit": unit,
            "buckets": bucket_labels(period),
        },
        "summary": summary,
        "previous": previous,
        "changes": changes(summary, previous),
        "runs_by_status": _series(runs, unit, "status", "runs"),
        "cost_by_model": _series(
            [{**row, "model": row["model"] or "(no model)"} for row in steps if row["cost_usd"]],
            unit,
            "model",
            "cost_usd",
        ),
        "cost_by_workflow": _series(
            [{**row, "workflow": name_of(names, row["workflow_id"])} for row in runs],
            unit,
            "workflow",
            "cost_usd",
        ),
        "tokens_by_provider": _tokens_by_provider(steps),
        "durations": histogram.distribution(bins),
        "workflows": _ranking(runs, names),
    }


def _series(rows: list[dict[str, Any]], unit: str, key: str, measure: str) -> list[dict[str, Any]]:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        sums[(_label(row, unit), str(row[key]))] += row[measure]
    return [
        {"bucket": bucket, key: name, measure: round(value, 6) if measure == "cost_usd" else value}
        for (bucket, name), value in sorted(sums.items())
    ]


def _tokens_by_provider(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in steps:
        if row["prompt_tokens"] or row["completion_tokens"]:
            pair = sums[row["provider"] or "(unknown)"]
            pair[0] += int(row["prompt_tokens"])
            pair[1] += int(row["completion_tokens"])
    return sorted(
        (
            {"provider": p, "prompt_tokens": a, "completion_tokens": b, "tokens": a + b}
            for p, (a, b) in sums.items()
        ),
        key=lambda item: -int(item["tokens"]),
    )


def _ranking(runs: list[dict[str, Any]], names: dict[Any, str]) -> list[dict[str, Any]]:
    table: dict[Any, dict[str, Any]] = {}
    for row in runs:
        item = table.setdefault(
            row["workflow_id"],
            {
                "workflow_id": str(row["workflow_id"]) if row["workflow_id"] else "",
                "workflow": name_of(names, row["workflow_id"]),
                "runs": 0,
                "failures": 0,
                "cost_usd": 0.0,
                "duration_ms_sum": 0.0,
                "duration_count": 0,
            },
        )
        item["runs"] += row["runs"]
        item["failures"] += row["runs"] if row["status"] in FAILED else 0
        item["cost_usd"] += row["cost_usd"]
        item["duration_ms_sum"] += row["duration_ms_sum"]
        item["duration_count"] += row["duration_count"]
    ranked = []
    for item in table.values():
        count = item.pop("duration_count")
        total = item.pop("duration_ms_sum")
        item["avg_duration_ms"] = total / count if count else None
        item["failure_rate"] = item["failures"] / item["runs"] if item["runs"] else None
        item["cost_usd"] = round(item["cost_usd"], 6)
        ranked.append(item)
    ranked.sort(key=lambda item: (-item["runs"], -item["failures"], -item["cost_usd"]))
    return ranked
