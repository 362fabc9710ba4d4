"""API keys: ``af_<prefix>_<secret>``, shown once, stored as a SHA-256, checked in
constant time.

Why SHA-256 and not argon2: a key's secret is 40 random characters from 62
(about 238 bits), so no dictionary or brute force can reach it whatever the hash's
speed; slow hashing only helps low-entropy human passwords. A fast hash also keeps
each API request from paying argon2's CPU and memory cost (a denial-of-service
lever). The prefix finds the row; the hash comparison uses ``hmac.compare_digest``.
A key belongs to one organisation and acts with its scopes only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import col

from agentflow.db.accounts import ApiKey
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.tenancy import get_owned
from agentflow.errors import AgentFlowError, NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, Scope, parse_input, require

PREFIX_LENGTH = 12
SECRET_LENGTH = 40
TOUCH_S = 60  # last_used_at is written at most once a minute per key
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


class ApiKeyNotFound(NotFound):
    what = "API key"


class InvalidApiKey(AgentFlowError):
    """Malformed, unknown, wrong or revoked: one error, one message, for all of them."""

    type = "unauthorized"

    def __init__(self) -> None:
        super().__init__("invalid API key")


class ApiKeyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)


@dataclass(frozen=True)
class ApiKeyInfo:
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewApiKey:
    info: ApiKeyInfo
    key: str  # the full key: returned here once, never stored, never shown again


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=[Scope(scope) for scope in row.scopes],
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_api_key(
    database_url: str, actor: Actor, data: ApiKeyInput | dict[str, object]
) -> NewApiKey:
    require(actor, Action.API_KEY_MANAGE)
    form = parse_input(ApiKeyInput, data)
    prefix = _random(_PREFIX_ALPHABET, PREFIX_LENGTH)
    key = f"af_{prefix}_{_random(_SECRET_ALPHABET, SECRET_LENGTH)}"
    scopes = sorted({scope.value for scope in form.scopes})
    row = ApiKey(
        org_id=actor.org_id,
        name=" ".join(form.name.split()),
        prefix=prefix,
        secret_hash=_hash(key),
        scopes=scopes,
        created_by=actor.user_id,
    )
    with session_scope(database_url) as session:
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "api_key.create",
            target_type="api_key",
            target_id=row.id,
            details={"name": row.name, "prefix": prefix, "scopes": scopes},
        )
        return NewApiKey(_info(row), key)


def list_api_keys(database_url: str, actor: Actor) -> list[ApiKeyInfo]:
    require(actor, Action.API_KEY_MANAGE)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(ApiKey)
            .where(col(ApiKey.org_id) == actor.org_id)
            .order_by(col(ApiKey.created_at).desc())
        ).scalars()
        return [_info(row) for row in rows]


def revoke_api_key(database_url: str, actor: Actor, key_id: uuid.UUID) -> None:
    require(actor, Action.API_KEY_MANAGE)
    with session_scope(database_url) as session:
        row = get_owned(session, ApiKey, org_id=actor.org_id, id=key_id, for_update=True)
        if row is None:
            raise ApiKeyNotFound()
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.record(session, actor, "api_key.revoke", target_type="api_key", target_id=key_id)


def verify_api_key(database_url: str, key: str, *, ip: str = "", user_agent: str = "") -> Actor:
    """The actor a presented key stands for, or InvalidApiKey."""
    parts = key.strip().split("_")
    if len(parts) != 3 or parts[0] != "af" or len(parts[1]) != PREFIX_LENGTH:
        raise InvalidApiKey()
    presented = _hash(key.strip())
    now = utcnow()
    with session_scope(database_url) as session:
        row = session.execute(
            select(ApiKey).where(col(ApiKey.prefix) == parts[1])
        ).scalar_one_or_none()
        # Compared in constant time whether or not the prefix matched a key.
        matches = hmac.compare_digest(presented, row.secret_hash if row else _DUMMY_HASH)
        if row is None or not matches or row.revoked_at is not None:
            raise InvalidApiKey()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOUCH_S:
            row.last_used_at = now
        return Actor(
            org_id=row.org_id,
            api_key_id=row.id,
            scopes=frozenset(Scope(scope) for scope in row.scopes),
            label=f"API key {row.name} ({row.prefix})",
            ip=ip,
            user_agent=user_agent,
        )
