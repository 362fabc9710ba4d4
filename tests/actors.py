"""The actor tests start and steer runs as, where no account is the point of the test."""

from __future__ import annotations

import uuid

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.tenancy.permissions import Actor, SystemSource, system_actor


def operator(org_id: uuid.UUID) -> Actor:
    """The CLI's system actor (every permission) in ``org_id``."""
    return system_actor(org_id, SystemSource.CLI, "tests")


OPERATOR = operator(LOCAL_ORG_ID)
