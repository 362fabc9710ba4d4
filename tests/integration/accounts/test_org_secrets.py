"""Organisation secrets: AES-GCM at rest, bound to their org, names only in lists."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.errors import InvalidInput
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.secrets import SecretExists, SecretInfo, SecretUnreadable
from agentflow.settings import Settings

from .conftest import Person

VALUE = "sk-live-0123456789abcdef"


def test_round_trip_and_names_only_in_lists(
    alice: Person, clean_db: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    owner = alice.actor()
    caplog.set_level(logging.DEBUG)
    org_secrets.create_secret(
        clean_db, owner, {"name": "OPENAI_API_KEY", "value": VALUE}, settings=settings
    )
    org_secrets.create_secret(clean_db, owner, {"name": "A", "value": "abcd"}, settings=settings)
    listed = org_secrets.list_secrets(clean_db, owner)
    assert [s.name for s in listed] == ["A", "OPENAI_API_KEY"]
    assert set(SecretInfo.__dataclass_fields__) == {"name", "created_at", "updated_at"}
    values = org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings)
    assert values == {"OPENAI_API_KEY": VALUE, "A": "abcd"}
    org_secrets.update_secret(clean_db, owner, "A", {"value": "efgh"}, settings=settings)
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings)["A"] == "efgh"
    org_secrets.delete_secret(clean_db, owner, "A")
    assert [s.name for s in org_secrets.list_secrets(clean_db, owner)] == ["OPENAI_API_KEY"]
    assert VALUE not in caplog.text
    with get_engine(clean_db).connect() as connection:
        nonce, ciphertext = connection.execute(
            text("SELECT nonce, ciphertext FROM org_secrets")
        ).one()
    assert len(nonce) == 12 and VALUE.encode() not in bytes(ciphertext)


def test_each_encryption_uses_a_fresh_nonce(alice: Person, settings: Settings) -> None:
    first = org_secrets.encrypt(alice.org_id, "X", VALUE, settings=settings)
    second = org_secrets.encrypt(alice.org_id, "X", VALUE, settings=settings)
    assert first[0] != second[0] and first[1] != second[1]


def test_tampered_ciphertext_fails_to_decrypt(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "TOKEN", "value": VALUE}, settings=settings
    )
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text(
                "UPDATE org_secrets SET ciphertext = overlay(ciphertext placing "
                "decode(lpad(to_hex(get_byte(ciphertext, 0) # 1), 2, '0'), 'hex') from 1 for 1)"
            )
        )
    with pytest.raises(SecretUnreadable, match="TOKEN"):
        org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings)


def test_a_ciphertext_moved_to_another_org_fails_to_decrypt(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "TOKEN", "value": VALUE}, settings=settings
    )
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO org_secrets "
                "(id, org_id, name, nonce, ciphertext, created_at, updated_at) "
                "SELECT gen_random_uuid(), :bob, name, nonce, ciphertext, now(), now() "
                "FROM org_secrets WHERE org_id = :alice"
            ),
            {"bob": bob.org_id, "alice": alice.org_id},
        )
    with pytest.raises(SecretUnreadable):
        org_secrets.secrets_for_run(clean_db, bob.org_id, settings=settings)
    assert org_secrets.secrets_for_run(clean_db, alice.org_id, settings=settings) == {
        "TOKEN": VALUE
    }


def test_another_server_secret_cannot_decrypt(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "TOKEN", "value": VALUE}, settings=settings
    )
    other = settings.model_copy(update={"secret_key": "another-secret-key-" + "y" * 40})
    with pytest.raises(SecretUnreadable):
        org_secrets.secrets_for_run(clean_db, alice.org_id, settings=other)


@pytest.mark.parametrize("name", ["lower", "1ABC", "_ABC", "WITH-DASH", "A" * 65, "", "ÄBC", "A B"])
def test_names_are_validated(name: str, alice: Person, clean_db: str, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="uppercase letter"):
        org_secrets.create_secret(
            clean_db, alice.actor(), {"name": name, "value": VALUE}, settings=settings
        )


def test_short_values_and_duplicates_are_refused(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    with pytest.raises(InvalidInput, match=r"at least 4 characters.*masked"):
        org_secrets.create_secret(
            clean_db, owner, {"name": "PIN", "value": "123"}, settings=settings
        )
    org_secrets.create_secret(clean_db, owner, {"name": "PIN", "value": "1234"}, settings=settings)
    with pytest.raises(SecretExists):
        org_secrets.create_secret(
            clean_db, owner, {"name": "PIN", "value": "5678"}, settings=settings
        )
    with pytest.raises(InvalidInput, match="masked"):
        org_secrets.update_secret(clean_db, owner, "PIN", {"value": "12"}, settings=settings)
