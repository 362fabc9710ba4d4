"""The dashboards' figures equal direct SQL over the raw runs and steps.

Data is generated over twelve days; the rollups keep hours for three, so a period
reads day rows, hour rows and raw rows (the partial hours at its edges and the
tail after the watermark), in zones with whole-hour, half-hour and 45-minute
offsets.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from agentflow.analytics import histogram
from agentflow.analytics.facts import RUNS, facts
from agentflow.analytics.overview import overview
from agentflow.analytics.periods import Period, Watermarks, day_period, preset_period
from agentflow.analytics.rollup import roll_up
from agentflow.analytics.synthetic import generate
from agentflow.analytics.workflow_detail import workflow_detail
from agentflow.db.engine import get_engine, session_scope

NOW = datetime(2026, 3, 20, 14, 37, tzinfo=UTC)
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")


@pytest.fixture
def generated(clean_db: str, org: uuid.UUID) -> Any:
    data = generate(
        clean_db, org, runs=3000, start=NOW - timedelta(days=12), end=NOW, steps_per_run=4,
        workflows=4,
    )  # fmt: skip
    roll_up(clean_db, now=NOW, hourly_days=3)
    return data


def raw_runs(database_url: str, org: uuid.UUID, period: Period) -> list[Any]:
    with get_engine(database_url).connect() as connection:
        return connection.execute(
            text(
                "SELECT workflow_id, status, cost_usd, prompt_tokens + completion_tokens AS tokens,"
                " extract(epoch FROM finished_at - started_at) * 1000 AS ms,"
                " date_trunc(:unit, finished_at AT TIME ZONE :tz) AS bucket"
                " FROM runs WHERE org_id = :org AND status = ANY(:terminal)"
                " AND finished_at >= :a AND finished_at < :b"
            ),
            {"org": org, "a": period.start, "b": period.end, "tz": period.tz,
             "unit": period.unit, "terminal": list(TERMINAL)},
        ).all()  # fmt: skip


def raw_steps(database_url: str, org: uuid.UUID, period: Period) -> list[Any]:
    with get_engine(database_url).connect() as connection:
        return connection.execute(
            text(
                "SELECT s.node_id, s.status, coalesce(s.error->>'type', '') AS error_type,"
                " s.model, s.provider, s.cost_usd, s.prompt_tokens + s.completion_tokens AS tokens,"
                " extract(epoch FROM s.finished_at - s.started_at) * 1000 AS ms, r.workflow_id"
                " FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.org_id = :org"
                " AND s.finished_at >= :a AND s.finished_at < :b"
            ),
            {"org": org, "a": period.start, "b": period.end},
        ).all()


def exact_percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


PERIODS = [
    pytest.param(lambda: preset_period("7d", "UTC", NOW), id="7d-utc-day-rows"),
    pytest.param(lambda: preset_period("24h", "UTC", NOW), id="24h-hours-and-tail"),
    pytest.param(lambda: preset_period("30d", "America/New_York", NOW), id="30d-new-york"),
    pytest.param(lambda: day_period(date(2026, 3, 15), date(2026, 3, 20), "Asia/Kolkata"),
                 id="kolkata-half-hour"),
    pytest.param(lambda: day_period(date(2026, 3, 9), date(2026, 3, 20), "Asia/Kathmandu"),
                 id="kathmandu-45-min-across-retention"),
    pytest.param(lambda: day_period(date(2026, 3, 18), date(2026, 3, 19), "Pacific/Chatham"),
                 id="chatham-hour-buckets"),
]  # fmt: skip


@pytest.mark.parametrize("make_period", PERIODS)
def test_overview_equals_sql_over_raw_rows(
    clean_db: str, org: uuid.UUID, generated: Any, make_period: Any
) -> None:
    period: Period = make_period()
    with session_scope(clean_db) as session:
        result = overview(session, org, period)
    runs = raw_runs(clean_db, org, period)
    assert len(runs) > 50  # the period really holds data
    summary = result["summary"]
    assert summary["runs"] == len(runs)
    assert summary["succeeded"] == sum(1 for r in runs if r.status == "succeeded")
    assert summary["failed"] == sum(1 for r in runs if r.status in ("failed", "timed_out"))
    assert summary["cost_usd"] == pytest.approx(float(sum(r.cost_usd for r in runs)), abs=1e-6)
    assert summary["tokens"] == sum(r.tokens for r in runs)
    assert summary["active_workflows"] == len({r.workflow_id for r in runs})
    durations = [float(r.ms) for r in runs if r.ms is not None]
    bins = histogram.merge((histogram.bin_of(ms), 1) for ms in durations)
    for q, key in ((0.5, "p50_ms"), (0.95, "p95_ms")):
        assert summary[key] == histogram.percentile_ms(bins, q)
        assert summary[key] == pytest.approx(exact_percentile(durations, q), rel=0.026)
    ranked = {row["workflow_id"]: row for row in result["workflows"]}
    for workflow_id in {r.workflow_id for r in runs}:
        mine = [r for r in runs if r.workflow_id == workflow_id]
        assert ranked[str(workflow_id)]["runs"] == len(mine)
        assert ranked[str(workflow_id)]["failures"] == sum(
            1 for r in mine if r.status in ("failed", "timed_out")
        )
    steps = raw_steps(clean_db, org, period)
    by_model: dict[str, float] = defaultdict(float)
    for s in steps:
        if s.model:
            by_model[s.model] += float(s.cost_usd)
    charted: dict[str, float] = defaultdict(float)
    for row in result["cost_by_model"]:
        charted[row["model"]] += row["cost_usd"]
    assert charted == pytest.approx(by_model, abs=1e-5)
    tokens = {row["provider"]: row["tokens"] for row in result["tokens_by_provider"]}
    expected: dict[str, int] = defaultdict(int)
    for s in steps:
        if s.tokens:
            expected[s.provider] += s.tokens
    assert tokens == expected
    assert sum(d["runs"] for d in result["durations"]) == len(durations)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Europe/Paris", "Pacific/Auckland"])
def test_series_per_local_day_equal_sql_in_whole_hour_zones(
    clean_db: str, org: uuid.UUID, generated: Any, tz: str
) -> None:
    """Within the hourly retention every local day of a whole-hour zone is exact."""
    period = day_period(date(2026, 3, 17), date(2026, 3, 20), tz)
    with session_scope(clean_db) as session:
        result = overview(session, org, period)
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for r in raw_runs(clean_db, org, period):
        expected[(r.bucket.strftime("%Y-%m-%d"), r.status)] += 1
    charted = {(row["bucket"], row["status"]): row["runs"] for row in result["runs_by_status"]}
    assert charted == expected
    assert set(b for b, _ in charted) <= set(result["period"]["buckets"])


def test_rollups_and_raw_rows_give_the_same_facts(
    clean_db: str, org: uuid.UUID, generated: Any
) -> None:
    period = preset_period("30d", "Asia/Kolkata", NOW)
    measures = ("runs", "cost_usd", "duration_ms_sum", "prompt_tokens")
    with session_scope(clean_db) as session:
        rolled = facts(session, RUNS, org, period, by=("workflow_id", "status"), measures=measures)
        raw = facts(
            session, RUNS, org, period, by=("workflow_id", "status"), measures=measures,
            marks=Watermarks(),
        )  # fmt: skip

    def keyed(rows: list[dict[str, Any]]) -> dict[Any, tuple[float, ...]]:
        return {
            (r["workflow_id"], r["status"]): tuple(round(float(r[m]), 3) for m in measures)
            for r in rows
        }

    assert keyed(rolled) == keyed(raw)


def test_workflow_detail_errors_and_nodes_equal_sql(
    clean_db: str, org: uuid.UUID, generated: Any
) -> None:
    period = preset_period("7d", "Europe/Paris", NOW)
    workflow_id = generated.workflow_ids[1]
    with session_scope(clean_db) as session:
        detail = workflow_detail(session, org, workflow_id, period)
    steps = [s for s in raw_steps(clean_db, org, period) if s.workflow_id == workflow_id]
    failures: dict[str, int] = defaultdict(int)
    for s in steps:
        if s.status == "failed":
            failures[s.error_type] += 1
    assert {e["error_type"]: e["failures"] for e in detail["errors_by_type"]} == failures
    assert sum(e["failures"] for e in detail["errors_by_node"]) == sum(failures.values())
    for node in detail["nodes"]:
        mine = [float(s.ms) for s in steps if s.node_id == node["node"]]
        assert node["steps"] == len(mine)
        bins = histogram.merge((histogram.bin_of(ms), 1) for ms in mine)
        assert node["p95_ms"] == histogram.percentile_ms(bins, 0.95)
    assert detail["slowest"][0]["p95_ms"] == max(n["p95_ms"] for n in detail["nodes"])
    trend_runs = sum(point["runs"] for point in detail["success_trend"])
    assert trend_runs == detail["summary"]["runs"]


def test_rolling_up_again_changes_nothing_and_prunes_old_hours(
    clean_db: str, org: uuid.UUID, generated: Any
) -> None:
    period = preset_period("90d", "UTC", NOW)
    with session_scope(clean_db) as session:
        before = overview(session, org, period)["summary"]
    report = roll_up(clean_db, now=NOW, hourly_days=3)
    assert report.hours_rolled == 0
    with session_scope(clean_db) as session:
        assert overview(session, org, period)["summary"] == before
        oldest_hour = session.execute(
            text("SELECT min(bucket_start) FROM analytics_run_rollups WHERE grain = 'hour'")
        ).scalar_one()
    assert oldest_hour >= NOW - timedelta(days=4)


def test_the_periods_above_read_day_rows_hour_rows_and_raw_rows(
    clean_db: str, generated: Any
) -> None:
    from agentflow.analytics.facts import watermarks
    from agentflow.analytics.periods import plan

    with session_scope(clean_db) as session:
        marks = watermarks(session)
    assert marks.hour_until == datetime(2026, 3, 20, 14, tzinfo=UTC)  # 5 minutes of lag
    assert marks.day_until == datetime(2026, 3, 20, tzinfo=UTC)
    assert marks.hour_from == datetime(2026, 3, 17, tzinfo=UTC)  # three days of hours
    across = plan(day_period(date(2026, 3, 9), date(2026, 3, 20), "Asia/Kathmandu"), marks)
    assert across.days and across.hours and across.raw
    utc_week = plan(preset_period("7d", "UTC", NOW), marks)
    assert utc_week.days == [(datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))]
    # The Kathmandu day starts at 18:15 UTC; its hours are no longer kept, so the rest
    # of that UTC day is read raw, and so is the tail after the watermark.
    assert across.raw[0] == (
        datetime(2026, 3, 8, 18, 15, tzinfo=UTC),
        datetime(2026, 3, 9, tzinfo=UTC),
    )
    assert across.raw[-1][0] == marks.hour_until
