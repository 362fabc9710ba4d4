"""The benchmark's pure helpers and its command line (speed is never asserted)."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from agentflow.bench.engine import EngineBenchOptions, assemble, format_table
from agentflow.bench.harness import worker_pid
from agentflow.bench.inprocess import chain_document
from agentflow.bench.stats import linear_slope, median, percentile, rate
from agentflow.cli import cli
from agentflow.engine.memory import MemoryApprovalInbox, MemoryRecorder
from agentflow.engine.ports import StepRecord
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.validation import validate_document

REQUIRED_KEYS = {
    "overhead_ms_per_node",
    "enqueue_to_start_ms_p50",
    "enqueue_to_start_ms_p99",
    "runs_per_s_1_worker",
    "runs_per_s_2_workers",
    "worker_rss_mb_start",
    "worker_rss_mb_after_10000",
}


def test_percentile_interpolates_linearly_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0, 1.0, 2.0], 50) == 2  # unsorted input
    assert percentile([7.0], 99) == 7
    assert median([1.0, 2.0, 3.0, 10.0]) == pytest.approx(2.5)


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_slope_and_rate() -> None:
    assert linear_slope([0, 1, 2, 3], [5, 7, 9, 11]) == pytest.approx(2)
    assert linear_slope([1, 1], [2, 3]) == 0.0
    assert linear_slope([1], [2]) == 0.0
    assert rate(100, 4.0) == 25
    assert rate(0, 4.0) == 0.0
    assert rate(10, 0.0) == 0.0


def test_worker_pid_reads_the_heartbeat_member() -> None:
    assert worker_pid("host-1:4242:abcd1234") == 4242
    assert worker_pid("a:b:c:77:ffff") == 77
    assert worker_pid("garbage") is None


def test_chain_document_is_a_valid_chain() -> None:
    document = chain_document(9)
    assert validate_document(document, NODE_TYPES) == []
    assert len(document["nodes"]) == 10
    assert len(document["edges"]) == 9


def test_the_benchmark_s_ports_keep_nothing_and_decide_nothing() -> None:
    async def go() -> None:
        recorder = MemoryRecorder(keep=False)
        await recorder.step_changed("r", StepRecord(node="n", status="running"))
        await recorder.run_changed("r", "succeeded", output=1)
        assert (recorder.steps, recorder.runs) == ([], [])
        assert await MemoryApprovalInbox().decision("r", "n") is None

    asyncio.run(go())


def _fake_pool() -> dict[str, object]:
    throughput = {"runs": 10, "failed": 0, "seconds": 1.0, "runs_per_s": 10.0}
    return {
        "foreign_workers": [],
        "rss_startup": 80.0,
        "idle_cpu_percent": 1.0,
        "rss_start": 90.0,
        "latency": {"runs": 5, "failed": 0, "p50": 4.0, "p99": 9.0},
        "one": throughput,
        "two": {**throughput, "runs_per_s": 250.0},
        "soak": {
            "runs_executed": 100,
            "rss_mb_peak": 95.0,
            "rss_mb_end": 94.0,
            "rss_mb_growth_per_1000_runs": 0.5,
            "stopped_by_time_limit": False,
        },
    }


def test_result_has_the_required_keys_and_judges_targets() -> None:
    overhead = {"nodes": 11, "repetitions": 3, "ms_per_node": 0.05}
    overhead |= {"ms_per_node_min": 0.04, "ms_per_node_max": 0.06}
    result = assemble(
        EngineBenchOptions.smoke(), "2026-01-01T00:00:00+00:00", {"cpus": 2}, {},
        overhead, {"11": 0.05}, _fake_pool(), began=0.0,
    )  # fmt: skip
    assert result.keys() >= REQUIRED_KEYS
    assert result["worker_rss_runs"] == 100
    assert result["targets"]["overhead_ms_per_node"]["met"] is True
    assert result["targets"]["enqueue_to_start_ms_p50"]["met"] is True
    assert result["targets"]["runs_per_s_2_workers"]["met"] is True
    table = format_table({**result, "machine": {"cpus": 2, "memory_gib": 24, "python": "3"}})
    assert "enqueue to start, p50" in table


def test_bench_engine_explains_itself() -> None:
    result = CliRunner().invoke(cli, ["bench", "engine", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--runs", "--quick", "--json"):
        assert option in result.output
    group = CliRunner().invoke(cli, ["bench", "--help"])
    assert group.exit_code == 0 and "engine" in group.output
