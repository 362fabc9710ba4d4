"""A real worker gives each run its own organisation's secrets, and masks them."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentflow.engine.masking import MASK
from agentflow.queue import connect
from agentflow.services import org_secrets
from agentflow.services.dispatch import start_run
from agentflow.services.run_gate import MissingSecrets
from agentflow.services.run_queries import RunFilter, query_runs
from agentflow.services.runs import describe_run
from agentflow.settings import Settings
from tests.conftest import PROJECT_ROOT, service_env, wait_for
from tests.integration.accounts.conftest import Person
from tests.integration.conftest import workflow

TOKEN = "tok-4f9a2c7e1b"
USES_SECRET = workflow(
    [{"id": "auth", "type": "template", "config": {"template": "Bearer {{ env.API_TOKEN }}"}}],
    [("start", "auth")],
    output="{{ nodes.auth.output }}",
)


@pytest.fixture
def worker(clean_redis: str, clean_db: str, settings: Settings) -> Iterator[None]:
    """A worker sharing ``settings``' data dir, hence its secret key."""
    env = service_env(clean_db, clean_redis, settings.data_dir)
    env["AGENTFLOW_SECRET_KEY"] = settings.secret_key
    process = subprocess.Popen(
        [sys.executable, "-m", "agentflow.cli", "worker"], env=env, cwd=PROJECT_ROOT
    )
    yield
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


async def _run(database_url: str, redis_url: str, org_id: uuid.UUID) -> dict:  # type: ignore[type-arg]
    queue = await connect(redis_url)
    try:
        run_id = await start_run(database_url, queue, USES_SECRET, {}, org_id=org_id)
    finally:
        await queue.aclose()
    return wait_for(
        lambda: (
            (view := describe_run(database_url, run_id, org_id=org_id))["status"]
            in ("succeeded", "failed")
            and view
        ),
        timeout_s=60,
    )


async def test_runs_use_their_own_orgs_secret_and_never_store_it(
    worker: None,
    clean_db: str,
    clean_redis: str,
    settings: Settings,
    alice: Person,
    bob: Person,
    tmp_path: Path,
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "API_TOKEN", "value": TOKEN}, settings=settings
    )
    alices = await _run(clean_db, clean_redis, alice.org_id)
    assert alices["status"] == "succeeded", alices
    # The secret was resolved (the text is not empty) but only its mask was stored.
    step = next(s for s in alices["steps"] if s["node"] == "auth")
    assert step["output"] == f"Bearer {MASK}"
    assert alices["output"] == f"Bearer {MASK}"
    assert TOKEN not in repr(alices)

    # Bob's organisation has no API_TOKEN: his run is refused before it is stored,
    # naming the node that reads it, and never sees Alice's.
    with pytest.raises(MissingSecrets) as refused:
        await _run(clean_db, clean_redis, bob.org_id)
    assert refused.value.names == ["API_TOKEN"]
    assert [p.node for p in refused.value.problems] == ["auth"]
    assert query_runs(clean_db, RunFilter(), org_id=bob.org_id).total == 0
