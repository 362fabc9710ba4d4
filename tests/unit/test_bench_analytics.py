"""agentflow bench analytics: the report and the command line."""

from __future__ import annotations

from click.testing import CliRunner

from agentflow.bench.analytics import AnalyticsBenchOptions, format_table
from agentflow.cli import cli


def test_the_table_reports_every_timing_and_the_target() -> None:
    timing = {"p50_ms": 12.5, "max_ms": 20.0}
    result = {
        "data": {"runs": 200_000, "steps": 1_000_000, "generate_s": 30.0},
        "rollup": {"full_s": 20.0, "incremental_hour_s": 0.2, "rows": {"analytics_run_rollups": 9}},
        "overview": {"7d UTC": timing, "90d Asia/Kolkata": {"p50_ms": 250.0, "max_ms": 300.0}},
        "overview_raw_30d_utc": {"p50_ms": 600.0, "max_ms": 650.0},
        "budget_check": {"p50_ms": 1.0, "max_ms": 2.0},
        "target": {"overview_p50_ms_max": 250.0, "below_ms": 200.0, "met": False},
    }
    table = format_table(result)
    assert "1,000,000 steps" in table
    assert "90d Asia/Kolkata" in table and "250.0" in table
    assert "raw rows only" in table
    assert "NOT met (worst 250.0 ms)" in table


def test_quick_options_and_help() -> None:
    assert AnalyticsBenchOptions().steps == 1_000_000
    assert AnalyticsBenchOptions.smoke().steps == 50_000
    help_text = CliRunner().invoke(cli, ["bench", "analytics", "--help"]).output
    assert "1,000,000 synthetic steps" in help_text and "--quick" in help_text
