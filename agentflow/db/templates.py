"""The template gallery: templates, their immutable versions, and reviews.

A template is either *official* (shipped as a file in agentflow/templates/official,
``org_id`` None, ``slug`` its file name) or published by an organisation from one
of its workflows. An organisation's template is ``organization`` visibility (only
its own members see it) or ``instance`` visibility: then other organisations see
``listed_version``, the newest version an instance admin approved (0: none yet).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow

OFFICIAL = "official"
ORGANIZATION = "organization"
INSTANCE = "instance"

# Review states of an instance-wide template's newest version.
REVIEW_NONE, REVIEW_PENDING, REVIEW_APPROVED, REVIEW_REJECTED = (
    "none",
    "pending",
    "approved",
    "rejected",
)


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: default, sa_column=Column(JSONB, nullable=False))


class Template(SQLModel, table=True):
    __tablename__ = "templates"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Official templates only: the file's name, how a re-load finds its row.
    slug: str | None = Field(default=None, max_length=100, unique=True)
    # The publishing organisation; None for official templates.
    org_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    # The workflow it was published from; publishing it again adds a version.
    workflow_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("workflows.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    visibility: str = Field(max_length=16)  # official, organization or instance
    review: str = Field(default=REVIEW_NONE, max_length=16)
    review_note: str = Field(default="", max_length=500)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    category: str = Field(default="General", max_length=60)
    latest_version: int = 0
    # What other organisations see of an instance template (official: latest_version).
    listed_version: int = 0
    installs: int = 0
    published_by: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TemplateVersion(SQLModel, table=True):
    """One published version: the workflow document and what it needs, never changed."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version", name="uq_template_version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    template_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("templates.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    version: int
    document: dict[str, Any] = _json({})
    # Secret names the document references (env.NAME, http credentials), sorted.
    secrets: list[str] = _json([])
    # Node types the document needs; the template is hidden while one is not registered.
    requires_node_types: list[str] = _json([])
    changelog: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class TemplateReview(SQLModel, table=True):
    """A person's rating (1-5) and optional review of a template: one per person."""

    __tablename__ = "template_reviews"
    __table_args__ = (
        UniqueConstraint("template_id", "user_id", name="uq_template_review_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_template_review_rating"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    template_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("templates.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    org_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    author: str = Field(default="", max_length=254)
    rating: int
    text: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
