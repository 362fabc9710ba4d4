"""The org-scoped lookups: every read of a tenant's row by id goes through here.

Another organisation's row is as absent as a missing one, so callers raise the
same NotFound for both and an id from elsewhere reveals nothing.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import ApiKey, Invitation, Membership, OrgSecret
from agentflow.db.model_providers import OrgModelProvider


class TenantRow(Protocol):
    @property
    def org_id(self) -> uuid.UUID | None: ...


Row = TypeVar("Row", bound=TenantRow)
Owned = TypeVar("Owned", Membership, Invitation, ApiKey, OrgSecret, OrgModelProvider)


def get_in_org(
    session: Session,
    model: type[Row],
    row_id: object,
    *,
    org_id: uuid.UUID,
    for_update: bool = False,
) -> Row | None:
    """The row of ``model`` with primary key ``row_id`` if it belongs to ``org_id``."""
    row = session.get(model, row_id, with_for_update=for_update)
    return row if row is not None and row.org_id == org_id else None


def get_owned(
    session: Session,
    model: type[Owned],
    *,
    org_id: uuid.UUID,
    for_update: bool = False,
    **match: Any,
) -> Owned | None:
    """A tenant's row by other columns than its id (a member by user, a secret by name)."""
    query = select(model).where(col(model.org_id) == org_id)
    for column, value in match.items():
        query = query.where(getattr(model, column) == value)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalars().first()
