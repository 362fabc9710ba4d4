"""Fixtures for schedules, outgoing events and notifications: organisations and actors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine, session_scope
from agentflow.db.models import LOCAL_ORG_ID, Organization
from agentflow.services.tenancy.permissions import Actor, Role
from tests.http_serving import serving
from tests.integration.durable.conftest import WorkerPool

TEST_SECRET_KEY = "automation-tests-secret-key-" + "k" * 40


@pytest.fixture(autouse=True)
def fixed_secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One server key for this process and the workers it starts: secrets must decrypt."""
    from agentflow.settings import get_settings

    monkeypatch.setenv("AGENTFLOW_SECRET_KEY", TEST_SECRET_KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def clean_db(clean_db: str) -> Iterator[str]:
    """Also remove the organisations the tests made (the shared fixture keeps that table)."""
    yield clean_db
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("DELETE FROM organizations WHERE id != :local"), {"local": LOCAL_ORG_ID}
        )


@pytest.fixture
def make_org(clean_db: str) -> Callable[..., Actor]:
    """A new organisation; returns an actor in it with the given role (admin by default)."""

    def make(role: Role = Role.ADMIN) -> Actor:
        org_id = uuid.uuid4()
        with session_scope(clean_db) as session:
            session.add(Organization(id=org_id, name="Org", slug=f"org-{org_id.hex[:12]}"))
        return Actor(org_id=org_id, user_id=uuid.uuid4(), role=role, label="tester")

    return make


@pytest.fixture
def admin(make_org: Callable[..., Actor]) -> Actor:
    return make_org()


def schedule_document(
    cron: str = "0 9 * * 1-5", timezone: str = "Europe/Paris", **extra: object
) -> dict[str, object]:
    """A workflow started by a schedule trigger, with one quick step."""
    return {
        "format": "agentflow/v1",
        "name": "Nightly",
        "nodes": [
            {
                "id": "tick",
                "type": "trigger",
                "config": {"kind": "schedule", "cron": cron, "timezone": timezone},
            },
            {"id": "note", "type": "set", "config": {"values": {"done": "yes"}}},
        ],
        "edges": [{"source": "tick", "target": "note"}],
        **extra,
    }


def published_workflow(
    database_url: str, org_id: uuid.UUID, document: dict[str, object]
) -> uuid.UUID:
    from agentflow.services.workflows import management as workflows

    workflow_id = workflows.create_workflow(
        database_url, str(document["name"]), org_id=org_id, document=document
    )
    workflows.publish(database_url, workflow_id, org_id=org_id)
    return workflow_id


@dataclass
class Receiver:
    """A local HTTP endpoint that records every request and answers with queued statuses
    (200 once the queue is empty)."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/agentflow"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            payload = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    with serving(Handler) as state.port:
        yield state


@pytest.fixture
def workers(clean_db: str, clean_redis: str, tmp_path: Path) -> Iterator[WorkerPool]:
    """Real worker processes (with the durable tests' short lease timings)."""
    pool = WorkerPool(clean_db, clean_redis, tmp_path)
    yield pool
    pool.stop_all()
