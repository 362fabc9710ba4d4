"""SQLModel tables. Every tenant-owned table carries ``org_id``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

# Until accounts exist there is one organisation; its id is fixed so that the
# first migration, the services and the tests all agree on it.
LOCAL_ORG_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


def utcnow() -> datetime:
    return datetime.now(UTC)


class OrganizationBase(SQLModel):
    name: str = Field(max_length=200)
    slug: str = Field(max_length=64, unique=True, index=True)


class Organization(OrganizationBase, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    # The litellm model installed templates use (Settings → Model providers).
    default_model: str | None = Field(default=None, max_length=200)
