"""``agentflow bench engine``: the engine's overhead, latency, throughput and memory.

The figures, their method and the targets are described in docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psutil

from agentflow.bench.harness import BenchHarness, Progress
from agentflow.bench.inprocess import overhead_ms_per_node
from agentflow.bench.pool import PoolBench
from agentflow.bench.stats import rounded

# name -> (comparison, target); figures without a target are context.
TARGETS: dict[str, tuple[str, float]] = {
    "overhead_ms_per_node": ("<", 1.0),
    "enqueue_to_start_ms_p50": ("<", 10.0),
    "runs_per_s_2_workers": (">=", 200.0),
}


@dataclass
class EngineBenchOptions:
    """Sizes of each phase; :meth:`smoke` (``--quick``) gives a smoke run of under a minute."""

    soak_runs: int = 10_000
    chain_nodes: int = 1000
    overhead_repetitions: int = 5
    scaling_lengths: tuple[int, ...] = (10, 100, 500, 1000, 2000)
    latency_runs: int = 200
    throughput_runs: int = 1000
    warmup_runs: int = 50
    soak_batch: int = 200
    soak_time_limit_s: float = 600.0
    keep_data: bool = False
    quick: bool = False

    @classmethod
    def smoke(cls, soak_runs: int | None = None) -> EngineBenchOptions:
        return cls(
            soak_runs=500 if soak_runs is None else soak_runs,
            chain_nodes=200,
            overhead_repetitions=3,
            scaling_lengths=(10, 100, 200),
            latency_runs=20,
            throughput_runs=100,
            warmup_runs=10,
            soak_batch=50,
            soak_time_limit_s=120.0,
            quick=True,
        )


def machine() -> dict[str, Any]:
    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu_model = next((ln.split(":", 1)[1].strip() for ln in info if "model name" in ln), "")
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def worker_settings() -> dict[str, Any]:
    """The settings the workers run with: same environment, same ``.env`` (project root)."""
    from agentflow.settings import PROJECT_ROOT, Settings

    settings = Settings(_env_file=PROJECT_ROOT / ".env")
    return {
        "max_jobs": settings.worker_max_jobs,
        "poll_delay_s": settings.worker_poll_delay_s,
        "run_lease_renew_s": settings.run_lease_renew_s,
        "reaper_interval_s": settings.reaper_interval_s,
    }


async def _pool_phases(
    harness: BenchHarness, options: EngineBenchOptions, progress: Progress
) -> dict[str, Any]:
    from agentflow.queue import connect

    queue = await connect(harness.redis_url)
    foreign: set[str] = set()

    def check_foreign() -> None:
        # Any other worker on our Valkey would execute (or drop) the benchmark's jobs.
        for name in set(harness.foreign_workers()) - foreign:
            progress(f"WARNING: a worker this benchmark did not start is polling: {name}")
            foreign.add(name)

    try:
        bench = PoolBench(harness.database_url, queue, progress)
        first = harness.start_worker()
        rss_startup = first.rss_mb()
        progress("idle worker CPU (arq polling, heartbeat, reaper) over 5 s")
        idle_cpu = first.cpu_seconds()
        await asyncio.sleep(5.0)
        idle_cpu_percent = (first.cpu_seconds() - idle_cpu) / 5.0 * 100
        progress(f"warm-up: {options.warmup_runs} runs")
        await bench.warm_up(options.warmup_runs)
        rss_start = first.rss_mb()
        progress(f"enqueue-to-start: {options.latency_runs} runs, one at a time, 1 worker")
        latency = await bench.enqueue_to_start(options.latency_runs)
        progress(f"throughput: {options.throughput_runs} ten-node runs, 1 worker")
        one = await bench.throughput(options.throughput_runs)
        progress(f"  {one['runs_per_s']:.1f} runs/s")
        check_foreign()
        executed = options.warmup_runs + options.latency_runs + options.throughput_runs
        estimate = max(0, options.soak_runs - executed) / max(one["runs_per_s"], 0.1)
        progress(
            f"memory soak: up to {options.soak_runs} runs on {first.name} "
            f"(about {estimate / 60:.1f} min at that rate, at most "
            f"{options.soak_time_limit_s / 60:.0f} min)"
        )
        soak = await bench.soak(
            first, options.soak_runs, executed, options.soak_time_limit_s, options.soak_batch
        )
        progress("throughput with 2 workers (runs table emptied first, as for 1 worker)")
        await bench.truncate_runs()
        harness.start_worker()
        await bench.warm_up(options.warmup_runs)
        two = await bench.throughput(options.throughput_runs)
        progress(f"  {two['runs_per_s']:.1f} runs/s")
        check_foreign()
        return {
            "foreign_workers": sorted(foreign),
            "rss_startup": rss_startup,
            "idle_cpu_percent": idle_cpu_percent,
            "rss_start": rss_start,
            "latency": latency,
            "one": one,
            "two": two,
            "soak": soak,
        }
    finally:
        await queue.aclose()


def run_engine_bench(options: EngineBenchOptions, progress: Progress) -> dict[str, Any]:
    """Run every phase and return the figures (see docs/benchmarks.md)."""
    began = time.monotonic()
    date = datetime.now(UTC).isoformat(timespec="seconds")
    host = machine()
    progress(f"engine overhead: chain of {options.chain_nodes} set nodes in process")
    overhead = overhead_ms_per_node(options.chain_nodes, options.overhead_repetitions)
    scaling = {
        str(length + 1): rounded(overhead_ms_per_node(length, 3)["ms_per_node"], 4)
        for length in options.scaling_lengths
    }
    harness = BenchHarness(progress, keep=options.keep_data)
    try:
        harness.start_services()
        settings = worker_settings()
        pool = asyncio.run(_pool_phases(harness, options, progress))
    finally:
        progress("stopping workers and servers")
        harness.close()
    return assemble(options, date, host, settings, overhead, scaling, pool, began)


def assemble(
    options: EngineBenchOptions,
    date: str,
    host: dict[str, Any],
    settings: dict[str, Any],
    overhead: dict[str, Any],
    scaling: dict[str, float],
    pool: dict[str, Any],
    began: float,
) -> dict[str, Any]:
    latency, one, two, soak = pool["latency"], pool["one"], pool["two"], pool["soak"]
    result: dict[str, Any] = {
        "overhead_ms_per_node": rounded(overhead["ms_per_node"], 4),
        "enqueue_to_start_ms_p50": rounded(latency["p50"], 2),
        "enqueue_to_start_ms_p99": rounded(latency["p99"], 2),
        "runs_per_s_1_worker": rounded(one["runs_per_s"], 1),
        "runs_per_s_2_workers": rounded(two["runs_per_s"], 1),
        "worker_rss_mb_start": rounded(pool["rss_start"], 1),
        "worker_rss_mb_after_10000": rounded(soak["rss_mb_peak"], 1),
        # context
        "date": date,
        "machine": {**host, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "quick": options.quick,
        "worker_settings": settings,
        "overhead": {
            "chain_nodes": overhead["nodes"],
            "repetitions": overhead["repetitions"],
            "ms_per_node_min": rounded(overhead["ms_per_node_min"], 4),
            "ms_per_node_max": rounded(overhead["ms_per_node_max"], 4),
            "ms_per_node_by_chain_length": scaling,
        },
        "enqueue_to_start": {
            key: rounded(value, 2) if isinstance(value, float) else value
            for key, value in latency.items()
        },
        "throughput_1_worker": {k: rounded(v, 2) for k, v in one.items()},
        "throughput_2_workers": {k: rounded(v, 2) for k, v in two.items()},
        "worker_rss_mb_after_startup": rounded(pool["rss_startup"], 1),
        "worker_idle_cpu_percent": rounded(pool["idle_cpu_percent"], 1),
        "worker_rss_runs": soak["runs_executed"],
        "worker_rss": {k: rounded(v, 3) if isinstance(v, float) else v for k, v in soak.items()},
        "foreign_workers_seen": pool["foreign_workers"],
        "duration_s": rounded(time.monotonic() - began, 1),
    }
    result["targets"] = {
        name: {"target": f"{op} {limit:g}", "met": _meets(result[name], op, limit)}
        for name, (op, limit) in TARGETS.items()
    }
    return result


def _meets(value: float, op: str, limit: float) -> bool:
    return value < limit if op == "<" else value >= limit


FIGURES = [
    ("overhead_ms_per_node", "engine overhead per no-op node", "ms"),
    ("enqueue_to_start_ms_p50", "enqueue to start, p50", "ms"),
    ("enqueue_to_start_ms_p99", "enqueue to start, p99", "ms"),
    ("runs_per_s_1_worker", "ten-node runs per second, 1 worker", "runs/s"),
    ("runs_per_s_2_workers", "ten-node runs per second, 2 workers", "runs/s"),
    ("worker_rss_mb_start", "worker RSS after warm-up", "MiB"),
    ("worker_rss_mb_after_10000", "worker RSS peak over the soak", "MiB"),
]


def format_table(result: dict[str, Any]) -> str:
    """The same figures as the JSON, as a readable table."""
    lines = [f"{'figure':<40}{'value':>12}  {'unit':<8}{'target':<10}"]
    for key, label, unit in FIGURES:
        target = result["targets"].get(key)
        verdict = ""
        if target:
            verdict = f"{target['target']} {'ok' if target['met'] else 'MISSED'}"
        lines.append(f"{label:<40}{result[key]:>12}  {unit:<8}{verdict}")
    soak = result["worker_rss"]
    by_length = result["overhead"]["ms_per_node_by_chain_length"]
    stopped = ", stopped by the time limit" if soak["stopped_by_time_limit"] else ""
    lines += [
        "",
        f"soak: {result['worker_rss_runs']} runs executed by one worker "
        f"(RSS end {soak['rss_mb_end']} MiB, trend {soak['rss_mb_growth_per_1000_runs']:+.3f} "
        f"MiB per 1000 runs{stopped})",
        "overhead per node by chain length: "
        + ", ".join(f"{n} nodes {ms} ms" for n, ms in by_length.items()),
        f"machine: {result['machine']['cpus']} CPUs, {result['machine']['memory_gib']} GiB, "
        f"Python {result['machine']['python']}; date {result['date']}; "
        f"took {result['duration_s']} s",
    ]
    return "\n".join(lines)
