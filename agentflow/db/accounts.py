"""Accounts: users, memberships, sessions, invitations, password resets, API keys,
the audit trail and organisation secrets.

Users and password resets belong to a person, not to one organisation; every other
table carries ``org_id``. Secrets, tokens and keys are stored only as hashes or
ciphertext. ``audit_events`` is append-only: a trigger made by migration 0005
refuses UPDATE and DELETE, and it has no foreign keys so that removing a user or
an organisation never has to touch the record.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow


def _when(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _ref(table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return Field(
        default=None,
        sa_column=Column(
            ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable, index=True
        ),
    )


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored lower-cased and stripped: one account per address.
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id", name="uq_membership_org_user"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    user_id: uuid.UUID = _ref("users")
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: uuid.UUID = _ref("users")
    # The active organisation; None when the user no longer belongs to any.
    org_id: uuid.UUID | None = _ref("organizations", nullable=True, ondelete="SET NULL")
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = _when(nullable=False)


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    # When set, only the account with this address may accept.
    email: str | None = Field(default=None, max_length=254)
    invited_by: uuid.UUID | None = _ref("users", nullable=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = _when(nullable=False)
    accepted_at: datetime | None = _when()
    accepted_by: uuid.UUID | None = _ref("users", nullable=True, ondelete="SET NULL")
    revoked_at: datetime | None = _when()


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_resets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = _ref("users")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = _when(nullable=False)
    used_at: datetime | None = _when()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    name: str = Field(max_length=100)
    # The public part of the key (``af_<prefix>_<secret>``), used to find the row.
    prefix: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default=None, sa_column=Column(JSONB, nullable=False))
    created_by: uuid.UUID | None = _ref("users", nullable=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = _when()
    revoked_at: datetime | None = _when()


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_created", "org_id", "created_at"),
        # The latest event about one target (an autosave looks for its editing session).
        Index("ix_audit_events_org_target", "org_id", "target_type", "target_id", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    # No foreign key: the record outlives the users and organisations it mentions.
    org_id: uuid.UUID
    actor_type: str = Field(max_length=16)  # user, api_key or system
    actor_id: uuid.UUID | None = None
    actor_label: str = Field(default="", max_length=254)
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(default="", max_length=32)
    target_id: str = Field(default="", max_length=200)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class OrgSecret(SQLModel, table=True):
    """An organisation's secret: AES-GCM ciphertext bound to its org and name."""

    __tablename__ = "org_secrets"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_org_secret_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    name: str = Field(max_length=64)
    nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
