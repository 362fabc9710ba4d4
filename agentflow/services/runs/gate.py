"""What may refuse a new run before it is stored, whoever starts it.

Clicks, the API, webhooks, schedules and reruns all pass here: a used-up hard-stop
budget (``BudgetExceeded``) or a ``{{ env.NAME }}`` secret the organisation has not
defined (``MissingSecrets``, naming the nodes that read it) stops the run before
it costs anything or fails half-way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.accounts import OrgSecret
from agentflow.db.engine import session_scope
from agentflow.services.governance.budgets import check_can_start
from agentflow.services.runs.lifecycle import InvalidRunRequest
from agentflow.services.templates.documents import missing_secrets, secret_readers
from agentflow.spec.problems import Problem


class MissingSecrets(InvalidRunRequest):
    """A run would read secrets the organisation has not defined: one problem per node
    reading one, so the builder shows them where they are used."""

    def __init__(self, document: Mapping[str, Any], names: list[str]) -> None:
        readers = secret_readers(document)
        problems = [
            Problem.at_node(node, f"reads the secret {name}, which is not defined yet")
            if node
            else Problem.at_field("output", f"reads the secret {name}, which is not defined yet")
            for name in names
            for node in readers.get(name, [""])
        ]
        super().__init__(problems)
        self.names = names
        many = len(names) > 1
        self.message = (
            f"this workflow needs the secret{'s' if many else ''} {', '.join(names)}, which "
            f"your organisation has not defined: add {'them' if many else 'it'} before running it"
        )


def org_secret_names(database_url: str, org_id: uuid.UUID) -> set[str]:
    with session_scope(database_url) as session:
        rows = session.execute(select(col(OrgSecret.name)).where(col(OrgSecret.org_id) == org_id))
        return {str(name) for name in rows.scalars()}


def require_secrets(database_url: str, org_id: uuid.UUID, document: Mapping[str, Any]) -> None:
    """Refuse (MissingSecrets) to run a document whose secrets the org has not defined."""
    missing = missing_secrets(document, org_secret_names(database_url, org_id))
    if missing:
        raise MissingSecrets(document, missing)


def check_can_run(
    database_url: str,
    org_id: uuid.UUID,
    workflow_id: uuid.UUID | None,
    document: Mapping[str, Any],
    *,
    org_secrets: bool = True,
) -> None:
    """``org_secrets=False``: the run reads its secrets from elsewhere (``agentflow run``
    takes them from its environment), so only the budgets can refuse it."""
    check_can_start(database_url, org_id, workflow_id)
    if org_secrets:
        require_secrets(database_url, org_id, document)
