"""One root for service errors: every one has a type, and the API has a status for it."""

from __future__ import annotations

import importlib
import pkgutil

import agentflow.services
from agentflow import errors
from agentflow.db import run_store
from agentflow.errors import AgentFlowError, NotFound, WorkflowNotFound
from agentflow.services.governance import analytics
from agentflow.services.runs.lifecycle import RunNotFound
from state.web.api_v1.errors import STATUS_BY_TYPE


def every_service_error() -> list[type[AgentFlowError]]:
    for module in pkgutil.walk_packages(agentflow.services.__path__, "agentflow.services."):
        importlib.import_module(module.name)
    importlib.import_module("agentflow.queue")
    found: list[type[AgentFlowError]] = []
    pending: list[type[AgentFlowError]] = [AgentFlowError]
    while pending:
        error = pending.pop()
        found.append(error)
        pending.extend(error.__subclasses__())
    return found


def test_every_service_error_type_has_an_http_status() -> None:
    errors_seen = every_service_error()
    assert len(errors_seen) > 30  # the walk really found the services' errors
    missing = {e.__qualname__: e.type for e in errors_seen if e.type not in STATUS_BY_TYPE}
    missing.pop("AgentFlowError")  # the root itself is never raised
    missing.pop("AccountError")  # nor the accounts' base
    assert missing == {}


def test_there_is_one_workflow_not_found() -> None:
    assert run_store.WorkflowNotFound is WorkflowNotFound
    assert analytics.WorkflowNotFound is WorkflowNotFound
    assert errors.WorkflowNotFound.type == "not_found"


def test_not_found_names_the_object_to_the_cli_but_not_to_a_client() -> None:
    error = RunNotFound("0b5e")
    assert isinstance(error, NotFound)
    assert error.message == "run 0b5e was not found"
    assert error.public_message == "run not found"
    assert WorkflowNotFound("billing").public_message == "workflow not found"
