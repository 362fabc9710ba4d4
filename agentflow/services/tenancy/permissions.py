"""Who may do what: roles, API key scopes, the permission matrix and ``require``.

Every service that changes or reads a tenant's data takes an :class:`Actor` and
calls :func:`require` first. The actor's organisation comes from the session or
the API key, never from a request body.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentflow.errors import Forbidden, InvalidInput
from agentflow.spec.problems import format_location, validation_messages
from agentflow.spec.safe_input import UnsafeInput, check_data


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


# Higher ranks may grant, change and remove lower or equal ranks, never higher ones.
RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Scope(StrEnum):
    READ = "read"
    RUN = "run"
    WRITE = "write"


class Action(StrEnum):
    WORKFLOW_READ = "workflow.read"
    WORKFLOW_WRITE = "workflow.write"
    WORKFLOW_DELETE = "workflow.delete"
    WORKFLOW_PUBLISH = "workflow.publish"
    RUN_READ = "run.read"
    RUN_START = "run.start"
    RUN_CANCEL = "run.cancel"
    RUN_APPROVE = "run.approve"
    MEMBER_READ = "member.read"
    MEMBER_INVITE = "member.invite"
    MEMBER_REMOVE = "member.remove"
    MEMBER_CHANGE_ROLE = "member.change_role"
    API_KEY_MANAGE = "api_key.manage"
    SECRET_READ_NAMES = "secret.read_names"  # noqa: S105 - an action name
    SECRET_WRITE = "secret.write"  # noqa: S105 - an action name
    AUDIT_READ = "audit.read"
    ORG_UPDATE = "org.update"
    ANALYTICS_READ = "analytics.read"
    ALERT_MANAGE = "alert.manage"
    BUDGET_MANAGE = "budget.manage"
    TEMPLATE_PUBLISH = "template.publish"
    TEMPLATE_REVIEW = "template.review"
    SCHEDULE_MANAGE = "schedule.manage"
    EVENT_SUBSCRIPTION_MANAGE = "event_subscription.manage"
    NOTIFICATION_READ = "notification.read"
    WEBHOOK_MANAGE = "webhook.manage"  # see a workflow's webhook URL, rotate its token
    MODEL_PROVIDER_MANAGE = "model_provider.manage"  # keys, endpoints, the default model


A = Action
_VIEWER = frozenset(
    {
        A.WORKFLOW_READ,
        A.RUN_READ,
        A.MEMBER_READ,
        A.TEMPLATE_REVIEW,
        A.NOTIFICATION_READ,
        A.ANALYTICS_READ,
    }
)
_EDITOR = _VIEWER | {
    A.WORKFLOW_WRITE,
    A.WORKFLOW_DELETE,
    A.WORKFLOW_PUBLISH,
    A.RUN_START,
    A.RUN_CANCEL,
    A.RUN_APPROVE,
    A.SECRET_READ_NAMES,
    A.ALERT_MANAGE,
    A.TEMPLATE_PUBLISH,
    A.SCHEDULE_MANAGE,
    A.WEBHOOK_MANAGE,
}
_ADMIN = _EDITOR | {
    A.MEMBER_INVITE,
    A.MEMBER_REMOVE,
    A.MEMBER_CHANGE_ROLE,
    A.API_KEY_MANAGE,
    A.SECRET_WRITE,
    A.AUDIT_READ,
    A.ORG_UPDATE,
    A.BUDGET_MANAGE,
    A.EVENT_SUBSCRIPTION_MANAGE,
    A.MODEL_PROVIDER_MANAGE,
}

# The permission matrix: role → the actions it may take. Owners differ from admins
# in the rank rules (only an owner grants, demotes or removes an owner).
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: _ADMIN,
    Role.ADMIN: _ADMIN,
    Role.EDITOR: _EDITOR,
    Role.VIEWER: _VIEWER,
}

# What an API key may do, by scope. Keys never manage members, keys or secrets.
SCOPE_ACTIONS: dict[Scope, frozenset[Action]] = {
    Scope.READ: frozenset({A.WORKFLOW_READ, A.RUN_READ, A.ANALYTICS_READ, A.NOTIFICATION_READ}),
    Scope.RUN: frozenset({A.RUN_START, A.RUN_CANCEL, A.RUN_APPROVE}),
    Scope.WRITE: frozenset(
        {
            A.WORKFLOW_WRITE,
            A.WORKFLOW_DELETE,
            A.WORKFLOW_PUBLISH,
            A.TEMPLATE_PUBLISH,
            A.WEBHOOK_MANAGE,
            A.SCHEDULE_MANAGE,
        }
    ),
}


class SystemSource(StrEnum):
    """Where AgentFlow itself acts, when no person or key does."""

    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    CLI = "cli"


# What AgentFlow may do on its own. A webhook call or a schedule tick only starts the
# run it is configured for. The CLI talks to the database directly, with an
# operator's reach (like psql), so no role applies to it: it may do everything.
SYSTEM_ACTIONS: dict[SystemSource, frozenset[Action]] = {
    SystemSource.WEBHOOK: frozenset({A.RUN_START}),
    SystemSource.SCHEDULE: frozenset({A.RUN_START}),
    SystemSource.CLI: frozenset(Action),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which organisation, from where. Made by the session or key check."""

    org_id: uuid.UUID
    user_id: uuid.UUID | None = None
    role: Role | None = None
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    label: str = ""
    ip: str = ""
    user_agent: str = ""
    system: SystemSource | None = None

    @property
    def kind(self) -> str:
        if self.api_key_id is not None:
            return "api_key"
        # Neither a person nor a key: AgentFlow itself, acting on a trigger.
        return "user" if self.user_id is not None else "system"

    def allowed(self, action: Action) -> bool:
        if self.api_key_id is not None:
            return any(action in SCOPE_ACTIONS[scope] for scope in self.scopes)
        if self.system is not None:
            return action in SYSTEM_ACTIONS[self.system]
        return self.role is not None and action in ROLE_ACTIONS[self.role]


def system_actor(org_id: uuid.UUID, source: SystemSource, label: str = "") -> Actor:
    """AgentFlow itself (a webhook call, a schedule tick, the CLI), allowed what
    :data:`SYSTEM_ACTIONS` gives its source; the audit trail names it by ``label``."""
    return Actor(org_id, label=label or source.value, system=source)


def require(actor: Actor, action: Action) -> None:
    if not actor.allowed(action):
        if actor.api_key_id:
            who = "this API key's scopes do"
        elif actor.system is not None:
            who = f"a {actor.system.value} does"
        else:
            who = "your role does"
        raise Forbidden(f"{who} not allow {action.value}")


def require_rank(actor: Actor, role: Role) -> None:
    """An actor may only grant, change or remove roles up to its own."""
    if actor.role is None or RANK[role] > RANK[actor.role]:
        raise Forbidden(f"only an owner can grant or change the {role.value} role")


Body = TypeVar("Body", bound=BaseModel)


def parse_input(model: type[Body], data: Body | dict[str, Any]) -> Body:
    """A create/update body as its model: unknown fields (id, org_id, role…) are refused,
    and so is text that cannot be stored (NUL, lone surrogates), naming the field."""
    try:
        check_data(data.model_dump() if isinstance(data, BaseModel) else data)
    except UnsafeInput as exc:
        location = format_location(exc.location)
        raise InvalidInput(f"{_field_label(model, location)} {exc.message}.") from None
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # One sentence per problem, naming the field as the form labels it: these
        # messages are shown as they are by the pages and returned by the API.
        problems = [
            f"{_field_label(model, path)} {message}." for path, message in validation_messages(exc)
        ]
        raise InvalidInput(" ".join(problems)) from None


def _field_label(model: type[BaseModel], path: str) -> str:
    """A field of the form as it is labelled: its written title, or its key in words
    (``monthly_limit_usd`` -> "Monthly limit (USD)"), followed by the rest of a nested
    path (``Scopes[0]``). A key the model does not have is named as it was sent
    (``org_id is not a known field``)."""
    if not path:
        return "The request"
    name = re.split(r"[.\[]", path, maxsplit=1)[0]
    field = model.model_fields.get(name)
    if field is None:
        return path
    rest = path[len(name) :]
    if field.title:
        return field.title + rest
    words = name
    for suffix, unit in (("_usd", " (USD)"), ("_s", " (s)")):
        if words.endswith(suffix):
            words = words.removesuffix(suffix) + unit
    words = words.replace("_", " ")
    return words[:1].upper() + words[1:] + rest
