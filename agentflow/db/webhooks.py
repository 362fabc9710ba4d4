"""Webhook endpoints: one unguessable token per workflow, for ``/hooks/<token>``.

The token is found by its SHA-256 (``token_hash``, unique) and kept otherwise only
encrypted (AES-GCM, like organisation secrets), so a copy of the database cannot
start runs, while the builder can still show the URL to the people who may see it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    workflow_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    token_nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    token_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
