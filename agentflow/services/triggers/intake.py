"""Receiving a webhook request: rate limit, token, method, signature, input, run.

HTTP-free: the route (state/web/hooks.py) reads the body within the size limit and
hands over a :class:`HookRequest`; the answer is a status and a JSON body in the
API's error shape. An unknown token, a rotated one and a workflow whose latest
version has no webhook trigger all get the same 404, so the URL space tells
nothing. Everything is checked before a run is stored: a refused request never
makes one. A signed request's replay mark is kept only once its run is stored:
whatever refuses or fails before that (budget, secrets, input, queue) forgets it,
so the sender's retry of the same request is judged afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast
from urllib.parse import parse_qsl

import redis

from agentflow.db.accounts import OrgSecret
from agentflow.db.engine import session_scope
from agentflow.db.tenancy import get_owned
from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.errors import InvalidInput
from agentflow.queue import (
    SHARED_CONNECT_TIMEOUT_S,
    SHARED_SOCKET_TIMEOUT_S,
    QueueUnavailable,
    require_queue,
)
from agentflow.services.governance.budgets import BudgetExceeded
from agentflow.services.runs import dispatch
from agentflow.services.runs.events import follow
from agentflow.services.runs.lifecycle import InvalidRunRequest, describe_run
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import SystemSource, system_actor
from agentflow.services.tenancy.rate_limit import limiter
from agentflow.services.triggers import signatures as webhook_signature
from agentflow.services.triggers import webhooks
from agentflow.settings import Settings
from agentflow.spec import safe_input

log = logging.getLogger(__name__)

# ``secret: "{{ env.HOOK_SECRET }}"`` reads the organisation secret HOOK_SECRET, so the
# shared secret need not be written in the document itself.
ENV_REFERENCE = re.compile(r"\{\{\s*env\.([A-Z][A-Z0-9_]{0,63})\s*\}\}")
TEXT_TYPES = ("text/", "application/xml")


@dataclass(frozen=True)
class HookRequest:
    token: str
    method: str
    body: bytes
    content_type: str = ""
    signature: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HookAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(
    status: int,
    type_: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> HookAnswer:
    return HookAnswer(
        status, {"error": {"type": type_, "message": message, "details": details}}, headers or {}
    )


NOT_FOUND = error(404, "not_found", "not found")


@lru_cache(maxsize=8)
def _redis(redis_url: str) -> redis.Redis:
    """One client (and connection pool) per Redis URL per process."""
    return redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=SHARED_CONNECT_TIMEOUT_S,
        socket_timeout=SHARED_SOCKET_TIMEOUT_S,
    )


def unavailable() -> HookAnswer:
    return error(
        503,
        "unavailable",
        "runs cannot be queued right now: try again later",
        headers={"Retry-After": "5"},
    )


def too_large(settings: Settings) -> HookAnswer:
    return error(413, "too_large", f"bodies are limited to {settings.webhook_max_body_bytes} bytes")


def check_rate(redis_url: str, token: str, client_ip: str, settings: Settings) -> HookAnswer | None:
    """Count the request per client IP and per URL; a 429 answer when either is spent.

    Counted before the token is looked up, the same way for unknown tokens, so the
    limit says nothing about which tokens exist.
    """
    rate = limiter(redis_url)
    window = settings.webhook_rate_window_s
    checks = (
        (f"hook:ip:{client_ip}", settings.webhook_rate_limit_per_ip),
        (f"hook:url:{webhooks.token_hash(token)}", settings.webhook_rate_limit_per_hook),
    )
    for key, limit in checks:
        decision = rate.allow(key, limit, window)
        if not decision.allowed:
            retry = str(max(1, decision.reset_s))
            return error(
                429,
                "rate_limited",
                f"too many requests: try again in {retry} seconds",
                headers={"Retry-After": retry},
            )
    return None


class UnsupportedMediaType(InvalidInput, ValueError):
    type = "unsupported_media_type"


def run_input(request: HookRequest) -> Any:
    """The run input: the JSON body; form fields; ``{"body": text}`` for text; the query
    parameters when the body is empty. ValueError for a body that cannot be read;
    ``safe_input.UnsafeInput`` (a ValueError) for text that cannot be stored (NUL, lone
    surrogates) or JSON nested too deeply."""
    payload = _read_body(request)
    safe_input.check_data(payload)
    return payload


def _read_body(request: HookRequest) -> Any:
    if not request.body.strip():
        return dict(request.query)
    media = request.content_type.split(";")[0].strip().lower()
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    if media == "application/x-www-form-urlencoded":
        return dict(parse_qsl(text, keep_blank_values=True))
    if media.startswith(TEXT_TYPES):
        return {"body": text}
    if media in ("", "application/json") or media.endswith("+json"):
        try:
            return safe_input.parse_json(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the body is not valid JSON: {exc.msg}") from None
    raise UnsupportedMediaType(
        f"unsupported content type {media!r}: send JSON, form fields or text"
    )


def _signing_secret(database_url: str, org_id: uuid.UUID, configured: str) -> str | None:
    match = ENV_REFERENCE.fullmatch(configured.strip())
    if match is None:
        return configured
    with session_scope(database_url) as session:
        row = get_owned(session, OrgSecret, org_id=org_id, name=match[1])
        if row is None:
            return None
        return org_secrets.decrypt(org_id, row.name, row.nonce, row.ciphertext)


@dataclass
class ReplayMark:
    """An accepted signature's replay mark (:func:`webhook_signature.remember`).

    :meth:`release` forgets it again unless :meth:`keep` was called once the run was
    stored: a request refused or failed before that is not a request that was acted
    on, so the sender's retry must not be refused as its replay.
    """

    client: redis.Redis | None = None
    scope: str = ""
    accepted: webhook_signature.Accepted | None = None
    kept: bool = False

    def keep(self) -> None:
        self.kept = True

    async def release(self) -> None:
        if self.kept or self.client is None or self.accepted is None:
            return
        try:
            await asyncio.to_thread(
                webhook_signature.forget, self.client, self.scope, self.accepted
            )
        except redis.RedisError:  # the mark expires with the signature's tolerance window
            log.warning("could not forget a refused webhook request's signature", exc_info=True)


async def _check_signature(
    database_url: str, redis_url: str, request: HookRequest, target: webhooks.HookTarget
) -> tuple[HookAnswer | None, ReplayMark]:
    assert target.trigger.secret is not None
    secret = await asyncio.to_thread(
        _signing_secret, database_url, target.org_id, target.trigger.secret
    )
    if secret is None:
        return error(503, "misconfigured", "the webhook's signing secret is not set"), ReplayMark()
    client, scope = _redis(redis_url), webhooks.token_hash(request.token)
    try:
        accepted = webhook_signature.verify(request.signature, secret, request.body)
        await asyncio.to_thread(webhook_signature.remember, client, scope, accepted)
    except webhook_signature.SignatureRejected as exc:
        return error(401, "invalid_signature", exc.message, {"reason": exc.reason}), ReplayMark()
    except (redis.RedisError, OSError):  # replays cannot be checked: refuse, the sender retries
        return unavailable(), ReplayMark()
    return None, ReplayMark(client, scope, accepted)


async def _wait_for_end(
    database_url: str, redis_url: str, org_id: uuid.UUID, run_id: uuid.UUID, timeout_s: float
) -> dict[str, Any]:
    """The run object once the run has ended, or as it is after ``timeout_s`` (or as
    soon as it waits for an approval)."""
    events = cast(
        AsyncGenerator[dict[str, Any]],
        follow(database_url, redis_url, run_id, org_id=org_id, until_waiting=True),
    )
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s), contextlib.aclosing(events):
            async for _ in events:
                pass
    return await asyncio.to_thread(describe_run, database_url, run_id, org_id=org_id)


async def receive(
    database_url: str, redis_url: str, request: HookRequest, settings: Settings
) -> HookAnswer:
    target = await asyncio.to_thread(webhooks.resolve, database_url, request.token)
    if target is None:
        return NOT_FOUND
    if request.method.upper() != target.trigger.method:
        return error(
            405,
            "method_not_allowed",
            f"this webhook accepts {target.trigger.method} requests",
            headers={"Allow": target.trigger.method},
        )
    mark = ReplayMark()
    if target.trigger.secret is not None:
        refused, mark = await _check_signature(database_url, redis_url, request, target)
        if refused is not None:
            return refused
    try:
        return await _accept(database_url, redis_url, request, target, settings, mark)
    finally:
        await mark.release()  # a no-op once the run was stored


async def _accept(
    database_url: str,
    redis_url: str,
    request: HookRequest,
    target: webhooks.HookTarget,
    settings: Settings,
    mark: ReplayMark,
) -> HookAnswer:
    try:
        payload = run_input(request)
        run_id = await _start(database_url, redis_url, target, payload, mark)
    except BudgetExceeded as exc:
        return error(402, "budget_exceeded", exc.message)
    except InvalidRunRequest as exc:
        problems = [problem.to_dict() for problem in exc.problems]
        return error(422, "invalid_input", exc.message, {"problems": problems})
    except safe_input.UnsafeInput as exc:
        problems = [exc.problem("input").to_dict()]
        return error(422, "invalid_input", exc.describe("input"), {"problems": problems})
    except UnsupportedMediaType as exc:
        return error(415, "unsupported_media_type", str(exc))
    except ValueError as exc:
        return error(400, "bad_request", str(exc))
    except QueueUnavailable:
        return unavailable()
    started = {"run_id": str(run_id), "workflow_version": target.version}
    if target.trigger.response == "sync" and settings.webhook_sync_timeout_s > 0:
        run = await _wait_for_end(
            database_url, redis_url, target.org_id, run_id, settings.webhook_sync_timeout_s
        )
        if run["status"] in TERMINAL_RUN_STATUSES:
            ended = {"status": run["status"], "output": run["output"], "error": run["error"]}
            return HookAnswer(200, {**started, **ended})
        return HookAnswer(202, {**started, "status": run["status"]})
    return HookAnswer(202, {**started, "status": "queued"})


async def _start(
    database_url: str, redis_url: str, target: webhooks.HookTarget, payload: Any, mark: ReplayMark
) -> uuid.UUID:
    # start_run refuses (422, naming the nodes) while a secret it reads is not defined.
    queue = await require_queue(redis_url)  # QueueUnavailable (503) before anything is stored
    run_id = await dispatch.start_run(
        database_url,
        queue,
        target.document,
        payload,
        # Runs a webhook starts are in the audit trail as AgentFlow's own.
        actor=system_actor(target.org_id, SystemSource.WEBHOOK),
        trigger="webhook",
        workflow_id=target.workflow_id,
        workflow_version=target.version,
    )
    mark.keep()  # the run is stored: this request must not be accepted again
    return run_id
