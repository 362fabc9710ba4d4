"""API keys: shown once, stored hashed, verified in constant time, scoped, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.errors import Forbidden, InvalidInput
from agentflow.services.tenancy import api_keys
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.api_keys import InvalidApiKey
from agentflow.services.tenancy.permissions import Action, Scope

from .conftest import Person

KEY_FORMAT = re.compile(r"af_[a-z0-9]{12}_[A-Za-z0-9]{40}")

SCOPES = {
    Scope.READ: {
        Action.WORKFLOW_READ,
        Action.RUN_READ,
        Action.ANALYTICS_READ,
        Action.NOTIFICATION_READ,
    },
    Scope.RUN: {Action.RUN_START, Action.RUN_CANCEL, Action.RUN_APPROVE},
    Scope.WRITE: {
        Action.WORKFLOW_WRITE,
        Action.WORKFLOW_DELETE,
        Action.WORKFLOW_PUBLISH,
        Action.TEMPLATE_PUBLISH,
        Action.WEBHOOK_MANAGE,
        Action.SCHEDULE_MANAGE,
    },
}


def test_create_list_verify_and_revoke(alice: Person, clean_db: str) -> None:
    owner = alice.actor()
    new = api_keys.create_api_key(clean_db, owner, {"name": "CI", "scopes": ["run", "read"]})
    assert KEY_FORMAT.fullmatch(new.key) and new.key.split("_")[1] == new.info.prefix
    listed = api_keys.list_api_keys(clean_db, owner)
    assert [(k.id, k.prefix, k.scopes, k.last_used_at) for k in listed] == [
        (new.info.id, new.info.prefix, [Scope.READ, Scope.RUN], None)
    ]
    assert not hasattr(listed[0], "key")
    with get_engine(clean_db).connect() as connection:
        stored = connection.execute(text("SELECT secret_hash FROM api_keys")).scalar_one()
    assert stored == hashlib.sha256(new.key.encode()).hexdigest()

    actor = api_keys.verify_api_key(clean_db, new.key, ip="192.0.2.4")
    assert (actor.org_id, actor.api_key_id, actor.user_id) == (alice.org_id, new.info.id, None)
    assert actor.scopes == {Scope.READ, Scope.RUN}
    assert api_keys.list_api_keys(clean_db, owner)[0].last_used_at is not None

    api_keys.revoke_api_key(clean_db, owner, new.info.id)
    with pytest.raises(InvalidApiKey):
        api_keys.verify_api_key(clean_db, new.key)
    assert api_keys.list_api_keys(clean_db, owner)[0].revoked_at is not None


def test_wrong_keys_are_refused_with_one_error(alice: Person, clean_db: str) -> None:
    key = api_keys.create_api_key(clean_db, alice.actor(), {"name": "x", "scopes": ["read"]}).key
    last = key[-1]
    wrong = [
        key[:-1] + ("a" if last != "a" else "b"),  # same prefix, one character off
        key[:-1],  # right prefix, shorter secret
        key + "0",  # right prefix, longer secret
        "af_" + "z" * 12 + "_" + key.split("_")[2],  # unknown prefix, right secret
        key.replace("af_", "xx_", 1),
        "af_short_secret",
        "",
        "Bearer " + key,
    ]
    messages = set()
    for candidate in wrong:
        with pytest.raises(InvalidApiKey) as refused:
            api_keys.verify_api_key(clean_db, candidate)
        messages.add(refused.value.message)
    assert messages == {"invalid API key"}
    api_keys.verify_api_key(clean_db, key)


@pytest.mark.parametrize("scope", list(Scope), ids=lambda s: s.value)
def test_a_key_acts_with_its_scopes_only(scope: Scope, alice: Person, clean_db: str) -> None:
    key = api_keys.create_api_key(clean_db, alice.actor(), {"name": "s", "scopes": [scope]}).key
    actor = api_keys.verify_api_key(clean_db, key)
    assert {action for action in Action if actor.allowed(action)} == SCOPES[scope]
    # Keys never manage keys, members or secrets, whatever their scopes.
    with pytest.raises(Forbidden, match="API key"):
        api_keys.list_api_keys(clean_db, actor)
    with pytest.raises(Forbidden):
        org_secrets.list_secrets(clean_db, actor)


def test_create_refuses_bad_input(alice: Person, clean_db: str) -> None:
    with pytest.raises(InvalidInput, match=r"^Scopes must have at least one entry\.$"):
        api_keys.create_api_key(clean_db, alice.actor(), {"name": "x", "scopes": []})
    with pytest.raises(InvalidInput, match=r"^Scopes"):
        api_keys.create_api_key(clean_db, alice.actor(), {"name": "x", "scopes": ["admin"]})
