"""Webhook URLs: ``/hooks/<token>`` for each workflow whose trigger has kind ``webhook``.

A workflow gets its token when a version with a webhook trigger is published
(or when someone rotates it); the URL starts the workflow's *latest published*
version, so publishing a new version never changes the URL, and a workflow whose
latest version has no webhook trigger answers 404 like an unknown token.

Tokens are 256 random bits. The database keeps their SHA-256 (to find the row)
and an AES-GCM ciphertext (to show the URL again to people allowed to see it);
see agentflow/db/webhooks.py. Rotation replaces the token: the old URL answers
404 at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.runs import Workflow, WorkflowVersion
from agentflow.db.tenancy import get_in_org
from agentflow.db.webhooks import WebhookEndpoint
from agentflow.errors import WorkflowNotFound
from agentflow.nodes.trigger import TriggerConfig
from agentflow.services.tenancy import audit
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.settings import Settings, get_settings

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,128}")
HOOK_PATH = "/hooks/"


def hook_url(token: str, settings: Settings | None = None) -> str:
    return (settings or get_settings()).base_url.rstrip("/") + HOOK_PATH + token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def webhook_trigger(document: Mapping[str, Any]) -> TriggerConfig | None:
    """The config of the document's first trigger node with kind ``webhook``."""
    for node in document.get("nodes") or []:
        if not isinstance(node, Mapping) or node.get("type") != "trigger":
            continue
        config = node.get("config")
        if isinstance(config, Mapping) and config.get("kind") == "webhook":
            try:
                return TriggerConfig.model_validate(config)
            except ValueError:
                return None
    return None


def _cipher_name(workflow_id: uuid.UUID) -> str:
    return f"webhook-token:{workflow_id}"


def _token_columns(org_id: uuid.UUID, workflow_id: uuid.UUID) -> dict[str, Any]:
    """A fresh token's stored columns: its hash and its ciphertext."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    nonce, ciphertext = org_secrets.encrypt(org_id, _cipher_name(workflow_id), token)
    return {"token_hash": token_hash(token), "token_nonce": nonce, "token_ciphertext": ciphertext}


def _new_endpoint(org_id: uuid.UUID, workflow_id: uuid.UUID) -> WebhookEndpoint:
    return WebhookEndpoint(
        org_id=org_id, workflow_id=workflow_id, **_token_columns(org_id, workflow_id)
    )


def _endpoint(session: Session, org_id: uuid.UUID, workflow_id: uuid.UUID) -> Any:
    return session.execute(
        select(WebhookEndpoint).where(
            col(WebhookEndpoint.org_id) == org_id,
            col(WebhookEndpoint.workflow_id) == workflow_id,
        )
    ).scalar_one_or_none()


def _latest_document(session: Session, workflow: Workflow) -> dict[str, Any] | None:
    if workflow.latest_version == 0:
        return None
    return session.execute(
        select(col(WorkflowVersion.document)).where(
            col(WorkflowVersion.workflow_id) == workflow.id,
            col(WorkflowVersion.version) == workflow.latest_version,
        )
    ).scalar_one_or_none()


def prepare_endpoint(database_url: str, org_id: uuid.UUID, workflow_id: uuid.UUID) -> None:
    """After a publish: give the workflow a token if its latest version is webhook-triggered."""
    with session_scope(database_url) as session:
        workflow = get_in_org(session, Workflow, workflow_id, org_id=org_id, for_update=True)
        if workflow is None:
            return
        document = _latest_document(session, workflow)
        if document is None or webhook_trigger(document) is None:
            return
        if _endpoint(session, org_id, workflow_id) is None:
            session.add(_new_endpoint(org_id, workflow_id))


@dataclass(frozen=True)
class WebhookInfo:
    url: str | None  # None until a webhook version is published or the URL is made
    # The latest published version has a webhook trigger: the URL starts runs.
    active: bool
    # The draft has a webhook trigger (publish it to make the URL start it).
    draft_has_webhook: bool
    method: str
    response: str
    signed: bool
    created_at: datetime | None
    rotated_at: datetime | None
    # The token was encrypted with another server secret key: rotate to see a URL.
    unreadable: bool = False


def _owned_workflow(session: Session, actor: Actor, workflow_id: uuid.UUID) -> Workflow:
    workflow = get_in_org(session, Workflow, workflow_id, org_id=actor.org_id, for_update=True)
    if workflow is None:
        raise WorkflowNotFound(str(workflow_id))
    return workflow


def _info(session: Session, workflow: Workflow, row: WebhookEndpoint | None) -> WebhookInfo:
    published = _latest_document(session, workflow)
    live = webhook_trigger(published) if published is not None else None
    drafted = webhook_trigger(workflow.document)
    shown = live or drafted or TriggerConfig(kind="webhook")
    url, unreadable = None, False
    if row is not None:
        try:
            token = org_secrets.decrypt(
                row.org_id, _cipher_name(row.workflow_id), row.token_nonce, row.token_ciphertext
            )
            url = hook_url(token)
        except org_secrets.SecretUnreadable:
            # The server's secret key changed since: the URL still works for whoever
            # has it, but cannot be shown; rotating makes a new, readable one.
            unreadable = True
    return WebhookInfo(
        url=url,
        active=live is not None,
        draft_has_webhook=drafted is not None,
        method=shown.method,
        response=shown.response,
        signed=shown.secret is not None,
        created_at=row.created_at if row else None,
        rotated_at=row.rotated_at if row else None,
        unreadable=unreadable,
    )


def webhook_info(database_url: str, actor: Actor, workflow_id: uuid.UUID) -> WebhookInfo:
    require(actor, Action.WEBHOOK_MANAGE)
    with session_scope(database_url) as session:
        workflow = _owned_workflow(session, actor, workflow_id)
        return _info(session, workflow, _endpoint(session, actor.org_id, workflow_id))


def rotate(database_url: str, actor: Actor, workflow_id: uuid.UUID) -> WebhookInfo:
    """A new token (the old URL stops working at once); makes the first one if none."""
    require(actor, Action.WEBHOOK_MANAGE)
    with session_scope(database_url) as session:
        workflow = _owned_workflow(session, actor, workflow_id)
        row = _endpoint(session, actor.org_id, workflow_id)
        action = "webhook.rotate"
        if row is None:
            row = _new_endpoint(actor.org_id, workflow_id)
            action = "webhook.create"
            session.add(row)
        else:
            for column, value in _token_columns(actor.org_id, workflow_id).items():
                setattr(row, column, value)
            row.rotated_at = utcnow()
        session.flush()
        audit.record(session, actor, action, target_type="workflow", target_id=workflow_id)
        return _info(session, workflow, row)


@dataclass(frozen=True)
class HookTarget:
    """What a valid token starts: the latest published version of one workflow."""

    org_id: uuid.UUID
    workflow_id: uuid.UUID
    version: int
    document: dict[str, Any]
    trigger: TriggerConfig


def resolve(database_url: str, token: str) -> HookTarget | None:
    """The target of a presented token; None for unknown, rotated or inactive tokens
    (the caller answers all of them with the same 404)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    with session_scope(database_url) as session:
        row = session.execute(
            select(WebhookEndpoint).where(col(WebhookEndpoint.token_hash) == token_hash(token))
        ).scalar_one_or_none()
        if row is None:
            return None
        workflow = get_in_org(session, Workflow, row.workflow_id, org_id=row.org_id)
        if workflow is None:
            return None
        document = _latest_document(session, workflow)
        trigger = webhook_trigger(document) if document is not None else None
        if document is None or trigger is None:
            return None
        return HookTarget(row.org_id, workflow.id, workflow.latest_version, document, trigger)
