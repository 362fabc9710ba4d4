"""Errors of the REST API v1: one JSON shape, ``{"error": {"type", "message", "details"}}``.

Service errors (agentflow.errors.AgentFlowError and its subclasses) carry their
``type``; :data:`STATUS_BY_TYPE` gives its status. "Not found" bodies never echo the
requested id (``public_message``), so another organisation's id and a missing one
get byte-identical answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from agentflow.errors import AgentFlowError
from agentflow.spec.problems import format_location

PREFIX = "/api/v1"


class ApiError(Exception):
    """An error this layer raises itself (authentication, CSRF, rate limit, bad cursor)."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.details = details
        self.headers = headers or {}


def unauthorized(message: str = "authentication required") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def error_response(
    request: Request,
    status: int,
    type_: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The error body, with the rate-limit headers of the request when it had any."""
    body = {"error": {"type": type_, "message": message, "details": details}}
    all_headers = dict(getattr(request.state, "rate_headers", None) or {})
    all_headers.update(headers or {})
    return JSONResponse(body, status_code=status, headers=all_headers)


# The HTTP status of each service error type: the one table, used for every /api/v1
# answer. A type missing here is a bug the route walk test finds (it would be a 500).
STATUS_BY_TYPE: dict[str, int] = {
    "validation": 422,
    "invalid_workflow": 422,
    "invalid_run_request": 422,
    "invalid_template": 422,
    "unsupported_media_type": 415,
    "unauthorized": 401,
    "invalid_credentials": 401,
    "signature_rejected": 401,
    "invalid_token": 400,
    "budget_exceeded": 402,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "email_taken": 409,
    "login_locked": 429,
    "secret_unreadable": 500,
    "unavailable": 503,
    "queue_unavailable": 503,
}
# Answers a client may retry: after how many seconds.
RETRY_AFTER_S_BY_TYPE: dict[str, int] = {"unavailable": 5, "queue_unavailable": 5}


def status_of(exc: AgentFlowError) -> int:
    return STATUS_BY_TYPE[exc.type]


def _map(request: Request, exc: Exception) -> JSONResponse:
    """One exception as the error response; unknown exceptions are re-raised."""
    if isinstance(exc, ApiError):
        return error_response(request, exc.status, exc.type, exc.message, exc.details, exc.headers)
    if not isinstance(exc, AgentFlowError):
        raise exc
    retry_after = RETRY_AFTER_S_BY_TYPE.get(exc.type)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(
        request, status_of(exc), exc.type, exc.public_message, exc.details, headers
    )


async def _domain_handler(request: Request, exc: Exception) -> Response:
    return _map(request, exc)


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.startswith(PREFIX):
        return await request_validation_exception_handler(request, exc)
    problems = [
        {
            "field": format_location(tuple(error.get("loc", ()))) or "body",
            "message": "is not a known field"
            if error.get("type") == "extra_forbidden"
            else str(error.get("msg", "is invalid")),
        }
        for error in exc.errors()
    ]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return error_response(request, 422, "validation", message, {"problems": problems})


async def _http_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith(PREFIX):
        return await http_exception_handler(request, exc)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(
        request, exc.status_code, kind, str(exc.detail), headers=dict(exc.headers or {})
    )


DOMAIN_ERRORS: tuple[type[Exception], ...] = (ApiError, AgentFlowError)


def install_error_handlers(api: FastAPI) -> None:
    """Register the handlers. Validation and HTTP errors keep FastAPI's own shape
    outside /api/v1, so other routers are unaffected."""
    for error in DOMAIN_ERRORS:
        api.add_exception_handler(error, _domain_handler)
    api.add_exception_handler(RequestValidationError, _validation_handler)
    api.add_exception_handler(StarletteHTTPException, _http_handler)
