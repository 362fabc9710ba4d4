"""``/hooks/<token>``: the public webhook endpoint (no session, no API key).

In order: a declared ``Content-Length`` over the limit gets 413 before anything
else; the request is counted against the per-IP and per-URL rate limits; the
body is read in chunks and abandoned with 413 as soon as it passes the limit
(so a chunked upload cannot make the server hold more than the limit); then
``services.triggers.intake`` checks the token, method and signature and starts
the run. See docs/webhooks.md.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from agentflow.services.triggers import intake
from agentflow.services.triggers.signatures import HEADER
from agentflow.settings import get_settings
from state.web.api_v1.deps import services

router = APIRouter(tags=["webhooks"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Read by the intake itself (not by FastAPI): documented here for /api/docs.
BODY_DOC = {
    "requestBody": {
        "required": False,
        "description": 'The run input: a JSON value, form fields or text ({"body": text}); '
        "without a body, the query parameters.",
        "content": {
            "application/json": {"schema": {}},
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            },
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _respond(answer: intake.HookAnswer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def receive_hook(token: str, request: Request) -> JSONResponse:
    settings = get_settings()
    limit = settings.webhook_max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            return _respond(intake.error(400, "bad_request", "invalid Content-Length"))
        if int(declared) > limit:
            return _respond(intake.too_large(settings))
    urls = services()
    client_ip = request.client.host if request.client else ""
    refused = await asyncio.to_thread(intake.check_rate, urls.redis_url, token, client_ip, settings)
    if refused is not None:
        return _respond(refused)
    try:
        body = await read_limited(request, limit)
    except BodyTooLarge:
        return _respond(intake.too_large(settings))
    hook_request = intake.HookRequest(
        token=token,
        method=request.method,
        body=body,
        content_type=request.headers.get("content-type", ""),
        signature=request.headers.get(HEADER),
        query=list(request.query_params.multi_items()),
    )
    answer = await intake.receive(urls.database_url, urls.redis_url, hook_request, settings)
    return _respond(answer)


# One route per method, each with its own name, so the OpenAPI document gives every
# operation a distinct id (one route with five methods repeats the same id).
for _method in METHODS:
    router.add_api_route(
        "/hooks/{token}",
        receive_hook,
        methods=[_method],
        name=f"receive_hook_{_method.lower()}",
        summary="Start a workflow's latest published version from a webhook",
        description="202 with the run id (response: async), or 200 with the run's output "
        "when a sync webhook's run ends in time. Signed webhooks need the "
        f"{HEADER} header. See docs/webhooks.md.",
        openapi_extra=BODY_DOC,
    )
