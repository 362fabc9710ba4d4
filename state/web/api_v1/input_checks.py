"""The input check of every /api/v1 route, made before FastAPI reads the parameters.

Path and query parameters and JSON bodies go through ``agentflow.spec.safe_input``:
a NUL character or a lone surrogate anywhere (in a body, usually a JSON ``"\\ud800"``
escape), or a body nested deeper than ``safe_input.MAX_DEPTH`` levels (FastAPI's own
``json.loads`` raises RecursionError around 1,000), is answered 422 in the API's
error shape, naming the field (``query.search``, ``body.document.nodes[0].name``),
before authentication, the handler or the database see it. ``RateHeadersRoute``
(the route class of every API router) inherits it, so a new route has it too.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from agentflow.spec import safe_input


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads the body as JSON (it does without a content type, too)."""
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _parameters_problem(request: Request) -> tuple[tuple[int | str, ...], str] | None:
    for where, items in (
        ("path", list(request.path_params.items())),
        ("query", request.query_params.multi_items()),
    ):
        for name, value in items:
            if (problem := safe_input.text_problem(name)) is not None:
                return (where,), f"parameter names {problem}"
            if (problem := safe_input.text_problem(str(value))) is not None:
                return (where, name), problem
    return None


async def _body_problem(request: Request) -> tuple[tuple[int | str, ...], str] | None:
    if not _is_json(request.headers.get("content-type")):
        return None
    body = await request.body()  # kept by the request: FastAPI reads it from there
    if not body.strip():
        return None
    try:
        safe_input.loads(body)
    except safe_input.UnsafeInput as exc:
        return ("body", *exc.location), exc.message
    except ValueError:  # not JSON, not UTF-8: FastAPI answers that itself
        return None
    return None


class CheckedInputRoute(APIRoute):
    """An APIRoute that refuses unstorable text and too-deep JSON with a 422 first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            found = _parameters_problem(request)
            if found is None and takes_body:
                found = await _body_problem(request)
            if found is not None:
                location, message = found
                error = {"type": "value_error", "loc": location, "msg": message, "input": None}
                raise RequestValidationError([error])
            return await handler(request)

        return checked
