"""`agentflow up` keeps its worker: a worker child that dies is restarted with backoff;
the web app dying still stops everything."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

from agentflow.cli.supervisor import Supervisor

RESTARTABLE = {"worker"}


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def tend_until(supervisor: Supervisor, done, said: list[str], timeout_s: float = 15):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ended = supervisor.tend(RESTARTABLE, said.append)
        if ended is not None or done():
            return ended
        time.sleep(0.02)
    raise AssertionError(f"not done within {timeout_s} s; said {said}")


def starts(path: Path) -> int:
    return path.read_text().count("x") if path.exists() else 0


def test_a_worker_that_keeps_failing_is_restarted_with_growing_delays(tmp_path: Path) -> None:
    marks = tmp_path / "starts"
    failing = f"open({str(marks)!r}, 'a').write('x'); import sys; sys.exit(3)"
    supervisor = Supervisor(restart_base_s=0.05, restart_cap_s=0.4)
    try:
        supervisor.start("worker", python(failing), dict(os.environ), str(tmp_path))
        supervisor.start("web", python("import time; time.sleep(60)"), dict(os.environ), ".")
        said: list[str] = []
        assert tend_until(supervisor, lambda: starts(marks) >= 5, said) is None
        restarts = [m for m in said if "worker exited with code 3" in m and "restarting" in m]
        assert len(restarts) >= 4
        delays = [float(re.search(r"in ([\d.]+) s", m)[1]) for m in restarts]  # type: ignore[index]
        # Growing until the cap (0.05, 0.1, 0.2, then 0.4 at most, each with jitter).
        assert delays[:4] == sorted(delays[:4]) and delays[0] < delays[3]
        assert max(delays) <= 0.4
        assert supervisor.children["web"].poll() is None  # the rest kept running
    finally:
        supervisor.stop_all()


def test_a_killed_worker_is_restarted(tmp_path: Path) -> None:
    supervisor = Supervisor(restart_base_s=0.05, restart_cap_s=0.4)
    try:
        supervisor.start("worker", python("import time; time.sleep(60)"), dict(os.environ), ".")
        supervisor.start("web", python("import time; time.sleep(60)"), dict(os.environ), ".")
        first = supervisor.children["worker"].pid
        os.kill(first, signal.SIGKILL)
        said: list[str] = []
        worker = lambda: supervisor.children["worker"]  # noqa: E731
        restarted = lambda: worker().pid != first and worker().poll() is None  # noqa: E731
        assert tend_until(supervisor, restarted, said) is None
        assert any("worker exited with code -9" in m for m in said)
    finally:
        supervisor.stop_all()


def test_the_web_app_exiting_still_ends_the_watch(tmp_path: Path) -> None:
    supervisor = Supervisor(restart_base_s=0.05, restart_cap_s=0.4)
    try:
        supervisor.start("worker", python("import time; time.sleep(60)"), dict(os.environ), ".")
        supervisor.start("web", python("import sys; sys.exit(2)"), dict(os.environ), ".")
        assert supervisor.watch(RESTARTABLE, print, poll_s=0.02) == ("web", 2)
    finally:
        supervisor.stop_all()
    assert supervisor.children["worker"].poll() is not None  # stop_all stopped the rest
