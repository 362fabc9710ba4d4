"""Organisation secrets (``env.NAME`` in workflows), encrypted at rest with AES-GCM.

The key is derived from the server secret with HKDF-SHA256 and a fixed label;
each encryption uses a fresh random 96-bit nonce; the associated data is the
organisation id and the secret's name, so a ciphertext copied to another org (or
to another name) fails to decrypt. Values are never logged, never returned to
people (only names are listed) and reach the engine through :func:`secrets_for_run`,
whose result the engine masks in everything it records.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import OrgSecret
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.tenancy import get_owned
from agentflow.engine.masking import MIN_MASKED_LENGTH
from agentflow.errors import AgentFlowError, InvalidInput, NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require
from agentflow.settings import Settings, get_settings, resolve_secret_key

NAME_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
MAX_VALUE_LENGTH = 64 * 1024
KDF_LABEL = b"agentflow/org-secrets/aes-gcm/v1"
NONCE_BYTES = 12


class SecretNotFound(NotFound):
    what = "secret"


class SecretExists(InvalidInput):
    def __init__(self) -> None:
        super().__init__("a secret with this name already exists: update it instead")


class SecretUnreadable(AgentFlowError):
    """Decryption failed: the data was altered or moved, or the server secret changed."""

    type = "secret_unreadable"

    def __init__(self, name: str) -> None:
        super().__init__(f"the secret {name} cannot be decrypted")


class SecretInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str  # checked against NAME_PATTERN, with a message that shows the rule
    value: str


class SecretValueInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str


@dataclass(frozen=True)
class SecretInfo:
    name: str
    created_at: datetime
    updated_at: datetime


def _cipher(settings: Settings | None) -> AESGCM:
    secret = resolve_secret_key(settings or get_settings()).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KDF_LABEL).derive(secret)
    return AESGCM(key)


def _associated(org_id: uuid.UUID, name: str) -> bytes:
    return org_id.bytes + b"\x00" + name.encode()


def encrypt(
    org_id: uuid.UUID, name: str, value: str, *, settings: Settings | None = None
) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return nonce, _cipher(settings).encrypt(nonce, value.encode(), _associated(org_id, name))


def decrypt(
    org_id: uuid.UUID,
    name: str,
    nonce: bytes,
    ciphertext: bytes,
    *,
    settings: Settings | None = None,
) -> str:
    try:
        plain = _cipher(settings).decrypt(nonce, ciphertext, _associated(org_id, name))
    except InvalidTag:
        raise SecretUnreadable(name) from None
    return plain.decode()


def _check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            "secret names start with an uppercase letter, followed by up to 63 uppercase "
            "letters, digits or underscores (for example OPENAI_API_KEY)"
        )
    return name


def _check_value(value: str) -> str:
    if len(value) < MIN_MASKED_LENGTH:
        raise InvalidInput(
            f"secret values need at least {MIN_MASKED_LENGTH} characters: shorter ones "
            "could not be masked in run records and logs"
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidInput(f"secret values are at most {MAX_VALUE_LENGTH} characters")
    return value


def _info(row: OrgSecret) -> SecretInfo:
    return SecretInfo(row.name, row.created_at, row.updated_at)


def create_secret(
    database_url: str,
    actor: Actor,
    data: SecretInput | dict[str, object],
    *,
    settings: Settings | None = None,
) -> SecretInfo:
    require(actor, Action.SECRET_WRITE)
    form = parse_input(SecretInput, data)
    name, value = _check_name(form.name), _check_value(form.value)
    nonce, ciphertext = encrypt(actor.org_id, name, value, settings=settings)
    row = OrgSecret(org_id=actor.org_id, name=name, nonce=nonce, ciphertext=ciphertext)
    try:
        with session_scope(database_url) as session:
            if get_owned(session, OrgSecret, org_id=actor.org_id, name=name) is not None:
                raise SecretExists()
            session.add(row)
            audit.record(session, actor, "secret.create", target_type="secret", target_id=name)
            session.flush()
            return _info(row)
    except IntegrityError:  # created concurrently under the same name
        raise SecretExists() from None


def update_secret(
    database_url: str,
    actor: Actor,
    name: str,
    data: SecretValueInput | dict[str, object],
    *,
    settings: Settings | None = None,
) -> SecretInfo:
    require(actor, Action.SECRET_WRITE)
    value = _check_value(parse_input(SecretValueInput, data).value)
    with session_scope(database_url) as session:
        row = get_owned(session, OrgSecret, org_id=actor.org_id, name=name, for_update=True)
        if row is None:
            raise SecretNotFound()
        row.nonce, row.ciphertext = encrypt(actor.org_id, name, value, settings=settings)
        row.updated_at = utcnow()
        audit.record(session, actor, "secret.update", target_type="secret", target_id=name)
        return _info(row)


def delete_secret(database_url: str, actor: Actor, name: str) -> None:
    require(actor, Action.SECRET_WRITE)
    with session_scope(database_url) as session:
        row = get_owned(session, OrgSecret, org_id=actor.org_id, name=name)
        if row is None:
            raise SecretNotFound()
        session.delete(row)
        audit.record(session, actor, "secret.delete", target_type="secret", target_id=name)


def put_secret(
    session: Session,
    actor: Actor,
    name: str,
    value: str,
    *,
    settings: Settings | None = None,
) -> None:
    """Create or replace ``name`` in the caller's transaction, audited like the forms'.

    For use cases that keep a value as a secret on their own behalf (a model
    provider's key); the caller has checked the actor's permission.
    """
    name, value = _check_name(name), _check_value(value)
    nonce, ciphertext = encrypt(actor.org_id, name, value, settings=settings)
    row = get_owned(session, OrgSecret, org_id=actor.org_id, name=name, for_update=True)
    if row is None:
        session.add(OrgSecret(org_id=actor.org_id, name=name, nonce=nonce, ciphertext=ciphertext))
        action = "secret.create"
    else:
        row.nonce, row.ciphertext, row.updated_at = nonce, ciphertext, utcnow()
        action = "secret.update"
    audit.record(session, actor, action, target_type="secret", target_id=name)


def list_secrets(database_url: str, actor: Actor) -> list[SecretInfo]:
    """Names and dates only: values never leave the server except into a run."""
    require(actor, Action.SECRET_READ_NAMES)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(OrgSecret)
            .where(col(OrgSecret.org_id) == actor.org_id)
            .order_by(col(OrgSecret.name))
        ).scalars()
        return [_info(row) for row in rows]


def secrets_for_run(
    database_url: str, org_id: uuid.UUID, *, settings: Settings | None = None
) -> dict[str, str]:
    """Every secret of the organisation, name → value, for the engine's ``env``.

    For the worker only (it runs an org's run on the org's behalf): never log or
    return the result to a person; pass it to the run, which masks the values.
    """
    with session_scope(database_url) as session:
        rows = session.execute(select(OrgSecret).where(col(OrgSecret.org_id) == org_id)).scalars()
        return {
            row.name: decrypt(org_id, row.name, row.nonce, row.ciphertext, settings=settings)
            for row in rows
        }
