"""Who is calling: API key or session cookie, then CSRF and rate limits.

* ``Authorization: Bearer af_...`` is checked with :func:`verify_api_key`. When an
  ``Authorization`` header is present the cookie is never looked at.
* Otherwise the session cookie (:data:`SESSION_COOKIE`) is checked with
  :func:`accounts.session_user`. Cookie requests that change state must come from
  this site: their ``Origin`` (or ``Referer``) must be ``settings.base_url``'s origin.
* Each authenticated request counts against a sliding window per key (or per
  signed-in user) and per organisation; the ``X-RateLimit-*`` headers describe
  the tighter of the two and are put on every authenticated response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from redis.exceptions import RedisError

from agentflow.services.tenancy import accounts
from agentflow.services.tenancy.api_keys import InvalidApiKey, verify_api_key
from agentflow.services.tenancy.permissions import Actor
from agentflow.services.tenancy.rate_limit import Decision, limiter
from agentflow.settings import get_settings
from state.web.api_v1.errors import ApiError, unauthorized
from state.web.api_v1.input_checks import CheckedInputRoute

log = logging.getLogger("agentflow.api")

# accounts.py documents an HttpOnly cookie but names none; this is the name the
# login route sets (shared with any future login endpoint through this constant).
SESSION_COOKIE = str(getattr(accounts, "SESSION_COOKIE", "agentflow_session"))
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str


def services() -> Services:
    settings = get_settings()
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set for the API")
    return Services(settings.database_url, settings.redis_url)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports dropped; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    shown = f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{shown}"


def check_csrf(request: Request) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    trusted = {origin_of(url) for url in get_settings().trusted_origins} - {None}
    claimed = request.headers.get("origin") or request.headers.get("referer") or ""
    if origin_of(claimed) not in trusted:
        raise ApiError(
            403,
            "csrf",
            "cross-site request refused: the Origin header must be this site's address",
        )


def _client(request: Request) -> tuple[str, str]:
    ip = request.client.host if request.client else ""
    return ip, request.headers.get("user-agent", "")[:500]


async def authenticate(request: Request) -> Actor:
    urls = services()
    ip, user_agent = _client(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise unauthorized("use Authorization: Bearer <API key>")
        try:
            return await asyncio.to_thread(
                verify_api_key, urls.database_url, key, ip=ip, user_agent=user_agent
            )
        except InvalidApiKey as exc:
            raise unauthorized(exc.message) from None
    token = request.cookies.get(SESSION_COOKIE, "")
    user = await asyncio.to_thread(accounts.session_user, urls.database_url, token)
    if user is None:
        raise unauthorized()
    check_csrf(request)
    return user.actor(ip=ip, user_agent=user_agent)


def _rate_headers(limit: int, decision: Decision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_s),
    }


def rate_limit(redis_url: str, actor: Actor) -> tuple[bool, dict[str, str]]:
    """Count the request per key (or user) and per org: (allowed, headers)."""
    settings = get_settings()
    window = settings.api_rate_window_s
    rate = limiter(redis_url)
    who = f"key:{actor.api_key_id}" if actor.api_key_id else f"user:{actor.user_id}"
    checks = [
        (f"api:{who}", settings.api_rate_limit_per_key),
        (f"api:org:{actor.org_id}", settings.api_rate_limit_per_org),
    ]
    decisions = [(key, limit, rate.allow(key, limit, window)) for key, limit in checks]
    refused = [d for d in decisions if not d[2].allowed]
    if refused:
        for key, _, decision in decisions:
            if decision.allowed:  # a refused request does not use up the other budget
                rate.refund(key)
        _, limit, worst = max(refused, key=lambda d: d[2].reset_s)
        return False, _rate_headers(limit, worst)
    _, limit, tightest = min(decisions, key=lambda d: d[2].remaining)
    return True, _rate_headers(limit, tightest)


# Declared for the OpenAPI document (the "Authorize" button of /api/docs) only;
# authenticate() reads the raw header and cookie itself.
_BEARER_DOC = HTTPBearer(auto_error=False, description="An API key: af_<prefix>_<secret>")
_COOKIE_DOC = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Signed-in session")


async def current_actor(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER_DOC)] = None,
    _cookie: Annotated[str | None, Depends(_COOKIE_DOC)] = None,
) -> Actor:
    actor = await authenticate(request)
    try:
        allowed, headers = await asyncio.to_thread(rate_limit, services().redis_url, actor)
    except (RedisError, OSError) as exc:
        # Redis is down: API rate limits fail open, so reads (from PostgreSQL) keep
        # working; what needs the queue answers 503 by itself, and health says why.
        log.warning("API rate limits are not applied while Redis is unreachable: %s", exc)
        allowed, headers = True, {}
    request.state.rate_headers = headers
    if not allowed:
        retry = max(1, int(headers["X-RateLimit-Reset"]))
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: try again in {retry} seconds",
            headers={"Retry-After": str(retry)},
        )
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


class RateHeadersRoute(CheckedInputRoute):
    """Puts the request's rate-limit headers on its successful response (the error
    handlers do it for error responses). Input is checked first (``input_checks``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_headers(request: Request) -> Response:
            response = await handler(request)
            response.headers.update(getattr(request.state, "rate_headers", None) or {})
            return response

        return with_headers
