"""Read-only lookups over the audit trail for the settings pages.

* :func:`audit_facets`: the actors, actions and target types an organisation's
  trail holds, to fill the audit page's filters (people who have left and
  API keys included, unlike the member list).
* :func:`secret_authors`: who created and who last changed each secret. The
  secrets table stores no author, the trail does, for every change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import col

from agentflow.db.accounts import AuditEvent
from agentflow.db.engine import session_scope
from agentflow.services.tenancy.permissions import Action, Actor, require

MAX_FACETS = 200
SECRET_CHANGES = ("secret.create", "secret.update")


@dataclass(frozen=True)
class AuditActor:
    id: uuid.UUID
    label: str
    kind: str  # user, api_key or system


@dataclass(frozen=True)
class AuditFacets:
    actors: list[AuditActor]
    actions: list[str]
    target_types: list[str]


@dataclass(frozen=True)
class SecretAuthors:
    created_by: str
    updated_by: str


def audit_facets(database_url: str, actor: Actor) -> AuditFacets:
    """The distinct actors (latest label first seen), actions and target types."""
    require(actor, Action.AUDIT_READ)
    mine = col(AuditEvent.org_id) == actor.org_id
    with session_scope(database_url) as session:
        latest = (
            select(col(AuditEvent.actor_id), func.max(col(AuditEvent.id)).label("last_id"))
            .where(mine, col(AuditEvent.actor_id).is_not(None))
            .group_by(col(AuditEvent.actor_id))
            .subquery()
        )
        actor_rows = session.execute(
            select(
                col(AuditEvent.actor_id), col(AuditEvent.actor_label), col(AuditEvent.actor_type)
            )
            .join(latest, latest.c.last_id == col(AuditEvent.id))
            .order_by(col(AuditEvent.actor_label))
            .limit(MAX_FACETS)
        ).all()
        actions = session.execute(
            select(col(AuditEvent.action))
            .where(mine)
            .distinct()
            .order_by(col(AuditEvent.action))
            .limit(MAX_FACETS)
        ).scalars()
        target_types = session.execute(
            select(col(AuditEvent.target_type))
            .where(mine, col(AuditEvent.target_type) != "")
            .distinct()
            .order_by(col(AuditEvent.target_type))
            .limit(MAX_FACETS)
        ).scalars()
        return AuditFacets(
            actors=[AuditActor(row[0], row[1], row[2]) for row in actor_rows],
            actions=list(actions),
            target_types=list(target_types),
        )


def secret_authors(database_url: str, actor: Actor) -> dict[str, SecretAuthors]:
    """Secret name → who created it (latest creation) and who last set its value.

    Open to whoever may list secret names: the labels are the members' emails
    (or an API key's name) the trail recorded, nothing about the values.
    """
    require(actor, Action.SECRET_READ_NAMES)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(col(AuditEvent.target_id), col(AuditEvent.action), col(AuditEvent.actor_label))
            .where(col(AuditEvent.org_id) == actor.org_id)
            .where(col(AuditEvent.target_type) == "secret")
            .where(col(AuditEvent.action).in_(SECRET_CHANGES))
            .order_by(col(AuditEvent.id))
        ).all()
    authors: dict[str, SecretAuthors] = {}
    for name, action, label in rows:  # oldest first: later events overwrite
        if action == "secret.create":
            authors[name] = SecretAuthors(created_by=label, updated_by=label)
        elif name in authors:
            authors[name] = SecretAuthors(authors[name].created_by, updated_by=label)
        else:  # created before the trail began
            authors[name] = SecretAuthors(created_by="", updated_by=label)
    return authors
