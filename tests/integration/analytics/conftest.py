"""Fixtures for the analytics tests: organisations, actors and generated runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.permissions import Actor, Role


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
