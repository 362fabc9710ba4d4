"""Fixtures for the REST API v1 tests: an app with the router, people, keys and clients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.tenancy import accounts, api_keys
from agentflow.services.tenancy.permissions import Actor, Role
from agentflow.settings import get_settings
from state.web import api_v1
from state.web.api_v1.deps import SESSION_COOKIE

BASE_URL = "https://agentflow.test"
PASSWORD = "correct horse battery"

GREETING: dict[str, Any] = {
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


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def env(
    clean_db: str, clean_redis: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Service URLs and the public address in the settings; organisations removed after."""
    monkeypatch.setenv("DATABASE_URL", clean_db)
    monkeypatch.setenv("REDIS_URL", clean_redis)
    monkeypatch.setenv("AGENTFLOW_PUBLIC_URL", BASE_URL)
    get_settings.cache_clear()
    yield {"database_url": clean_db, "redis_url": clean_redis}
    get_settings.cache_clear()
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("DELETE FROM organizations WHERE id != :local"), {"local": LOCAL_ORG_ID}
        )


@pytest.fixture
def app(env: dict[str, str]) -> FastAPI:
    api = FastAPI()
    api.include_router(api_v1.router)
    api_v1.install_error_handlers(api)
    return api


@dataclass
class Person:
    user_id: uuid.UUID
    org_id: uuid.UUID
    email: str

    def actor(self) -> Actor:
        return Actor(self.org_id, self.user_id, Role.OWNER, label=self.email)


def sign_up(database_url: str, name: str) -> Person:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    user_id, org_id = accounts.sign_up(
        database_url, {"email": email, "password": PASSWORD, "name": name}
    )
    return Person(user_id, org_id, email)


def new_key(database_url: str, person: Person, *scopes: str) -> str:
    made = api_keys.create_api_key(
        database_url, person.actor(), {"name": "test", "scopes": list(scopes)}
    )
    return made.key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def alice(env: dict[str, str]) -> Person:
    return sign_up(env["database_url"], "alice")


@pytest.fixture
def bob(env: dict[str, str]) -> Person:
    return sign_up(env["database_url"], "bob")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
def alice_key(env: dict[str, str], alice: Person) -> str:
    return new_key(env["database_url"], alice, "read", "run", "write")


@pytest.fixture
def alice_headers(alice_key: str) -> dict[str, str]:
    return bearer(alice_key)


@pytest.fixture
def alice_cookie(env: dict[str, str], alice: Person) -> dict[str, str]:
    session = accounts.create_session(env["database_url"], alice.user_id)
    return {SESSION_COOKIE: session.token}


async def create_workflow(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    document: dict[str, Any] | None = None,
    *,
    publish: bool = False,
) -> str:
    response = await client.post(
        "/api/v1/workflows/import", json=document or GREETING, headers=headers
    )
    assert response.status_code == 201, response.text
    workflow_id = str(response.json()["id"])
    if publish:
        published = await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=headers)
        assert published.status_code == 200, published.text
    return workflow_id
