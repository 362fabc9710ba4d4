"""Throwaway servers and worker processes for one benchmark session.

Everything lives in a fresh temporary folder: an embedded PostgreSQL and Valkey
(never the developer's ``.data``) and ``agentflow worker`` subprocesses pointed
at them. :meth:`BenchHarness.close` stops it all and removes the folder; call it
from a ``finally`` so Ctrl-C and errors clean up too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from agentflow.devservices import EmbeddedServices
from agentflow.queue import WORKER_HEARTBEATS_KEY
from agentflow.settings import PROJECT_ROOT

Progress = Callable[[str], None]
WORKER_READY_TIMEOUT_S = 60.0
MIB = 1024 * 1024


def worker_pid(worker_id: str) -> int | None:
    """The process id in a worker id ("host:pid:random", see jobs/heartbeat.py)."""
    parts = worker_id.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident set size of the worker process, in MiB."""
        return float(psutil.Process(self.pid).memory_info().rss) / MIB

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class BenchHarness:
    """Owns the temporary folder, the embedded servers and the workers."""

    def __init__(self, progress: Progress, keep: bool = False) -> None:
        self.progress = progress
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="agentflow-bench-"))
        self.services = EmbeddedServices(self.root / "services")
        self.workers: list[WorkerProcess] = []
        self.database_url = ""
        self.redis_url = ""
        self._started = False

    def start_services(self) -> None:
        from agentflow.db.migrate import upgrade

        self.progress(f"starting embedded PostgreSQL and Valkey in {self.root}")
        # Ports the kernel hands out, not the services' usual "first free from 54329 /
        # 56379": a stopped dev or test server's port may be reused by ours, and a
        # worker still running against it would then steal the benchmark's jobs.
        for server in (self.services.postgres, self.services.valkey):
            server.root.mkdir(parents=True, exist_ok=True)
            (server.root / "port").write_text(f"{_free_port()}\n")
        self._started = True
        self.database_url, self.redis_url = self.services.start()
        self.progress("migrating the benchmark database")
        upgrade(self.database_url)

    def worker_environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "AGENTFLOW_DATA_DIR": str(self.root / "worker-data"),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }

    def _heartbeats(self) -> int:
        client = redis.Redis.from_url(self.redis_url)
        try:
            count: int = client.zcard(WORKER_HEARTBEATS_KEY)  # type: ignore[assignment]
            return count
        finally:
            client.close()

    def foreign_workers(self) -> list[str]:
        """Heartbeats of workers this harness did not start (they would take our jobs)."""
        client = redis.Redis.from_url(self.redis_url)
        try:
            members: list[bytes] = client.zrange(  # type: ignore[assignment]
                WORKER_HEARTBEATS_KEY, 0, -1
            )
        finally:
            client.close()
        ours = {worker.pid for worker in self.workers}
        names = [member.decode() for member in members]
        return [name for name in names if worker_pid(name) not in ours]

    def start_worker(self) -> WorkerProcess:
        """Start ``agentflow worker`` and wait for its first heartbeat."""
        name = f"worker-{len(self.workers) + 1}"
        log_path = self.root / f"{name}.log"
        before = self._heartbeats()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "agentflow.cli", "worker"],
                env=self.worker_environment(),
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal reaches only the benchmark,
                # which then stops the workers in order.
                start_new_session=True,
            )
        worker = WorkerProcess(name, process, log_path)
        self.workers.append(worker)
        deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
        while self._heartbeats() <= before:
            if not worker.alive():
                raise RuntimeError(f"{name} exited during start-up:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} sent no heartbeat in time:\n{worker.log_tail()}")
            time.sleep(0.1)
        self.progress(f"{name} is up (pid {worker.pid}, {worker.rss_mb():.0f} MiB)")
        return worker

    def stop_worker(self, worker: WorkerProcess, timeout_s: float = 20) -> None:
        if worker.alive():
            worker.process.terminate()
            try:
                worker.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(timeout=10)

    def close(self) -> None:
        """Stop workers and servers and remove the folder; safe to call more than once."""
        for worker in self.workers:
            try:
                self.stop_worker(worker)
            except Exception as exc:  # keep cleaning up the rest
                self.progress(f"could not stop {worker.name}: {exc}")
        self.workers.clear()
        if self.database_url:
            from agentflow.db.engine import get_engine

            get_engine(self.database_url).dispose()
        if self._started:
            for server in (self.services.valkey, self.services.postgres):
                try:
                    server.stop()
                except Exception as exc:  # keep cleaning up the rest
                    self.progress(f"could not stop {type(server).__name__}: {exc}")
            self._started = False
        if self.keep:
            self.progress(f"kept {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
