"""The documented durability figures agree with the settings and the worker's set-up."""

from __future__ import annotations

import re
from typing import Any

import jobs.reaper
from agentflow.backoff import Backoff
from agentflow.settings import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "durability.md"


def default(name: str) -> float:
    value = Settings.model_fields[name].default
    assert isinstance(value, int | float)
    return float(value)


def test_the_documented_takeover_bound_is_the_settings_sum() -> None:
    text = DOC.read_text()
    bound = re.search(r"\*\*(\d+) s\*\* with the defaults \((\d+) s \+ (\d+) s\)", text)
    assert bound is not None, "docs/durability.md must state the takeover bound"
    total, ttl, interval = (float(group) for group in bound.groups())
    assert ttl == default("run_lease_ttl_s")
    assert interval == default("reaper_interval_s")
    assert total == ttl + interval
    # The settings table and the reaper's own docstring say the same.
    assert f"| `AGENTFLOW_RUN_LEASE_TTL_S` | {ttl:g} |" in text
    assert f"| `AGENTFLOW_REAPER_INTERVAL_S` | {interval:g} |" in text
    assert f"({total:g} s with the defaults)" in " ".join((jobs.reaper.__doc__ or "").split())


def test_the_worker_marks_jobs_in_progress_for_as_long_as_the_reaper_assumes() -> None:
    from arq.worker import Worker, get_kwargs

    from jobs.queue_entries import IN_PROGRESS_TTL_S
    from jobs.worker import build_worker_settings

    kwargs: dict[str, Any] = dict(get_kwargs(build_worker_settings("redis://127.0.0.1:1/0")))
    worker = Worker(**kwargs, handle_signals=False)
    assert worker.in_progress_timeout_s == IN_PROGRESS_TTL_S
    assert (worker.functions["execute_run_job"].max_tries or 0) > 1  # infra errors retry


def test_backoff_grows_exponentially_with_jitter_up_to_its_cap() -> None:
    backoff = Backoff(base_s=1, cap_s=8)
    delays = [backoff.next() for _ in range(8)]
    for attempt, delay in enumerate(delays):
        ceiling = min(8, 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert delays[:4] == sorted(delays[:4])  # never shorter than the one before, to the cap
    backoff.reset()
    assert backoff.next() <= 1
