"""``agentflow bench analytics``: dashboard query times over a million synthetic steps.

On a throwaway embedded PostgreSQL it generates runs and steps over ``days`` days
(agentflow.analytics.synthetic), rolls them up as the worker's job does, then
times the Analytics page's overview query for each preset, in UTC and in a
half-hour zone, with the rollups and (as a baseline) from raw rows only. It also
times an incremental roll-up and the budget check made at every run start.
Method and figures: docs/benchmarks.md#analytics.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import text

from agentflow.analytics.overview import overview
from agentflow.analytics.periods import Watermarks, preset_period
from agentflow.analytics.rollup import roll_up
from agentflow.analytics.synthetic import generate, runs_for_steps
from agentflow.bench.engine import machine
from agentflow.bench.harness import BenchHarness, Progress
from agentflow.bench.stats import median, rounded
from agentflow.db.engine import get_engine, session_scope
from agentflow.services.governance.budgets import check_can_start, set_budget
from agentflow.services.tenancy.permissions import Actor, Role

TARGET_MS = 200.0
PRESETS = ("24h", "7d", "30d", "90d")
ZONES = ("UTC", "Asia/Kolkata")


@dataclass
class AnalyticsBenchOptions:
    steps: int = 1_000_000
    steps_per_run: int = 5
    days: int = 90
    workflows: int = 20
    repetitions: int = 10
    raw_repetitions: int = 3
    keep_data: bool = False

    @classmethod
    def smoke(cls) -> AnalyticsBenchOptions:
        return cls(steps=50_000, repetitions=3, raw_repetitions=1)


def _timed(work: Callable[[], Any], repetitions: int) -> dict[str, float]:
    work()  # warm the connection pool and PostgreSQL's caches
    samples = []
    for _ in range(repetitions):
        began = time.perf_counter()
        work()
        samples.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": rounded(median(samples), 1), "max_ms": rounded(max(samples), 1)}


def _org(database_url: str) -> uuid.UUID:
    org_id = uuid.uuid4()
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text("INSERT INTO organizations (id, name, slug, created_at) "
                 "VALUES (:id, 'Bench', :slug, now())"),
            {"id": org_id, "slug": f"bench-{org_id.hex[:8]}"},
        )  # fmt: skip
    return org_id


def _overview(database_url: str, org: uuid.UUID, preset: str, tz: str, raw: bool) -> None:
    period = preset_period(preset, tz)
    with session_scope(database_url) as session:
        # raw: the same query with no rollups, every row read from runs and steps.
        overview(session, org, period, Watermarks() if raw else None)


def run_analytics_bench(options: AnalyticsBenchOptions, progress: Progress) -> dict[str, Any]:
    harness = BenchHarness(progress, keep=options.keep_data)
    result: dict[str, Any] = {"machine": machine(), "options": vars(options).copy()}
    try:
        harness.start_services()
        db = harness.database_url
        org = _org(db)
        now = datetime.now(UTC)
        runs = runs_for_steps(options.steps, options.steps_per_run)
        progress(f"generating {runs:,} runs with {options.steps:,} steps over {options.days} days")
        began = time.perf_counter()
        made = generate(
            db, org, runs=runs, start=now - timedelta(days=options.days), end=now,
            steps_per_run=options.steps_per_run, workflows=options.workflows,
        )  # fmt: skip
        with get_engine(db).begin() as connection:
            connection.execute(text("ANALYZE"))
        result["data"] = {"runs": made.runs, "steps": made.steps,
                          "generate_s": rounded(time.perf_counter() - began, 1)}  # fmt: skip
        progress("rolling up (first, full roll-up)")
        began = time.perf_counter()
        report = roll_up(db, now=now)
        result["rollup"] = {"full_s": rounded(time.perf_counter() - began, 2),
                            "hours": report.hours_rolled, "days": report.days_rolled}  # fmt: skip
        with get_engine(db).begin() as connection:
            connection.execute(text("ANALYZE"))
            result["rollup"]["rows"] = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                for table in ("analytics_run_rollups", "analytics_run_durations",
                              "analytics_step_rollups", "analytics_step_durations")
            }  # fmt: skip
        timings: dict[str, Any] = {}
        for tz in ZONES:
            for preset in PRESETS:
                progress(f"timing the overview: {preset} in {tz}")
                timings[f"{preset} {tz}"] = _timed(
                    partial(_overview, db, org, preset, tz, False), options.repetitions
                )
        result["overview"] = timings
        progress("timing the overview from raw rows only (30 days, UTC), for comparison")
        result["overview_raw_30d_utc"] = _timed(
            lambda: _overview(db, org, "30d", "UTC", True), options.raw_repetitions
        )
        actor = Actor(org, uuid.uuid4(), Role.OWNER, label="bench")
        set_budget(db, actor, {"monthly_limit_usd": 1e6})
        result["budget_check"] = _timed(lambda: check_can_start(db, org, None), options.repetitions)
        progress("timing an incremental roll-up of one more hour")
        generate(db, org, runs=2000, start=now, end=now + timedelta(hours=1),
                 steps_per_run=options.steps_per_run, workflows=2, seed=0.7)  # fmt: skip
        began = time.perf_counter()
        roll_up(db, now=now + timedelta(hours=1, minutes=10))
        result["rollup"]["incremental_hour_s"] = rounded(time.perf_counter() - began, 3)
        worst = max(timing["p50_ms"] for timing in timings.values())
        result["target"] = {"overview_p50_ms_max": worst, "below_ms": TARGET_MS,
                            "met": worst < TARGET_MS}  # fmt: skip
        return result
    finally:
        harness.close()


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"data: {result['data']['runs']:,} runs, {result['data']['steps']:,} steps "
        f"(generated in {result['data']['generate_s']} s)",
        f"full roll-up: {result['rollup']['full_s']} s; one more hour: "
        f"{result['rollup']['incremental_hour_s']} s; rows: {result['rollup']['rows']}",
        "",
        f"{'overview query':<26} {'p50 ms':>8} {'max ms':>8}",
    ]
    for name, timing in result["overview"].items():
        lines.append(f"{name:<26} {timing['p50_ms']:>8} {timing['max_ms']:>8}")
    raw = result["overview_raw_30d_utc"]
    lines.append(f"{'30d UTC, raw rows only':<26} {raw['p50_ms']:>8} {raw['max_ms']:>8}")
    budget = result["budget_check"]
    lines.append(f"{'budget check (run start)':<26} {budget['p50_ms']:>8} {budget['max_ms']:>8}")
    target = result["target"]
    verdict = "met" if target["met"] else "NOT met"
    lines += ["", f"target: every overview p50 < {target['below_ms']:g} ms: {verdict} "
              f"(worst {target['overview_p50_ms_max']} ms)"]  # fmt: skip
    return "\n".join(lines)
