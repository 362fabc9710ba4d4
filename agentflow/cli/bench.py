"""``agentflow bench engine``: measure the engine on throwaway servers."""

from __future__ import annotations

import json
import signal
import time
from types import FrameType

import click


@click.group(help="Benchmarks of AgentFlow itself; results and method in docs/benchmarks.md.")
def bench() -> None:
    pass


@bench.command(
    "engine",
    help="Measure engine overhead per node, enqueue-to-start latency, runs per second with "
    "1 and 2 workers, and worker memory over many runs. Starts its own embedded PostgreSQL "
    "and Valkey in a temporary folder and removes them at the end. The full run takes about "
    "ten minutes; --quick takes about one.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=0),
    default=None,
    help="Runs one worker executes in the memory soak (default 10000; 500 with --quick).",
)
@click.option("--quick", is_flag=True, help="Small counts: a smoke run, not a measurement.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=None,
    help="Stop the memory soak after this many seconds (default 600) and report the runs done.",
)
@click.option("--keep-data", is_flag=True, help="Keep the temporary servers' folder.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def engine(
    runs: int | None, quick: bool, time_limit: float | None, keep_data: bool, as_json: bool
) -> None:
    from agentflow.bench.engine import EngineBenchOptions, format_table, run_engine_bench

    options = EngineBenchOptions.smoke(runs) if quick else EngineBenchOptions()
    if runs is not None:
        options.soak_runs = runs
    if time_limit is not None:
        options.soak_time_limit_s = time_limit
    options.keep_data = keep_data
    began = time.monotonic()

    def progress(message: str) -> None:
        click.echo(f"[{time.monotonic() - began:6.1f}s] {message}", err=True)

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        result = run_engine_bench(options, progress)
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; workers and servers were stopped") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(json.dumps(result, indent=2) if as_json else format_table(result))


@bench.command(
    "analytics",
    help="Generate 1,000,000 synthetic steps on throwaway servers, roll them up as the worker "
    "does, and time the Analytics page's overview query for each preset (target: under "
    "200 ms). Takes a few minutes; --quick uses 50,000 steps.",
)
@click.option("--steps", type=click.IntRange(min=1000), default=None, help="Steps to generate.")
@click.option("--quick", is_flag=True, help="50,000 steps: a smoke run, not a measurement.")
@click.option("--keep-data", is_flag=True, help="Keep the temporary servers' folder.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def analytics(steps: int | None, quick: bool, keep_data: bool, as_json: bool) -> None:
    from agentflow.bench.analytics import AnalyticsBenchOptions, format_table, run_analytics_bench

    options = AnalyticsBenchOptions.smoke() if quick else AnalyticsBenchOptions()
    if steps is not None:
        options.steps = steps
    options.keep_data = keep_data
    began = time.monotonic()

    def progress(message: str) -> None:
        click.echo(f"[{time.monotonic() - began:6.1f}s] {message}", err=True)

    try:
        result = run_analytics_bench(options, progress)
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; the servers were stopped") from None
    click.echo(json.dumps(result, indent=2, default=str) if as_json else format_table(result))
