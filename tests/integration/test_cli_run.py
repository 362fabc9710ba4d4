"""`agentflow run FILE`: the format's run object and exit codes, from a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import PROJECT_ROOT, service_env

GREETING = {
    "format": "agentflow/v1",
    "name": "Greeting",
    "inputs": {
        "type": "object",
        "properties": {"who": {"type": "string"}},
        "required": ["who"],
    },
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "greet", "type": "template", "config": {"template": "Hello {{ input.who }}"}},
    ],
    "edges": [{"source": "start", "target": "greet"}],
    "output": "{{ nodes.greet.output }}",
}


def agentflow_run(
    tmp_path: Path, database_url: str, redis_url: str, document: Any, *args: str
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "flow.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return subprocess.run(
        [sys.executable, "-m", "agentflow.cli", "run", str(path), *args],
        env=service_env(database_url, redis_url, tmp_path),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_successful_run_prints_the_run_object_and_exits_0(
    tmp_path: Path, clean_db: str, redis_url: str
) -> None:
    result = agentflow_run(
        tmp_path, clean_db, redis_url, GREETING, "--input", '{"who": "Ada"}', "--json"
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "succeeded"
    assert run["output"] == "Hello Ada"
    assert len(run["run_id"]) == 36
    steps = {step["node"]: step for step in run["steps"]}
    assert list(steps) == ["start", "greet"]
    greet = steps["greet"]
    assert (greet["status"], greet["attempts"], greet["output"], greet["error"]) == (
        "succeeded",
        1,
        "Hello Ada",
        None,
    )
    assert greet["started_at"].endswith("+00:00") and "." in greet["started_at"]


def test_a_run_that_fails_exits_1(tmp_path: Path, clean_db: str, redis_url: str) -> None:
    failing = {
        **GREETING,
        "nodes": [
            GREETING["nodes"][0],
            {"id": "greet", "type": "template", "config": {"template": "{{ input.missing.x }}"}},
        ],
    }
    result = agentflow_run(
        tmp_path, clean_db, redis_url, failing, "--input", '{"who": "Ada"}', "--json"
    )
    assert result.returncode == 1
    run = json.loads(result.stdout)
    assert run["status"] == "failed"
    greet = next(step for step in run["steps"] if step["node"] == "greet")
    assert greet["error"]["type"] == "expression"


def test_an_invalid_document_exits_2_with_every_problem(
    tmp_path: Path, clean_db: str, redis_url: str
) -> None:
    broken = {
        **GREETING,
        "nodes": [
            *GREETING["nodes"],
            {"id": "Bad-Id", "type": "set", "config": {"values": {}}},
            {"id": "ghost", "type": "teleport", "config": {}},
        ],
        "edges": [*GREETING["edges"], {"source": "greet", "target": "nowhere"}],
    }
    result = agentflow_run(tmp_path, clean_db, redis_url, broken, "--json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["status"] == "invalid"
    located = {next(iter(k for k in error if k != "message")) for error in report["errors"]}
    assert located <= {"node", "edge", "field"}
    mentioned = json.dumps(report["errors"])
    for fragment in ("Bad-Id", "teleport", "nowhere"):
        assert fragment in mentioned


def test_input_failing_the_schema_exits_2(tmp_path: Path, clean_db: str, redis_url: str) -> None:
    result = agentflow_run(
        tmp_path, clean_db, redis_url, GREETING, "--input", '{"who": 3}', "--json"
    )
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["status"] == "invalid"
    assert "who" in json.dumps(report["errors"])


def test_malformed_input_json_and_unparsable_files_exit_2(
    tmp_path: Path, clean_db: str, redis_url: str
) -> None:
    bad_input = agentflow_run(tmp_path, clean_db, redis_url, GREETING, "--input", "{nope", "--json")
    assert bad_input.returncode == 2
    assert json.loads(bad_input.stdout)["errors"][0]["field"] == "input"
    bad_file = agentflow_run(tmp_path, clean_db, redis_url, "nodes: [unclosed", "--json")
    assert bad_file.returncode == 2
    assert json.loads(bad_file.stdout)["status"] == "invalid"


def test_without_json_it_shows_each_step_live(
    tmp_path: Path, clean_db: str, redis_url: str
) -> None:
    result = agentflow_run(tmp_path, clean_db, redis_url, GREETING, "--input", '{"who": "Lin"}')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("run ")
    assert any(line.strip().startswith("▶ greet") for line in lines)
    finished = next(line for line in lines if line.strip().startswith("✓ greet"))
    assert " ms" in finished or " s" in finished
    assert "run succeeded" in result.stdout
    assert '"Hello Lin"' in result.stdout


def test_without_configured_servers_it_uses_the_embedded_ones(tmp_path: Path) -> None:
    import os

    from agentflow.devservices import EmbeddedServices

    path = tmp_path / "flow.json"
    path.write_text(json.dumps(GREETING))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["AGENTFLOW_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "agentflow.cli", "run", str(path), "--input", '{"who": "Kim"}',
         "--json"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == "Hello Kim"
    embedded = EmbeddedServices(tmp_path / "data")
    assert (embedded.postgres.pgdata / "PG_VERSION").exists()
    assert not embedded.postgres.is_running()  # started for this run only, then stopped
