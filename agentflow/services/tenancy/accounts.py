"""Sign-up, login, sessions and password reset.

Passwords are hashed with argon2id. A session is a random token kept by the
browser (HttpOnly cookie) and stored here only as its SHA-256. Failed logins are
limited per account and per IP in Redis; a locked attempt says so (with the
seconds to wait) in the same way whether or not the account exists. A reset token
is delivered through a :class:`Sender` (SMTP, or the server log) and never returned.
There is no auto-login and no default account.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import Membership, PasswordReset, User, UserSession
from agentflow.db.engine import session_scope
from agentflow.db.models import Organization, utcnow
from agentflow.errors import AgentFlowError, Forbidden, InvalidInput, NotFound
from agentflow.services.delivery.mail import Sender, default_sender
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Actor, Role, parse_input
from agentflow.services.tenancy.rate_limit import limiter
from agentflow.settings import Settings, get_settings

log = logging.getLogger(__name__)
MIN_PASSWORD = 8
MAX_PASSWORD = 256
RESET_PATH = "/reset-password"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class AccountError(AgentFlowError):
    type = "account"


class EmailTaken(AccountError):
    type = "email_taken"

    def __init__(self) -> None:
        super().__init__("an account with this email already exists")


class InvalidCredentials(AccountError):
    type = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("the email or the password is incorrect")


class LoginLocked(AccountError):
    type = "login_locked"

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many failed attempts: try again in {retry_after_s} seconds")


class InvalidToken(AccountError):
    type = "invalid_token"

    def __init__(self) -> None:
        super().__init__("this link is invalid, already used or expired")


class OrgNotFound(NotFound):
    what = "organisation"


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str
    name: str = Field(default="", max_length=200)
    org_name: str = Field(default="", max_length=200)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise InvalidInput("enter a valid email address")
    return cleaned


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"passwords are {MIN_PASSWORD} to {MAX_PASSWORD} characters long")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def org_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "org"
    return f"{base}-{secrets.token_hex(4)}"


def sign_up(
    database_url: str, data: SignUp | dict[str, object], *, ip: str = "", user_agent: str = ""
) -> tuple[uuid.UUID, uuid.UUID]:
    """Create the user, their organisation and the owner membership: (user_id, org_id)."""
    form = parse_sign_up(data)
    return create_account(
        database_url,
        email=form.email,
        name=form.name,
        org_name=form.org_name,
        password_hash=hash_password(form.password),
        ip=ip,
        user_agent=user_agent,
    )


def parse_sign_up(data: SignUp | dict[str, object]) -> SignUp:
    """The sign-up form, checked: a valid address (normalised) and password length."""
    form = parse_input(SignUp, data)
    email = normalize_email(form.email)
    _check_password(form.password)
    return form.model_copy(update={"email": email})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def account_exists(database_url: str, email: str) -> bool:
    with session_scope(database_url) as session:
        found = session.execute(select(col(User.id)).where(col(User.email) == email)).first()
    return found is not None


def create_account(
    database_url: str,
    *,
    email: str,
    name: str,
    org_name: str,
    password_hash: str,
    ip: str = "",
    user_agent: str = "",
) -> tuple[uuid.UUID, uuid.UUID]:
    """The user (``email`` already normalised, the password already hashed), their
    organisation and the owner membership: (user_id, org_id). EmailTaken if it exists."""
    name = " ".join(name.split())
    org_name = " ".join(org_name.split()) or f"{name or email.split('@')[0]}'s workspace"
    user = User(email=email, name=name, password_hash=password_hash)
    org = Organization(name=org_name[:200], slug=org_slug(org_name))
    user_id, org_id = user.id, org.id
    try:
        with session_scope(database_url) as session:
            if session.execute(select(col(User.id)).where(col(User.email) == email)).first():
                raise EmailTaken()
            session.add_all([user, org])
            session.flush()
            session.add(Membership(org_id=org.id, user_id=user.id, role=Role.OWNER))
            actor = Actor(org.id, user.id, Role.OWNER, label=email, ip=ip, user_agent=user_agent)
            audit.record(session, actor, "account.sign_up", target_type="user", target_id=user.id)
    except IntegrityError:  # a concurrent sign-up with the same address won
        raise EmailTaken() from None
    return user_id, org_id


def login(
    database_url: str,
    redis_url: str,
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str = "",
    settings: Settings | None = None,
) -> NewSession:
    """Check the password and open a session, within the failed-attempt limits."""
    settings = settings or get_settings()
    email = email.strip().lower()
    rate = limiter(redis_url)
    window = settings.login_window_s
    account_key = f"login:account:{hash_token(email)}"
    ip_key = f"login:ip:{ip or 'unknown'}"
    # Count the attempt before checking it, so parallel guesses cannot pass together.
    by_account = rate.allow(account_key, settings.login_max_failures_per_account, window)
    by_ip = rate.allow(ip_key, settings.login_max_failures_per_ip, window)
    if not (by_account.allowed and by_ip.allowed):
        for key, decision in ((account_key, by_account), (ip_key, by_ip)):
            if decision.allowed:
                rate.refund(key)
        refused = [d.reset_s for d in (by_account, by_ip) if not d.allowed]
        raise LoginLocked(max(1, *refused))
    with session_scope(database_url) as session:
        user = session.execute(select(User).where(col(User.email) == email)).scalars().first()
        # Unknown addresses cost one argon2 verification too: no timing difference.
        valid = _verify(user.password_hash if user else _dummy_hash(), password[:MAX_PASSWORD])
        valid = valid and len(password) <= MAX_PASSWORD
        if user is None or not valid:
            log.info("failed login attempt from %s", ip or "unknown address")
            raise InvalidCredentials()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user_id = user.id
    rate.reset(account_key)
    rate.refund(ip_key)
    new = create_session(database_url, user_id, ip=ip, user_agent=user_agent, settings=settings)
    if new.org_id is not None:
        actor = Actor(new.org_id, user_id, label=email, ip=ip, user_agent=user_agent)
        audit.record(database_url, actor, "account.login", target_type="user", target_id=user_id)
    return new


def request_password_reset(
    database_url: str,
    email: str,
    *,
    sender: Sender | None = None,
    settings: Settings | None = None,
) -> None:
    """Send a single-use reset link if the account exists. Says nothing either way."""
    settings = settings or get_settings()
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    with session_scope(database_url) as session:
        user_id = session.execute(select(col(User.id)).where(col(User.email) == email)).scalar()
        if user_id is None:
            return
        expires = utcnow() + timedelta(seconds=settings.password_reset_ttl_s)
        session.add(
            PasswordReset(user_id=user_id, token_hash=hash_token(token), expires_at=expires)
        )
    link = f"{settings.base_url.rstrip('/')}{RESET_PATH}?token={token}"
    minutes = settings.password_reset_ttl_s // 60
    body = (
        f"Someone asked to reset the password of your AgentFlow account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is."
    )
    try:
        (sender or default_sender(settings)).send(email, "Reset your AgentFlow password", body)
    except Exception as exc:  # the caller must not learn whether the account exists
        log.error("could not send the password reset message: %s", type(exc).__name__)


def reset_password(database_url: str, token: str, new_password: str) -> None:
    """Use a reset token once: set the password and sign out every session of the user."""
    _check_password(new_password)
    now = utcnow()
    with session_scope(database_url) as session:
        user_id = session.execute(
            update(PasswordReset)
            .where(col(PasswordReset.token_hash) == hash_token(token))
            .where(col(PasswordReset.used_at).is_(None))
            .where(col(PasswordReset.expires_at) > now)
            .values(used_at=now)
            .returning(col(PasswordReset.user_id))
        ).scalar()
        if user_id is None:
            raise InvalidToken()
        user = session.get(User, user_id, with_for_update=True)
        assert user is not None
        user.password_hash = _hasher.hash(new_password)
        user.password_changed_at = now
        # Other outstanding links of this user stop working, and so do its sessions.
        session.execute(
            update(PasswordReset)
            .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
            .values(used_at=now)
        )
        session.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
        orgs = session.execute(
            select(col(Membership.org_id)).where(col(Membership.user_id) == user_id)
        ).scalars()
        for org_id in orgs:
            actor = Actor(org_id, user_id, label=user.email)
            audit.record(
                session, actor, "account.password_reset", target_type="user", target_id=user_id
            )


# Sessions ---------------------------------------------------------------------------

SESSION_TOUCH_S = 60  # last_seen_at is written at most once a minute per session


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie only: never logged, stored as its SHA-256
    user_id: uuid.UUID
    org_id: uuid.UUID | None
    expires_at: datetime


@dataclass(frozen=True)
class SessionUser:
    session_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    name: str
    org_id: uuid.UUID | None  # the active organisation, None when the user has none
    org_name: str
    role: Role | None
    expires_at: datetime

    def actor(self, *, ip: str = "", user_agent: str = "") -> Actor:
        if self.org_id is None or self.role is None:
            raise Forbidden("you are not a member of any organisation")
        return Actor(
            self.org_id, self.user_id, self.role, label=self.email, ip=ip, user_agent=user_agent
        )


def _membership(
    session: Session, user_id: uuid.UUID, preferred: uuid.UUID | None
) -> tuple[Membership, Organization] | None:
    """The membership in ``preferred`` if it still exists, else the user's oldest one."""
    row = session.execute(
        select(Membership, Organization)
        .join(Organization, col(Organization.id) == col(Membership.org_id))
        .where(col(Membership.user_id) == user_id)
        .order_by((col(Membership.org_id) == preferred).desc(), col(Membership.created_at))
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def create_session(
    database_url: str,
    user_id: uuid.UUID,
    *,
    org_id: uuid.UUID | None = None,
    ip: str = "",
    user_agent: str = "",
    settings: Settings | None = None,
) -> NewSession:
    """Open a session for a user already authenticated (by :func:`login`)."""
    settings = settings or get_settings()
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=settings.session_ttl_s)
    with session_scope(database_url) as session:
        found = _membership(session, user_id, org_id)
        if org_id is not None and (found is None or found[0].org_id != org_id):
            raise OrgNotFound()
        active = found[0].org_id if found else None
        session.add(
            UserSession(
                token_hash=hash_token(token),
                user_id=user_id,
                org_id=active,
                ip=ip[:64],
                user_agent=user_agent[:500],
                expires_at=expires,
            )
        )
    return NewSession(token, user_id, active, expires)


def session_user(database_url: str, token: str) -> SessionUser | None:
    """The signed-in user and active organisation behind a cookie token; None if invalid."""
    if not token:
        return None
    now = utcnow()
    with session_scope(database_url) as session:
        row = session.execute(
            select(UserSession, User)
            .join(User, col(User.id) == col(UserSession.user_id))
            .where(col(UserSession.token_hash) == hash_token(token))
            .where(col(UserSession.expires_at) > now)
        ).first()
        if row is None:
            return None
        record, user = row
        found = _membership(session, user.id, record.org_id)
        org_id = found[0].org_id if found else None
        if record.org_id != org_id:  # removed from the active org: fall back to another
            record.org_id = org_id
        if (now - record.last_seen_at).total_seconds() > SESSION_TOUCH_S:
            record.last_seen_at = now
        return SessionUser(
            session_id=record.id,
            user_id=user.id,
            email=user.email,
            name=user.name,
            org_id=org_id,
            org_name=found[1].name if found else "",
            role=Role(found[0].role) if found else None,
            expires_at=record.expires_at,
        )


def end_session(database_url: str, token: str, *, ip: str = "", user_agent: str = "") -> None:
    """Log out: the session row is deleted, so the token is worthless from now on."""
    current = session_user(database_url, token)
    with session_scope(database_url) as session:
        session.execute(delete(UserSession).where(col(UserSession.token_hash) == hash_token(token)))
        if current is not None and current.org_id is not None:
            actor = current.actor(ip=ip, user_agent=user_agent)
            audit.record(
                session, actor, "account.logout", target_type="user", target_id=actor.user_id
            )
