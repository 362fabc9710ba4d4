"""A real worker gives each run its own organisation's secrets, and masks them.

A secret can only be placed whole into an outbound request (here an ``http``
header); any other use, such as a derived copy in a ``set`` node or in the run
output, fails with an ``expression`` error, so nothing recoverable is stored.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentflow.engine.masking import MASK
from agentflow.queue import connect
from agentflow.services.runs.dispatch import start_run
from agentflow.services.runs.gate import MissingSecrets
from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.runs.queries import RunFilter, query_runs
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.settings import Settings
from tests.actors import operator
from tests.conftest import PROJECT_ROOT, service_env, wait_for
from tests.integration.accounts.conftest import Person
from tests.integration.conftest import LocalServer, workflow

TOKEN = "tok-4f9a2c7e1b"
RECOVERABLE = (TOKEN, TOKEN[::-1], TOKEN.upper(), TOKEN[1:], " ".join(TOKEN), TOKEN + "a")


def uses_secret(server: LocalServer) -> dict:  # type: ignore[type-arg]
    """Sends the secret as a bearer token; the echoing API's answer is passed on."""
    return workflow(
        [
            {
                "id": "call",
                "type": "http",
                "config": {
                    "url": f"{server.base}/echo",
                    "headers": {"Authorization": "Bearer {{ env.API_TOKEN }}"},
                },
            },
            {
                "id": "auth",
                "type": "template",
                "config": {"template": "{{ nodes.call.output.body.headers.Authorization }}"},
            },
        ],
        [("start", "call"), ("call", "auth")],
        output="{{ nodes.auth.output }}",
    )


DERIVED = {
    "sliced": "{{ env.API_TOKEN[1:] }}",
    "reversed": "{{ env.API_TOKEN | reverse }}",
    "upper": "{{ env.API_TOKEN | upper }}",
    "spaced": "{{ env.API_TOKEN | list | join(' ') }}",
    "joined": "{{ env.API_TOKEN ~ 'a' }}",
}
DERIVES_SECRET = workflow(
    [
        {"id": name, "type": "set", "config": {"values": {"v": template}}, "on_error": "continue"}
        for name, template in DERIVED.items()
    ],
    [("start", name) for name in DERIVED],
    output={name: f"{{{{ nodes.{name}.output }}}}" for name in DERIVED},
)
OUTPUTS_SECRET = workflow([], [], output={"copy": "{{ env.API_TOKEN | reverse }}"})


@pytest.fixture
def worker(
    clean_redis: str, clean_db: str, settings: Settings, local_server: LocalServer
) -> Iterator[None]:
    """A worker sharing ``settings``' data dir, hence its secret key; it may call
    ``local_server``."""
    env = service_env(clean_db, clean_redis, settings.data_dir)
    env["AGENTFLOW_SECRET_KEY"] = settings.secret_key
    env["AGENTFLOW_OUTBOUND_ALLOW_HOSTS"] = f"127.0.0.1:{local_server.port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "agentflow.cli", "worker"], env=env, cwd=PROJECT_ROOT
    )
    yield
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


async def _run(database_url: str, redis_url: str, org_id: uuid.UUID, document: dict) -> dict:  # type: ignore[type-arg]
    queue = await connect(redis_url)
    try:
        run_id = await start_run(database_url, queue, document, {}, actor=operator(org_id))
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
    local_server: LocalServer,
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "API_TOKEN", "value": TOKEN}, settings=settings
    )
    alices = await _run(clean_db, clean_redis, alice.org_id, uses_secret(local_server))
    assert alices["status"] == "succeeded", alices
    # The API received the real value, but only its mask was stored: in the
    # request as recorded and in what the API echoed back.
    assert local_server.headers_seen[-1]["Authorization"] == f"Bearer {TOKEN}"
    call = next(s for s in alices["steps"] if s["node"] == "call")
    assert call["input"]["headers"] == {"Authorization": f"Bearer {MASK}"}
    step = next(s for s in alices["steps"] if s["node"] == "auth")
    assert step["output"] == f"Bearer {MASK}"
    assert alices["output"] == f"Bearer {MASK}"
    assert TOKEN not in repr(alices)

    # Bob's organisation has no API_TOKEN: his run is refused before it is stored,
    # naming the node that reads it, and never sees Alice's.
    with pytest.raises(MissingSecrets) as refused:
        await _run(clean_db, clean_redis, bob.org_id, uses_secret(local_server))
    assert refused.value.names == ["API_TOKEN"]
    assert [p.node for p in refused.value.problems] == ["call"]
    assert query_runs(clean_db, RunFilter(), org_id=bob.org_id).total == 0


async def test_no_run_stores_a_derived_copy_of_a_secret(
    worker: None, clean_db: str, clean_redis: str, settings: Settings, alice: Person
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "API_TOKEN", "value": TOKEN}, settings=settings
    )
    derived = await _run(clean_db, clean_redis, alice.org_id, DERIVES_SECRET)
    # Each node failed (and continued) with an expression error naming the secret.
    assert derived["status"] == "succeeded", derived
    for name in DERIVED:
        step = next(s for s in derived["steps"] if s["node"] == name)
        assert step["output"]["error"]["type"] == "expression", step
        assert "the secret API_TOKEN can only be placed whole" in step["output"]["error"]["message"]
    assert [leak for leak in RECOVERABLE if leak in json.dumps(derived)] == []

    output = await _run(clean_db, clean_redis, alice.org_id, OUTPUTS_SECRET)
    assert output["status"] == "failed", output
    assert output["error"]["type"] == "expression"
    assert "the secret API_TOKEN" in output["error"]["message"]
    assert [leak for leak in RECOVERABLE if leak in json.dumps(output)] == []
