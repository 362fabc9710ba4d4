"""Publishing workflows as templates, approving shared ones, ratings and reviews.

* :func:`publish`: a workflow of the actor's organisation becomes a template
  (``organization``: its members only; ``instance``: everyone, once an instance
  admin approves). Publishing the same workflow again adds a version; other
  organisations keep seeing the last approved one until the new one is approved.
* :func:`decide`: an instance admin approves or rejects a pending template.
* :func:`rate`: one rating (1-5), with an optional review, per person and
  template; nobody rates their own organisation's templates.
* :func:`delete_template`: the publishing organisation removes its template.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from agentflow.db.accounts import User
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.templates import (
    INSTANCE,
    REVIEW_APPROVED,
    REVIEW_NONE,
    REVIEW_PENDING,
    REVIEW_REJECTED,
    Template,
    TemplateReview,
    TemplateVersion,
)
from agentflow.db.tenancy import get_in_org
from agentflow.errors import Forbidden, InvalidInput
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.templates.documents import (
    node_types,
    required_secrets,
    without_webhook_secrets,
)
from agentflow.services.templates.gallery import TemplateNotFound, is_instance_admin, load_visible
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require
from agentflow.services.workflows import management as workflow_service
from agentflow.spec.validation import validate_document

CATEGORY_PATTERN = r"^[^\x00-\x1f]{1,60}$"


class PublishInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow_id: uuid.UUID  # looked up in the actor's organisation only
    visibility: Literal["organization", "instance"] = "organization"
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    category: str = Field(default="General", pattern=CATEGORY_PATTERN)
    changelog: str = Field(default="", max_length=500)


@dataclass
class Published:
    template_id: uuid.UUID
    version: int
    review: str


def publish(database_url: str, actor: Actor, data: PublishInput | dict[str, Any]) -> Published:
    require(actor, Action.TEMPLATE_PUBLISH)
    form = parse_input(PublishInput, data)
    draft = workflow_service.get_draft(database_url, form.workflow_id, org_id=actor.org_id)
    problems = validate_document(draft, NODE_TYPES)
    if problems:
        raise workflow_service.InvalidWorkflow(problems)
    document = without_webhook_secrets(draft)
    name = " ".join((form.name or str(draft.get("name") or "")).split())
    if not name:
        raise InvalidInput("a template needs a name")
    with session_scope(database_url) as session:
        template = session.execute(
            select(Template)
            .where(col(Template.org_id) == actor.org_id)
            .where(col(Template.workflow_id) == form.workflow_id)
            .with_for_update()
        ).scalar_one_or_none()
        if template is None:
            template = Template(
                org_id=actor.org_id,
                workflow_id=form.workflow_id,
                name=name,
                visibility=form.visibility,
            )
            session.add(template)
            session.flush()
        template.name = name
        template.description = " ".join(form.description.split()) or str(
            draft.get("description") or ""
        )
        template.category = form.category.strip()
        template.latest_version += 1
        template.published_by = actor.label[:254]
        template.updated_at = utcnow()
        if form.visibility == INSTANCE:
            template.review, template.review_note = REVIEW_PENDING, ""
        else:  # back to the organisation only: other organisations stop seeing it
            template.review, template.listed_version = REVIEW_NONE, 0
        template.visibility = form.visibility
        session.add(
            TemplateVersion(
                template_id=template.id,
                version=template.latest_version,
                document=document,
                secrets=required_secrets(document),
                requires_node_types=node_types(document),
                changelog=form.changelog.strip(),
            )
        )
        details = {"version": template.latest_version, "visibility": form.visibility}
        audit.record(
            session, actor, "template.publish", target_type="template", target_id=template.id,
            details={**details, "workflow_id": str(form.workflow_id)},
        )  # fmt: skip
        return Published(template.id, template.latest_version, template.review)


class DecisionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    note: str = Field(default="", max_length=500)


def decide(
    database_url: str,
    actor: Actor,
    template_id: uuid.UUID,
    data: DecisionInput | dict[str, Any],
) -> str:
    """Approve (list the newest version for everyone) or reject a pending template."""
    form = parse_input(DecisionInput, data)
    if not is_instance_admin(database_url, actor):
        raise Forbidden("only instance admins approve templates shared with the whole instance")
    with session_scope(database_url) as session:
        template = session.get(Template, template_id, with_for_update=True)
        if template is None or template.visibility != INSTANCE:
            raise TemplateNotFound()
        if template.review != REVIEW_PENDING:
            raise InvalidInput("this template is not waiting for a review")
        if form.approve:
            template.review, template.listed_version = REVIEW_APPROVED, template.latest_version
        else:
            template.review = REVIEW_REJECTED
        template.review_note = form.note.strip()
        audit.record(
            session, actor, "template.approve" if form.approve else "template.reject",
            target_type="template", target_id=template_id,
            details={"version": template.latest_version},
        )  # fmt: skip
        return template.review


def review_queue(database_url: str, actor: Actor) -> list[dict[str, Any]]:
    """Templates waiting for an instance admin, oldest first (admins only)."""
    if not is_instance_admin(database_url, actor):
        raise Forbidden("only instance admins review shared templates")
    with session_scope(database_url) as session:
        rows = session.execute(
            select(Template)
            .where(col(Template.visibility) == INSTANCE)
            .where(col(Template.review) == REVIEW_PENDING)
            .order_by(col(Template.updated_at))
        ).scalars()
        return [
            {"id": str(t.id), "name": t.name, "version": t.latest_version, "by": t.published_by}
            for t in rows
        ]


class RatingInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=2000)


class AlreadyRated(InvalidInput):
    def __init__(self) -> None:
        super().__init__("you have already rated this template")


def rate(
    database_url: str, actor: Actor, template_id: uuid.UUID, data: RatingInput | dict[str, Any]
) -> None:
    require(actor, Action.TEMPLATE_REVIEW)
    if actor.user_id is None or actor.api_key_id is not None:
        raise Forbidden("ratings are given by people, not API keys")
    form = parse_input(RatingInput, data)
    admin = is_instance_admin(database_url, actor)
    try:
        with session_scope(database_url) as session:
            template, _ = load_visible(session, actor, admin, template_id)
            if template.org_id == actor.org_id:
                raise InvalidInput("you cannot rate your own organisation's templates")
            if session.execute(
                select(col(TemplateReview.id))
                .where(col(TemplateReview.template_id) == template_id)
                .where(col(TemplateReview.user_id) == actor.user_id)
            ).first():
                raise AlreadyRated()
            user = session.get(User, actor.user_id)
            session.add(
                TemplateReview(
                    template_id=template_id,
                    user_id=actor.user_id,
                    org_id=actor.org_id,
                    author=(user.name if user else "")[:254],
                    rating=form.rating,
                    text=form.text.strip(),
                )
            )
            audit.record(
                session, actor, "template.rate", target_type="template", target_id=template_id,
                details={"rating": form.rating},
            )  # fmt: skip
            session.flush()
    except IntegrityError:  # the same person, twice at once
        raise AlreadyRated() from None


@dataclass
class ReviewView:
    author: str
    rating: int
    text: str
    created_at: datetime
    mine: bool


def reviews(database_url: str, actor: Actor, template_id: uuid.UUID) -> list[ReviewView]:
    """Newest first. Authors are shown by name only (never their e-mail address)."""
    require(actor, Action.WORKFLOW_READ)
    admin = is_instance_admin(database_url, actor)
    with session_scope(database_url) as session:
        load_visible(session, actor, admin, template_id)
        rows = session.execute(
            select(TemplateReview)
            .where(col(TemplateReview.template_id) == template_id)
            .order_by(col(TemplateReview.created_at).desc())
            .limit(200)
        ).scalars()
        return [
            ReviewView(
                author=row.author or "Anonymous",
                rating=row.rating,
                text=row.text,
                created_at=row.created_at,
                mine=row.user_id == actor.user_id,
            )
            for row in rows
        ]


def delete_template(database_url: str, actor: Actor, template_id: uuid.UUID) -> None:
    """The publishing organisation removes its template (installed workflows stay)."""
    require(actor, Action.TEMPLATE_PUBLISH)
    with session_scope(database_url) as session:
        template = get_in_org(session, Template, template_id, org_id=actor.org_id)
        if template is None:
            raise TemplateNotFound()
        session.delete(template)
        audit.record(
            session, actor, "template.delete", target_type="template", target_id=template_id
        )
