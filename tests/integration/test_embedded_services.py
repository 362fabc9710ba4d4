"""`agentflow services up|down|status` against real embedded servers in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

from tests.conftest import PROJECT_ROOT


def agentflow(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["AGENTFLOW_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "agentflow.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def exports(output: str) -> dict[str, str]:
    lines = [line.removeprefix("export ") for line in output.splitlines()]
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_services_start_in_background_keep_data_and_stop(tmp_path: Path) -> None:
    started = agentflow(tmp_path, "services", "up")
    assert started.returncode == 0, started.stderr
    urls = exports(started.stdout)
    assert set(urls) == {"DATABASE_URL", "REDIS_URL"}
    try:
        with psycopg.connect(urls["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute("CREATE TABLE kept (v vector(3))")
            conn.execute("INSERT INTO kept VALUES ('[1,2,3]')")
        redis.Redis.from_url(urls["REDIS_URL"]).set("kept", "yes")

        status = agentflow(tmp_path, "services", "status")
        assert [line.split()[1] for line in status.stdout.splitlines()] == ["running"] * 2

        assert agentflow(tmp_path, "services", "down").returncode == 0
        status = agentflow(tmp_path, "services", "status")
        assert [line.split()[1] for line in status.stdout.splitlines()] == ["stopped"] * 2

        restarted = exports(agentflow(tmp_path, "services", "up").stdout)
        assert restarted == urls  # same ports: printed URLs stay valid
        with psycopg.connect(urls["DATABASE_URL"]) as conn:
            row = conn.execute("SELECT v::text FROM kept").fetchone()
        assert row == ("[1,2,3]",)
        assert redis.Redis.from_url(urls["REDIS_URL"]).get("kept") == b"yes"
    finally:
        agentflow(tmp_path, "services", "down")
