"""What the organisation's provider settings give its runs and its template installs.

:func:`model_access` is for the worker only, like ``secrets_for_run``: it
turns the enabled providers into litellm arguments (the key from the run's
decrypted secrets, Azure's endpoint and version). A provider the organisation
did not enable is left to the instance's own environment, as before providers
could be set per organisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.model_providers import OrgModelProvider
from agentflow.db.models import Organization
from agentflow.llm.catalog import BY_ID


def model_access(
    database_url: str, org_id: uuid.UUID, secrets: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """provider -> litellm arguments for every provider the organisation enabled."""
    with session_scope(database_url) as session:
        rows = session.execute(
            select(OrgModelProvider).where(col(OrgModelProvider.org_id) == org_id)
        ).scalars()
        access: dict[str, dict[str, str]] = {}
        for row in rows:
            spec = BY_ID.get(row.provider)
            if spec is None:
                continue
            arguments = {"api_base": row.api_base or "", "api_version": row.api_version or ""}
            if spec.key_secret and secrets.get(spec.key_secret):
                arguments["api_key"] = secrets[spec.key_secret]
            access[spec.id] = {k: v for k, v in arguments.items() if v}
        return access


def default_model(database_url: str, org_id: uuid.UUID) -> str | None:
    """The model the organisation chose for installed templates, if it chose one."""
    with session_scope(database_url) as session:
        org = session.get(Organization, org_id)
        return org.default_model if org else None
