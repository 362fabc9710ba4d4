"""The model providers an organisation set up (Settings → Model providers).

A row says the organisation enabled a provider, and for Azure where its
endpoint is; the key itself is an organisation secret (``org_secrets``) under
the provider's key name, encrypted like every other secret.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow


def _org() -> Any:
    return Field(
        default=None,
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
        ),
    )


class OrgModelProvider(SQLModel, table=True):
    __tablename__ = "org_model_providers"
    __table_args__ = (UniqueConstraint("org_id", "provider", name="uq_org_model_provider"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    provider: str = Field(max_length=32)
    api_base: str | None = Field(default=None, max_length=500)  # Azure's endpoint
    api_version: str | None = Field(default=None, max_length=40)  # Azure's API version
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
