"""Sign-up that does not tell who has an account: confirm by e-mail, then sign in.

The sign-up form answers the same way for every valid address ("check your
e-mail"), sets no cookie and takes about as long either way (the password is
hashed and one message is sent in both cases):

* a **new** address gets a link to finish creating the account. Until it is
  opened nothing exists: the request (address, names, the password's argon2
  hash, where to go next) waits in Redis under the SHA-256 of the link's
  token, for :data:`SIGN_UP_TTL_S`. Opening the link (:func:`finish_sign_up`)
  creates the user, their organisation and the owner membership, once;
* an **existing** address gets a message telling its owner that someone tried
  to sign up with it, with links to log in and to reset the password. Nothing
  changes.

Signing in at once for a new address would give the answer away (a cookie for
one, none for the other), so nobody is signed in by the form itself; the link
proves the address is theirs as a bonus. Messages go through a
:class:`~agentflow.services.delivery.mail.Sender` (SMTP, or the server log).
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache

import redis

from agentflow.services.delivery.mail import Sender, default_sender
from agentflow.services.tenancy import accounts
from agentflow.settings import Settings, get_settings

log = logging.getLogger(__name__)
FINISH_PATH = "/signup/finish"
SIGN_UP_TTL_S = 24 * 3600
_KEY_PREFIX = "agentflow:signup:"


@dataclass(frozen=True)
class FinishedSignUp:
    user_id: uuid.UUID
    org_id: uuid.UUID
    next_path: str  # where the person was going when they signed up


@lru_cache(maxsize=8)
def _client(redis_url: str) -> redis.Redis:
    """One connection pool per Redis URL per process."""
    return redis.Redis.from_url(redis_url)


def _key(token: str) -> str:
    return _KEY_PREFIX + accounts.hash_token(token)


def request_sign_up(
    database_url: str,
    redis_url: str,
    form: accounts.SignUp,
    *,
    next_path: str = "/",
    sender: Sender | None = None,
    settings: Settings | None = None,
) -> None:
    """Mail the address a link to finish signing up, or its owner a notice. Says nothing.

    ``form`` comes from :func:`accounts.parse_sign_up` (address normalised, password
    checked); invalid input is the caller's to refuse before this.
    """
    settings = settings or get_settings()
    base = settings.base_url.rstrip("/")
    # Hashed whether or not it is kept, so both answers take about as long.
    password_hash = accounts.hash_password(form.password)
    if accounts.account_exists(database_url, form.email):
        subject = "Someone tried to sign up with your address"
        body = (
            "Someone, perhaps you, tried to create an AgentFlow account with this address. "
            "It already has one, so nothing was changed.\n\n"
            f"To log in: {base}/login\n"
            f"Forgot your password? Choose a new one: {base}/forgot-password\n\n"
            "If it was not you, ignore this message."
        )
    else:
        token = secrets.token_urlsafe(32)
        pending = {
            "email": form.email,
            "name": form.name,
            "org_name": form.org_name,
            "password_hash": password_hash,
            "next": next_path,
        }
        _client(redis_url).set(_key(token), json.dumps(pending), ex=SIGN_UP_TTL_S)
        subject = "Finish creating your AgentFlow account"
        body = (
            "To finish creating your AgentFlow account, open this link within "
            f"{SIGN_UP_TTL_S // 3600} hours:\n{base}{FINISH_PATH}?token={token}\n\n"
            "If you did not ask for an account, ignore this message: none is created."
        )
    try:
        (sender or default_sender(settings)).send(form.email, subject, body)
    except Exception as exc:  # the caller must not learn whether the account exists
        log.error("could not send the sign-up message: %s", type(exc).__name__)


def finish_sign_up(
    database_url: str, redis_url: str, token: str, *, ip: str = "", user_agent: str = ""
) -> FinishedSignUp:
    """Create the account a sign-up link stands for; the link works once.

    InvalidToken for an unknown, used or expired link; EmailTaken when the address
    got an account in the meantime (another link of the same address was used).
    """
    raw: bytes | None = _client(redis_url).getdel(_key(token)) if token else None  # type: ignore[assignment]
    if raw is None:
        raise accounts.InvalidToken()
    pending = json.loads(raw)
    user_id, org_id = accounts.create_account(
        database_url,
        email=pending["email"],
        name=pending["name"],
        org_name=pending["org_name"],
        password_hash=pending["password_hash"],
        ip=ip,
        user_agent=user_agent,
    )
    return FinishedSignUp(user_id, org_id, pending["next"])
