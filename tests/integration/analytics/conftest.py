"""Fixtures for the analytics tests: organisations, actors and generated runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.tenancy.permissions import Actor, Role


def make_org(database_url: str, name: str = "Analytics") -> uuid.UUID:
    org_id = uuid.uuid4()
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organizations (id, name, slug, created_at) VALUES (:id, :n, :s, now())"
            ),
            {"id": org_id, "n": name, "s": f"{name.lower()}-{org_id.hex[:8]}"},
        )
    return org_id


@pytest.fixture
def clean_db(clean_db: str) -> Iterator[str]:
    yield clean_db
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("DELETE FROM organizations WHERE id != :local"), {"local": LOCAL_ORG_ID}
        )


@pytest.fixture
def org(clean_db: str) -> uuid.UUID:
    return make_org(clean_db)


def actor(org_id: uuid.UUID, role: Role = Role.OWNER) -> Actor:
    return Actor(org_id, uuid.uuid4(), role, label="tester@example.com", ip="192.0.2.1")


def add_workflow(database_url: str, org_id: uuid.UUID, name: str = "Flow") -> uuid.UUID:
    workflow_id = uuid.uuid4()
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workflows (id, org_id, name, description, document, latest_version,"
                " created_at, updated_at) VALUES (:id, :org, :name, '', '{}'::jsonb, 0, now(),"
                " now())"
            ),
            {"id": workflow_id, "org": org_id, "name": name},
        )
    return workflow_id


def add_run(
    database_url: str,
    org_id: uuid.UUID,
    workflow_id: uuid.UUID | None,
    *,
    status: str = "succeeded",
    cost: float = 0.0,
    finished_at: datetime | None = None,
    duration_s: float = 1.0,
    model: str = "gpt-4o-mini",
) -> uuid.UUID:
    """A finished run with one llm step carrying its cost (as the recorder stores them)."""
    finished = finished_at or datetime.now(UTC)
    started = finished - timedelta(seconds=duration_s)
    run_id = uuid.uuid4()
    error = '{"type": "llm.rate_limit", "message": "x"}' if status == "failed" else None
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO runs (id, org_id, workflow_id, document, status, trigger, created_at,"
                " started_at, finished_at, prompt_tokens, completion_tokens, cost_usd,"
                " cancel_requested, fencing_token) VALUES (:id, :org, :wf, '{}'::jsonb, :status,"
                " 'api', :started, :started, :finished, 10, 5, :cost, false, 0)"
            ),
            {"id": run_id, "org": org_id, "wf": workflow_id, "status": status,
             "started": started, "finished": finished, "cost": cost},
        )  # fmt: skip
        connection.execute(
            text(
                "INSERT INTO steps (id, org_id, run_id, node_id, status, attempts, started_at,"
                " finished_at, error, prompt_tokens, completion_tokens, cost_usd, model, provider)"
                " VALUES (:id, :org, :run, 'ask', :status, 1, :started, :finished,"
                " CAST(:error AS jsonb), 10, 5, :cost, :model, 'openai')"
            ),
            {"id": uuid.uuid4(), "org": org_id, "run": run_id, "status": status,
             "started": started, "finished": finished, "error": error, "cost": cost,
             "model": model},
        )  # fmt: skip
    return run_id
