"""Errors of the REST API v1: one JSON shape, ``{"error": {"type", "message", "details"}}``.

Domain exceptions from the services are mapped here to status codes. "Not found"
bodies never echo the requested id, so another organisation's id and a missing
one get byte-identical answers.
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

from agentflow.db.run_store import WorkflowNotFound, WorkflowNotPublished
from agentflow.queue import QueueUnavailable
from agentflow.services.governance.budgets import BudgetExceeded
from agentflow.services.runs.dispatch import RunNotRerunnable
from agentflow.services.runs.lifecycle import InvalidRunRequest, RunNotFound, StepNotWaiting
from agentflow.services.tenancy.permissions import Forbidden, InvalidInput, NotFound
from agentflow.services.workflows.management import InvalidWorkflow
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


def _problems(exc: InvalidWorkflow | InvalidRunRequest) -> dict[str, Any]:
    return {"problems": [problem.to_dict() for problem in exc.problems]}


def _map(request: Request, exc: Exception) -> JSONResponse:
    """One exception as the error response; unknown exceptions are re-raised."""
    if isinstance(exc, ApiError):
        return error_response(request, exc.status, exc.type, exc.message, exc.details, exc.headers)
    if isinstance(exc, Forbidden):
        return error_response(request, 403, "forbidden", exc.message)
    if isinstance(exc, WorkflowNotFound):
        return error_response(request, 404, "not_found", "workflow not found")
    if isinstance(exc, RunNotFound):
        return error_response(request, 404, "not_found", "run not found")
    if isinstance(exc, NotFound):
        return error_response(request, 404, "not_found", exc.message)
    if isinstance(exc, InvalidWorkflow):
        return error_response(request, 422, "invalid_workflow", exc.message, _problems(exc))
    if isinstance(exc, InvalidRunRequest):
        return error_response(request, 422, "invalid_run_request", exc.message, _problems(exc))
    if isinstance(exc, InvalidInput):
        return error_response(request, 422, "validation", exc.message)
    if isinstance(exc, BudgetExceeded):
        details = {"limit_usd": exc.limit_usd, "spent_usd": exc.spent_usd, "scope": exc.scope}
        return error_response(request, 402, "budget_exceeded", exc.message, details)
    if isinstance(exc, StepNotWaiting | RunNotRerunnable | WorkflowNotPublished):
        return error_response(request, 409, "conflict", exc.message)
    if isinstance(exc, QueueUnavailable):
        return error_response(request, 503, exc.type, exc.message, headers={"Retry-After": "5"})
    raise exc


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


DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    ApiError,
    Forbidden,
    NotFound,
    WorkflowNotFound,
    RunNotFound,
    InvalidWorkflow,
    InvalidRunRequest,
    InvalidInput,
    StepNotWaiting,
    RunNotRerunnable,
    WorkflowNotPublished,
    BudgetExceeded,
    QueueUnavailable,
)


def install_error_handlers(api: FastAPI) -> None:
    """Register the handlers. Validation and HTTP errors keep FastAPI's own shape
    outside /api/v1, so other routers are unaffected."""
    for error in DOMAIN_ERRORS:
        api.add_exception_handler(error, _domain_handler)
    api.add_exception_handler(RequestValidationError, _validation_handler)
    api.add_exception_handler(StarletteHTTPException, _http_handler)
