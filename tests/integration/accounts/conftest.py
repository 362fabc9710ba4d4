"""Fixtures for the accounts tests: settings, a captured outbox, people with organisations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from sqlmodel import col

from agentflow.db.engine import get_engine, session_scope
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.db.runs import Run
from agentflow.services.tenancy import accounts
from agentflow.services.tenancy.permissions import Actor, Role
from agentflow.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the real ones cost ~0.4 s per hash on this machine."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def clean_db(clean_db: str) -> Iterator[str]:
    """Also remove the organisations sign-up made (the shared fixture keeps that table)."""
    yield clean_db
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("DELETE FROM organizations WHERE id != :local"), {"local": LOCAL_ORG_ID}
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key="test-secret-key-" + "x" * 40,
        data_dir=tmp_path,
        public_url="https://agentflow.test",
    )


@dataclass
class Message:
    to: str
    subject: str
    body: str


@dataclass
class Outbox:
    """A sender that keeps what it is asked to send."""

    messages: list[Message] = field(default_factory=list)

    def send(self, to: str, subject: str, body: str) -> None:
        self.messages.append(Message(to, subject, body))

    def token(self) -> str:
        found = re.search(r"token=([A-Za-z0-9_-]+)", self.messages[-1].body)
        assert found is not None
        return found.group(1)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@dataclass
class Person:
    user_id: uuid.UUID
    org_id: uuid.UUID
    email: str
    password: str = PASSWORD

    def actor(self, role: Role = Role.OWNER, org_id: uuid.UUID | None = None) -> Actor:
        return Actor(org_id or self.org_id, self.user_id, role, label=self.email, ip="192.0.2.1")


def sign_up(database_url: str, name: str = "") -> Person:
    email = f"{name or 'user'}-{uuid.uuid4().hex[:8]}@example.com"
    user_id, org_id = accounts.sign_up(
        database_url, {"email": email, "password": PASSWORD, "name": name}
    )
    return Person(user_id, org_id, email)


@pytest.fixture
def alice(clean_db: str) -> Person:
    return sign_up(clean_db, "alice")


@pytest.fixture
def bob(clean_db: str) -> Person:
    return sign_up(clean_db, "bob")


def join(database_url: str, owner: Person, member: Person, role: Role, settings: Settings) -> Actor:
    """``member`` joins ``owner``'s organisation with ``role`` through a real invitation."""
    from agentflow.services.tenancy import organizations

    invitation = organizations.invite(
        database_url, owner.actor(), {"role": role}, settings=settings
    )
    token = invitation.link.split("token=")[1]
    organizations.accept_invitation(database_url, token, user_id=member.user_id)
    return member.actor(role, owner.org_id)


def run_count(database_url: str, org_id: uuid.UUID) -> int:
    """How many runs the organisation has."""
    with session_scope(database_url) as session:
        return int(
            session.execute(
                select(func.count()).select_from(Run).where(col(Run.org_id) == org_id)
            ).scalar_one()
        )
