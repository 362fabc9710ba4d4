"""The template gallery: what an actor may see, a template's details, and installing one.

Who sees what (one rule, :func:`_visible_version`):

* official templates, by everyone, at their newest version;
* an organisation's own templates, by its members, at their newest version;
* another organisation's ``instance`` templates, at the newest version an instance
  admin approved (never before one was); instance admins also see pending ones.

Anything else, another organisation's private template included, is
``TemplateNotFound``, exactly like a missing id. A template whose version needs a
node type this instance lacks (``knowledge`` before the RAG layer) is hidden too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import User
from agentflow.db.engine import session_scope
from agentflow.db.templates import (
    INSTANCE,
    OFFICIAL,
    REVIEW_PENDING,
    Template,
    TemplateReview,
    TemplateVersion,
)
from agentflow.errors import InvalidInput, NotFound
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.providers.access import default_model
from agentflow.services.runs.gate import org_secret_names
from agentflow.services.templates.documents import (
    missing_secrets,
    node_count,
    unregistered_types,
    use_template_model,
)
from agentflow.services.tenancy import audit
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require
from agentflow.services.workflows import management as workflow_service
from agentflow.settings import Settings, get_settings
from agentflow.spec import safe_input
from agentflow.spec.canvas import auto_layout


class TemplateNotFound(NotFound):
    what = "template"


@dataclass
class TemplateSummary:
    id: str
    name: str
    description: str
    category: str
    source: str  # official, yours (your organisation's) or community
    visibility: str
    review: str
    version: int
    node_count: int
    installs: int
    rating: float | None
    rating_count: int
    secrets: list[str]
    updated_at: datetime


@dataclass
class TemplateDetail:
    summary: TemplateSummary
    document: dict[str, Any]
    versions: list[dict[str, Any]]
    missing_secrets: list[str]
    mine: bool  # published by the actor's organisation
    changelog: str = ""
    review_note: str = ""  # an instance admin's note, shown to the publishing organisation
    reviews: list[dict[str, Any]] = field(default_factory=list)


def is_instance_admin(database_url: str, actor: Actor, settings: Settings | None = None) -> bool:
    """Instance admins (``AGENTFLOW_INSTANCE_ADMINS``, by e-mail) approve shared templates."""
    admins = (settings or get_settings()).instance_admin_emails
    if actor.user_id is None or actor.api_key_id is not None or not admins:
        return False
    with session_scope(database_url) as session:
        user = session.get(User, actor.user_id)
        return user is not None and user.email.lower() in admins


def _visible_version(template: Template, actor: Actor, admin: bool) -> int | None:
    if template.visibility == OFFICIAL or template.org_id == actor.org_id:
        return template.latest_version or None
    if template.visibility == INSTANCE:
        if admin and template.review == REVIEW_PENDING:
            return template.latest_version
        return template.listed_version or None
    return None


def _candidates(actor: Actor, admin: bool) -> Any:
    listed = col(Template.listed_version) > 0
    if admin:
        listed = listed | (col(Template.review) == REVIEW_PENDING)
    shared = (col(Template.visibility) == INSTANCE) & listed
    return select(Template).where(
        or_(col(Template.visibility) == OFFICIAL, col(Template.org_id) == actor.org_id, shared)
    )


def _source(template: Template, actor: Actor) -> str:
    if template.visibility == OFFICIAL:
        return "official"
    return "yours" if template.org_id == actor.org_id else "community"


def _ratings(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[float, int]]:
    rows = session.execute(
        select(
            col(TemplateReview.template_id),
            func.avg(TemplateReview.rating),
            func.count(),
        )
        .where(col(TemplateReview.template_id).in_(ids))
        .group_by(col(TemplateReview.template_id))
    ).all()
    return {row[0]: (float(row[1]), int(row[2])) for row in rows}


def _visible(
    session: Session, actor: Actor, admin: bool, templates: list[Template]
) -> list[tuple[Template, TemplateVersion]]:
    """Each template with the version the actor sees; hidden ones left out."""
    wanted = {t.id: v for t in templates if (v := _visible_version(t, actor, admin))}
    if not wanted:
        return []
    versions = session.execute(
        select(TemplateVersion).where(
            tuple_(col(TemplateVersion.template_id), col(TemplateVersion.version)).in_(
                list(wanted.items())
            )
        )
    ).scalars()
    by_template = {version.template_id: version for version in versions}
    return [
        (template, by_template[template.id])
        for template in templates
        if template.id in by_template
        and not unregistered_types(by_template[template.id].requires_node_types)
    ]


def _summary(
    template: Template, version: TemplateVersion, actor: Actor, rating: tuple[float, int] | None
) -> TemplateSummary:
    return TemplateSummary(
        id=str(template.id),
        name=template.name,
        description=template.description,
        category=template.category,
        source=_source(template, actor),
        visibility=template.visibility,
        review=template.review,
        version=version.version,
        node_count=node_count(version.document),
        installs=template.installs,
        rating=rating[0] if rating else None,
        rating_count=rating[1] if rating else 0,
        secrets=list(version.secrets),
        updated_at=template.updated_at,
    )


def list_templates(
    database_url: str, actor: Actor, *, search: str = "", category: str = ""
) -> list[TemplateSummary]:
    """The gallery: official first, then by installs and name."""
    require(actor, Action.WORKFLOW_READ)
    for field_name, value in (("search", search), ("category", category)):
        if (problem := safe_input.text_problem(value)) is not None:
            raise InvalidInput(f"{field_name}: {problem}")
    admin = is_instance_admin(database_url, actor)
    query = _candidates(actor, admin)
    if search.strip():
        pattern = f"%{search.strip()[:200]}%"
        query = query.where(
            col(Template.name).ilike(pattern)
            | col(Template.description).ilike(pattern)
            | col(Template.category).ilike(pattern)
        )
    if category:
        query = query.where(col(Template.category) == category)
    with session_scope(database_url) as session:
        rows = _visible(session, actor, admin, list(session.execute(query).scalars()))
        ratings = _ratings(session, [template.id for template, _ in rows])
        summaries = [_summary(t, v, actor, ratings.get(t.id)) for t, v in rows]
    order = {"official": 0, "yours": 1, "community": 2}
    return sorted(summaries, key=lambda s: (order[s.source], -s.installs, s.name.lower()))


def load_visible(
    session: Session, actor: Actor, admin: bool, template_id: uuid.UUID
) -> tuple[Template, TemplateVersion]:
    template = session.get(Template, template_id)
    rows = _visible(session, actor, admin, [template] if template else [])
    if not rows:
        raise TemplateNotFound()
    return rows[0]


def get_template(database_url: str, actor: Actor, template_id: uuid.UUID) -> TemplateDetail:
    require(actor, Action.WORKFLOW_READ)
    admin = is_instance_admin(database_url, actor)
    with session_scope(database_url) as session:
        template, version = load_visible(session, actor, admin, template_id)
        rating = _ratings(session, [template.id]).get(template.id)
        versions = session.execute(
            select(TemplateVersion)
            .where(col(TemplateVersion.template_id) == template.id)
            .where(col(TemplateVersion.version) <= version.version)
            .order_by(col(TemplateVersion.version).desc())
        ).scalars()
        detail = TemplateDetail(
            summary=_summary(template, version, actor, rating),
            document=dict(version.document),
            versions=[
                {"version": v.version, "changelog": v.changelog, "created_at": v.created_at}
                for v in versions
            ],
            missing_secrets=[],
            mine=template.org_id == actor.org_id,
            changelog=version.changelog,
            review_note=template.review_note if template.org_id == actor.org_id else "",
        )
    if actor.allowed(Action.SECRET_READ_NAMES):
        names = org_secret_names(database_url, actor.org_id)
        detail.missing_secrets = missing_secrets(detail.document, names)
    return detail


class InstallInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=workflow_service.MAX_NAME_LENGTH)
    # Values for the template's secrets the organisation does not have yet.
    secrets: dict[str, str] = Field(default_factory=dict, max_length=50)
    # An older version than the one the gallery shows (never a newer one); default newest.
    version: int | None = Field(default=None, ge=1)


def _check_values(secrets: dict[str, str]) -> None:
    for secret_name, value in sorted(secrets.items()):
        if not org_secrets.NAME_PATTERN.fullmatch(secret_name):
            raise InvalidInput(f"{secret_name} cannot be stored as an organisation secret")
        if not org_secrets.MIN_MASKED_LENGTH <= len(value) <= org_secrets.MAX_VALUE_LENGTH:
            raise InvalidInput(
                f"{secret_name}: secret values have {org_secrets.MIN_MASKED_LENGTH} to "
                f"{org_secrets.MAX_VALUE_LENGTH} characters"
            )


def _older_version(
    session: Session, template_id: uuid.UUID, wanted: int, visible: int
) -> TemplateVersion:
    older = (
        session.execute(
            select(TemplateVersion).where(
                col(TemplateVersion.template_id) == template_id,
                col(TemplateVersion.version) == wanted,
            )
        ).scalar_one_or_none()
        if wanted < visible
        else None
    )
    if older is None:
        raise InvalidInput(f"this template has versions 1 to {visible}")
    return older


@dataclass
class Installed:
    workflow_id: uuid.UUID
    missing_secrets: list[str]  # still missing: runs are refused until they are added


def install_template(
    database_url: str,
    actor: Actor,
    template_id: uuid.UUID,
    data: InstallInput | dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
) -> Installed:
    """A new workflow in the actor's organisation from the template's visible version.

    Secrets given in ``data`` are created first (they must be ones the template
    needs and the organisation lacks); the LLM steps get the organisation's default
    model (Settings → Model providers), else the instance's ``template_model``.
    """
    require(actor, Action.WORKFLOW_WRITE)
    form = parse_input(InstallInput, data or {})
    settings = settings or get_settings()
    admin = is_instance_admin(database_url, actor, settings)
    with session_scope(database_url) as session:
        template, version = load_visible(session, actor, admin, template_id)
        if form.version is not None and form.version != version.version:
            version = _older_version(session, template.id, form.version, version.version)
        name, description = template.name, template.description
        document, needed = dict(version.document), list(version.secrets)
        number = version.version
    missing = missing_secrets(document, org_secret_names(database_url, actor.org_id))
    unexpected = sorted(set(form.secrets) - set(missing))
    if unexpected:
        raise InvalidInput(
            f"not a secret this template needs and your organisation lacks: {', '.join(unexpected)}"
        )
    if form.secrets:
        require(actor, Action.SECRET_WRITE)
        _check_values(form.secrets)  # all of them, before the first is stored
        for secret_name in sorted(form.secrets):
            org_secrets.create_secret(
                database_url,
                actor,
                {"name": secret_name, "value": form.secrets[secret_name]},
                settings=settings,
            )
    model = default_model(database_url, actor.org_id) or settings.template_model
    document = use_template_model(document, model)
    if any(not isinstance(node.get("position"), dict) for node in document.get("nodes") or []):
        document = auto_layout(document, NODE_TYPES)
    workflow_id = workflow_service.create_workflow(
        database_url,
        " ".join((form.name or name).split()) or name,
        org_id=actor.org_id,
        description=description,
        document=document,
    )
    with session_scope(database_url) as session:
        session.execute(
            update(Template)
            .where(col(Template.id) == template_id)
            .values(installs=col(Template.installs) + 1)
        )
        details = {"workflow_id": str(workflow_id), "version": number, "secrets": needed}
        audit.record(
            session, actor, "template.install", target_type="template", target_id=template_id,
            details=details,
        )  # fmt: skip
    still = [name for name in missing if name not in form.secrets]
    return Installed(workflow_id, still)
