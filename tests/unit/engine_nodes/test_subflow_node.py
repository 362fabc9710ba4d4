"""subflow: inline bodies and stored workflows (run by the engine's real body runner)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from agentflow.engine.errors import NodeError
from agentflow.engine.run import RunExecution
from agentflow.nodes.runtime import SUBFLOW_DEPTH_KEY
from agentflow.nodes.subflow import MAX_SUBFLOW_DEPTH
from agentflow.spec.models import Document, SubflowBody
from tests.unit.engine_nodes.conftest import RUN_ID, make_ctx, make_deps, run_node

GREETER = {
    "format": "agentflow/v1",
    "name": "greeter",
    "inputs": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    "nodes": [
        {"id": "start", "type": "trigger"},
        {"id": "greet", "type": "template", "config": {"template": "Hello {{ input.name }}"}},
    ],
    "edges": [{"source": "start", "target": "greet"}],
    "output": {"greeting": "{{ nodes.greet.output }}"},
}
SELF_CALLING = {
    "format": "agentflow/v1",
    "name": "ouroboros",
    "nodes": [
        {"id": "start", "type": "trigger"},
        {"id": "again", "type": "subflow", "config": {"workflow": "ouroboros"}},
    ],
    "edges": [{"source": "start", "target": "again"}],
}


class Loader:
    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.documents = documents
        self.calls: list[tuple[str, str]] = []

    async def published_document(self, org_id: str, reference: str) -> Mapping[str, Any]:
        self.calls.append((org_id, reference))
        if reference not in self.documents:
            raise WorkflowMissing(reference)
        return self.documents[reference]


class WorkflowMissing(Exception):
    """Shaped like the db layer's WorkflowNotFound: a `.message`."""

    def __init__(self, reference: str) -> None:
        self.message = f"workflow {reference!r} was not found in this organisation"
        super().__init__(self.message)


def engine_ctx(run_input: Any, loader: Loader | None) -> Any:
    deps = make_deps(workflows=loader)
    parent = Document.model_validate({**GREETER, "name": "parent"})
    execution = RunExecution(parent, run_id=RUN_ID, deps=deps)
    return make_ctx(run_input, deps=deps, run_body=execution.run_body)


async def test_inline_body_gets_the_rendered_input_and_its_output_is_returned():
    seen: list[Mapping[str, Any]] = []

    async def run_body(body: SubflowBody, scope: Mapping[str, Any]) -> Any:
        seen.append(scope)
        return {"answer": 42}

    config = {
        "subflow": {"nodes": [{"id": "a", "type": "template", "config": {"template": "x"}}]},
        "input": {"who": "{{ input.user }}", "n": 3},
    }
    ctx = make_ctx({"user": "ada"}, run_body=run_body)
    assert await run_node("subflow", config, ctx) == {"answer": 42}
    assert seen[0]["input"] == {"who": "ada", "n": 3}
    assert seen[0]["nodes"] == {}
    assert seen[0]["run"]["id"] == RUN_ID
    assert ctx.resolved_input == {"input": {"who": "ada", "n": 3}}


async def test_a_stored_workflow_runs_with_its_trigger_returning_the_input():
    loader = Loader({"greeter": GREETER})
    ctx = engine_ctx({"who": "Ada"}, loader)
    config = {"workflow": "greeter", "input": {"name": "{{ input.who }}"}}
    assert await run_node("subflow", config, ctx) == {"greeting": "Hello Ada"}
    assert loader.calls == [("org-1", "greeter")]


async def test_the_input_must_match_the_stored_workflows_inputs():
    ctx = engine_ctx({}, Loader({"greeter": GREETER}))
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "greeter", "input": {"name": 5}}, ctx)
    assert caught.value.type == "validation"
    assert "input does not match the inputs schema" in caught.value.message


async def test_an_invalid_stored_document_is_a_validation_error():
    broken = {**GREETER, "edges": [{"source": "start", "target": "nowhere"}]}
    ctx = engine_ctx({}, Loader({"greeter": broken}))
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "greeter", "input": {"name": "x"}}, ctx)
    assert caught.value.type == "validation"
    assert caught.value.message.startswith("workflow 'greeter' is invalid: ")
    assert "nowhere" in caught.value.message


async def test_loader_errors_and_a_missing_loader_are_validation_errors():
    ctx = engine_ctx({}, Loader({}))
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "ghost"}, ctx)
    assert (caught.value.type, caught.value.message) == (
        "validation",
        "workflow 'ghost' was not found in this organisation",
    )
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "ghost"}, engine_ctx({}, None))
    assert caught.value.message == "stored workflows are not available here"


async def test_a_workflow_calling_itself_stops_at_the_depth_limit():
    loader = Loader({"ouroboros": SELF_CALLING})
    ctx = engine_ctx({}, loader)
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "ouroboros"}, ctx)
    assert caught.value.type == "validation"
    assert f"nest deeper than {MAX_SUBFLOW_DEPTH} levels" in caught.value.message
    assert len(loader.calls) == MAX_SUBFLOW_DEPTH


async def test_inline_bodies_do_not_count_towards_the_depth():
    seen: list[Mapping[str, Any]] = []

    async def run_body(body: SubflowBody, scope: Mapping[str, Any]) -> Any:
        seen.append(scope)
        return None

    scope = {"input": {}, "env": {}, "run": {"id": RUN_ID}, "nodes": {}, SUBFLOW_DEPTH_KEY: 8}
    ctx = make_ctx(scope=scope, run_body=run_body)
    config = {"subflow": {"nodes": [{"id": "a", "type": "template", "config": {"template": "x"}}]}}
    await run_node("subflow", config, ctx)
    assert seen[0][SUBFLOW_DEPTH_KEY] == 8
    with pytest.raises(NodeError, match="nest deeper"):
        await run_node("subflow", {"workflow": "anything"}, ctx)


async def test_a_failure_inside_the_child_keeps_its_type():
    failing = {
        **GREETER,
        "nodes": [
            {"id": "start", "type": "trigger"},
            {"id": "greet", "type": "delay", "config": {"seconds": "{{ input.name }}"}},
        ],
        "output": None,
    }
    ctx = engine_ctx({}, Loader({"greeter": failing}))
    with pytest.raises(NodeError) as caught:
        await run_node("subflow", {"workflow": "greeter", "input": {"name": "soon"}}, ctx)
    assert caught.value.type == "validation"
    assert caught.value.message.startswith("workflow 'greeter': in step 'greet': seconds must be")
