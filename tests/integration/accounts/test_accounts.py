"""Sign-up, login, logout, sessions, login limits and password reset."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.errors import InvalidInput
from agentflow.services.tenancy import accounts
from agentflow.services.tenancy.accounts import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    LoginLocked,
)
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings

from .conftest import PASSWORD, Outbox, Person


def _sql(database_url: str, statement: str, **params: object) -> None:
    with get_engine(database_url).begin() as connection:
        connection.execute(text(statement), params)


def test_sign_up_creates_user_org_and_owner_membership(clean_db: str) -> None:
    user_id, org_id = accounts.sign_up(
        clean_db, {"email": "  Ada@Example.COM ", "password": PASSWORD, "name": "Ada"}
    )
    with get_engine(clean_db).connect() as connection:
        email, password_hash = connection.execute(
            text("SELECT email, password_hash FROM users WHERE id = :id"), {"id": user_id}
        ).one()
        role = connection.execute(
            text("SELECT role FROM memberships WHERE user_id = :u AND org_id = :o"),
            {"u": user_id, "o": org_id},
        ).scalar_one()
        org_name = connection.execute(
            text("SELECT name FROM organizations WHERE id = :id"), {"id": org_id}
        ).scalar_one()
    assert email == "ada@example.com"
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert role == Role.OWNER
    assert org_name == "Ada's workspace"


def test_sign_up_refuses_a_taken_email_weak_password_and_bad_address(
    alice: Person, clean_db: str
) -> None:
    with pytest.raises(EmailTaken):
        accounts.sign_up(clean_db, {"email": alice.email.upper(), "password": PASSWORD})
    with pytest.raises(InvalidInput, match="8 to 256"):
        accounts.sign_up(clean_db, {"email": "new@example.com", "password": "short"})
    with pytest.raises(InvalidInput, match="valid email"):
        accounts.sign_up(clean_db, {"email": "not an address", "password": PASSWORD})


def test_login_session_and_logout(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    new = accounts.login(
        clean_db, clean_redis, alice.email, PASSWORD, ip="192.0.2.1", settings=settings
    )
    assert new.org_id == alice.org_id and len(new.token) >= 40
    current = accounts.session_user(clean_db, new.token)
    assert current is not None
    assert (current.user_id, current.org_id, current.role) == (alice.user_id, alice.org_id, "owner")
    actor = current.actor(ip="192.0.2.1", user_agent="pytest")
    assert actor.org_id == alice.org_id and actor.role is Role.OWNER
    with get_engine(clean_db).connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM sessions")).scalars().all()
    assert stored == [accounts.hash_token(new.token)]  # only the hash is kept
    accounts.end_session(clean_db, new.token)
    assert accounts.session_user(clean_db, new.token) is None
    assert accounts.session_user(clean_db, "") is None
    assert accounts.session_user(clean_db, "made-up-token") is None


def test_an_expired_session_is_refused(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    new = accounts.login(
        clean_db, clean_redis, alice.email, PASSWORD, ip="192.0.2.1", settings=settings
    )
    lifetime = new.expires_at - datetime.now(UTC)
    assert abs(lifetime.total_seconds() - settings.session_ttl_s) < 60
    assert accounts.session_user(clean_db, new.token) is not None
    _sql(clean_db, "UPDATE sessions SET expires_at = now() - interval '1 second'")
    assert accounts.session_user(clean_db, new.token) is None


def test_wrong_password_and_unknown_account_fail_the_same_way(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    with pytest.raises(InvalidCredentials) as wrong:
        accounts.login(
            clean_db, clean_redis, alice.email, "wrong password", ip="192.0.2.1", settings=settings
        )
    with pytest.raises(InvalidCredentials) as unknown:
        accounts.login(
            clean_db, clean_redis, "nobody@example.com", PASSWORD, ip="192.0.2.1", settings=settings
        )
    assert wrong.value.message == unknown.value.message


def test_account_is_locked_after_five_failures_without_revealing_existence(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    errors = {}
    for email in (alice.email, "ghost@example.com"):
        for attempt in range(5):
            with pytest.raises(InvalidCredentials):
                accounts.login(
                    clean_db,
                    clean_redis,
                    email,
                    "bad guess",
                    ip=f"198.51.100.{attempt}",
                    settings=settings,
                )
        with pytest.raises(LoginLocked) as locked:
            accounts.login(
                clean_db, clean_redis, email, "bad guess", ip="198.51.100.77", settings=settings
            )
        errors[email] = locked.value
    real, ghost = errors[alice.email], errors["ghost@example.com"]
    assert type(real) is type(ghost)
    assert 0 < real.retry_after_s <= settings.login_window_s
    assert abs(real.retry_after_s - ghost.retry_after_s) <= 2
    assert real.message.replace(str(real.retry_after_s), "N") == ghost.message.replace(
        str(ghost.retry_after_s), "N"
    )
    # Even the right password is refused while the account is locked.
    with pytest.raises(LoginLocked):
        accounts.login(
            clean_db, clean_redis, alice.email, PASSWORD, ip="203.0.113.5", settings=settings
        )


def test_success_clears_the_account_counter(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            accounts.login(
                clean_db, clean_redis, alice.email, "bad", ip="192.0.2.9", settings=settings
            )
    accounts.login(clean_db, clean_redis, alice.email, PASSWORD, ip="192.0.2.9", settings=settings)
    for _ in range(4):  # four more failures do not lock: the count started again
        with pytest.raises(InvalidCredentials):
            accounts.login(
                clean_db, clean_redis, alice.email, "bad", ip="192.0.2.9", settings=settings
            )


def test_one_ip_is_locked_after_twenty_failures_across_accounts(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings
) -> None:
    for attempt in range(20):
        with pytest.raises(InvalidCredentials):
            accounts.login(
                clean_db,
                clean_redis,
                f"spray{attempt}@example.com",
                "guess",
                ip="203.0.113.66",
                settings=settings,
            )
    with pytest.raises(LoginLocked) as locked:
        accounts.login(
            clean_db, clean_redis, alice.email, PASSWORD, ip="203.0.113.66", settings=settings
        )
    assert locked.value.retry_after_s > 0
    # Another address is unaffected, and the refused attempt did not count against alice.
    accounts.login(
        clean_db, clean_redis, alice.email, PASSWORD, ip="203.0.113.67", settings=settings
    )


def test_password_reset_is_sent_single_use_and_signs_out(
    alice: Person, clean_db: str, clean_redis: str, settings: Settings, outbox: Outbox
) -> None:
    old = accounts.login(
        clean_db, clean_redis, alice.email, PASSWORD, ip="192.0.2.1", settings=settings
    )
    result = accounts.request_password_reset(
        clean_db, alice.email, sender=outbox, settings=settings
    )
    assert result is None  # the token is only ever in the message
    assert [m.to for m in outbox.messages] == [alice.email]
    assert "https://agentflow.test/reset-password?token=" in outbox.messages[0].body
    token = outbox.token()
    accounts.reset_password(clean_db, token, "a brand new password")
    with pytest.raises(InvalidToken):
        accounts.reset_password(clean_db, token, "yet another password")
    assert accounts.session_user(clean_db, old.token) is None
    with pytest.raises(InvalidCredentials):
        accounts.login(
            clean_db, clean_redis, alice.email, PASSWORD, ip="192.0.2.1", settings=settings
        )
    accounts.login(
        clean_db,
        clean_redis,
        alice.email,
        "a brand new password",
        ip="192.0.2.1",
        settings=settings,
    )


def test_reset_token_expires(
    alice: Person, clean_db: str, settings: Settings, outbox: Outbox
) -> None:
    accounts.request_password_reset(clean_db, alice.email, sender=outbox, settings=settings)
    _sql(clean_db, "UPDATE password_resets SET expires_at = now() - interval '1 second'")
    with pytest.raises(InvalidToken):
        accounts.reset_password(clean_db, outbox.token(), "a brand new password")


def test_reset_for_unknown_email_sends_nothing_and_says_nothing(
    clean_db: str, settings: Settings, outbox: Outbox
) -> None:
    assert (
        accounts.request_password_reset(
            clean_db, "nobody@example.com", sender=outbox, settings=settings
        )
        is None
    )
    assert outbox.messages == []


def test_without_smtp_the_reset_link_goes_to_the_log(
    alice: Person, clean_db: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    assert settings.smtp_url is None
    with caplog.at_level(logging.WARNING, logger="agentflow.mail"):
        accounts.request_password_reset(clean_db, alice.email, settings=settings)
    assert "reset-password?token=" in caplog.text and alice.email in caplog.text


def test_create_session_only_in_an_org_the_user_belongs_to(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    with pytest.raises(accounts.OrgNotFound):
        accounts.create_session(clean_db, alice.user_id, org_id=bob.org_id, settings=settings)
    with pytest.raises(accounts.OrgNotFound):
        accounts.create_session(clean_db, alice.user_id, org_id=uuid.uuid4(), settings=settings)


def test_there_is_no_default_account(clean_db: str) -> None:
    with get_engine(clean_db).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM memberships")).scalar_one() == 0
