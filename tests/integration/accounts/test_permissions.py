"""The permission matrix: one test per role per action, through the services."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentflow.errors import Forbidden
from agentflow.services.providers.setup import enable_provider
from agentflow.services.tenancy import api_keys, audit, organizations
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import ROLE_ACTIONS, Action, Actor, Role, require
from agentflow.services.triggers import webhooks
from agentflow.services.workflows import management as workflows
from agentflow.settings import Settings

from .conftest import Person, join, sign_up

# The matrix as specified: action → the roles allowed (Owner, Admin, Editor, Viewer).
EXPECTED = {
    "workflow.read": "OAEV",
    "workflow.write": "OAE",
    "workflow.delete": "OAE",
    "workflow.publish": "OAE",
    "run.read": "OAEV",
    "run.start": "OAE",
    "run.cancel": "OAE",
    "run.approve": "OAE",
    "member.read": "OAEV",
    "member.invite": "OA",
    "member.remove": "OA",
    "member.change_role": "OA",
    "api_key.manage": "OA",
    "secret.read_names": "OAE",
    "secret.write": "OA",
    "audit.read": "OA",
    "org.update": "OA",
    "template.publish": "OAE",
    "template.review": "OAEV",
    "schedule.manage": "OAE",
    "event_subscription.manage": "OA",
    "notification.read": "OAEV",
    "analytics.read": "OAEV",
    "alert.manage": "OAE",
    "budget.manage": "OA",
    "webhook.manage": "OAE",
    "model_provider.manage": "OA",
}
LETTER = {Role.OWNER: "O", Role.ADMIN: "A", Role.EDITOR: "E", Role.VIEWER: "V"}


def test_the_matrix_names_every_action_and_every_role() -> None:
    assert set(EXPECTED) == {action.value for action in Action}
    assert set(ROLE_ACTIONS) == set(Role)
    named = set().union(*ROLE_ACTIONS.values())
    assert named <= set(Action)


Case = Callable[[str, Actor, Person, Settings], object]


def _enforced_by_services() -> dict[Action, Case]:
    # Actions whose services exist here; workflow.* and run.* services adopt actors
    # later, so for them the test checks require() itself.
    return {
        Action.MEMBER_READ: lambda db, actor, target, s: organizations.list_members(db, actor),
        Action.MEMBER_INVITE: lambda db, actor, target, s: organizations.invite(
            db, actor, {"role": "viewer"}, settings=s
        ),
        Action.MEMBER_REMOVE: lambda db, actor, target, s: organizations.remove_member(
            db, actor, target.user_id
        ),
        Action.MEMBER_CHANGE_ROLE: lambda db, actor, target, s: organizations.change_role(
            db, actor, target.user_id, {"role": "viewer"}
        ),
        Action.API_KEY_MANAGE: lambda db, actor, target, s: api_keys.create_api_key(
            db, actor, {"name": "ci", "scopes": ["read"]}
        ),
        Action.SECRET_READ_NAMES: lambda db, actor, target, s: org_secrets.list_secrets(db, actor),
        Action.SECRET_WRITE: lambda db, actor, target, s: org_secrets.create_secret(
            db, actor, {"name": "TOKEN", "value": "s3cret-value"}, settings=s
        ),
        Action.AUDIT_READ: lambda db, actor, target, s: audit.query(db, actor),
        Action.ORG_UPDATE: lambda db, actor, target, s: organizations.update_org(
            db, actor, {"name": "Renamed"}
        ),
        Action.MODEL_PROVIDER_MANAGE: lambda db, actor, target, s: enable_provider(
            db, actor, "openai", {"api_key": "sk-matrix-key-0123"}, settings=s
        ),
        Action.WEBHOOK_MANAGE: lambda db, actor, target, s: webhooks.rotate(
            db, actor, workflows.create_workflow(db, "hooked", org_id=actor.org_id)
        ),
    }


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_action(
    role: Role, action: Action, alice: Person, clean_db: str, settings: Settings
) -> None:
    member = sign_up(clean_db, "member")
    actor = join(clean_db, alice, member, role, settings) if role is not Role.OWNER else None
    actor = actor or alice.actor()
    target = sign_up(clean_db, "target")
    join(clean_db, alice, target, Role.VIEWER, settings)
    allowed = LETTER[role] in EXPECTED[action.value]
    case = _enforced_by_services().get(action)

    def attempt() -> None:
        if case is None:
            require(actor, action)
        else:
            case(clean_db, actor, target, settings)

    if allowed:
        attempt()
    else:
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert action.value in refused.value.message
