"""``subflow``: runs another workflow, stored (``workflow``) or inline (``subflow``).

Exactly one of the two is required. ``workflow`` is the id or name of a
workflow in the same org; whether it exists is checked when the run starts
(the lookup belongs to the services layer). In the child, ``input`` is the
value of this node's ``input`` template (default ``{}``); an inline body
cannot reference the parent's nodes.

Execution of a stored workflow: the loader (``ctx.deps.workflows``) returns
its document, which is validated again and whose ``inputs`` schema the input
must satisfy (both ``validation`` errors); its nodes, edges and output then
run as a body of this run (its trigger returns the input; its own
``settings`` are not applied: the parent run's deadline and ``max_parallel``
are). Stored workflows may call stored workflows (themselves included) at
most ``MAX_SUBFLOW_DEPTH`` levels deep. A failure inside the child fails this
node with the child step's error type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, model_validator

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import NodeError
from agentflow.nodes.runtime import SUBFLOW_DEPTH_KEY, body_failure, body_scope
from agentflow.spec.expressions import render_value
from agentflow.spec.models import Document, SubflowBody
from agentflow.spec.node_types import SUBFLOW, TEMPLATE, NodeCatalog, NodeConfig, NodeType
from agentflow.spec.validation import validate_document, validate_run_input

MAX_SUBFLOW_DEPTH = 8
MAX_LISTED_PROBLEMS = 5


class SubflowConfig(NodeConfig):
    workflow: str | None = Field(
        None,
        min_length=1,
        title="Workflow",
        description="Id or name of a workflow of this org to run.",
    )
    subflow: SubflowBody | None = Field(
        None,
        title="Inline steps",
        description="An inline body to run instead.",
        json_schema_extra=SUBFLOW,
    )
    input: Any = Field(
        default_factory=dict,
        title="Input",
        description="The child's input: a template, or an object of templates.",
        json_schema_extra=TEMPLATE,
    )

    @model_validator(mode="after")
    def _one_target(self) -> SubflowConfig:
        if (self.workflow is None) == (self.subflow is None):
            raise ValueError("set exactly one of workflow and subflow")
        return self


class SubflowNode(NodeType[SubflowConfig]):
    type = "subflow"
    title = "Subflow"
    description = "Runs another workflow, or an inline one, and returns its output."
    icon = "workflow"
    config_model = SubflowConfig

    async def execute(self, config: SubflowConfig, ctx: NodeContext) -> Any:
        child_input = render_value(config.input, ctx.scope)
        ctx.resolved_input = {"input": child_input}
        if config.subflow is not None:
            body, depth = config.subflow, ctx.scope.get(SUBFLOW_DEPTH_KEY, 0)
            where = "subflow"
        else:
            assert config.workflow is not None  # the config requires one of the two
            depth = ctx.scope.get(SUBFLOW_DEPTH_KEY, 0) + 1
            if depth > MAX_SUBFLOW_DEPTH:
                raise NodeError(
                    "validation",
                    f"stored workflows nest deeper than {MAX_SUBFLOW_DEPTH} levels "
                    "(does a workflow call itself?)",
                )
            body = await stored_body(ctx, config.workflow, child_input)
            where = f"workflow {config.workflow!r}"
        scope = body_scope(ctx.scope, input=child_input, **{SUBFLOW_DEPTH_KEY: depth})
        try:
            return await ctx.run_body(body, scope)
        except Exception as exc:
            raise body_failure(exc, where) from None


async def stored_body(ctx: NodeContext, reference: str, child_input: Any) -> SubflowBody:
    """The stored workflow's graph as a body, after checking it and the input."""
    loader = ctx.deps.workflows
    if loader is None:
        raise NodeError("validation", "stored workflows are not available here")
    try:
        raw = await loader.published_document(ctx.deps.org_id, reference)
    except Exception as exc:
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            raise NodeError("validation", message) from None
        raise
    document = _checked_document(raw, reference, ctx.deps.node_types)
    input_problems = validate_run_input(document, child_input)
    if input_problems:
        raise NodeError("validation", f"workflow {reference!r}: {input_problems[0].message}")
    return SubflowBody.model_construct(
        nodes=document.nodes, edges=document.edges, output=document.output
    )


def _checked_document(raw: Any, reference: str, node_types: NodeCatalog) -> Document:
    if not isinstance(raw, Mapping):
        raise NodeError("validation", f"workflow {reference!r} is not a workflow document")
    listed = "; ".join(
        str(problem) for problem in validate_document(raw, node_types)[:MAX_LISTED_PROBLEMS]
    )
    if not listed:
        try:
            return Document.model_validate(raw)
        except ValidationError as exc:  # validate_document should have reported it
            listed = str(exc.errors(include_url=False)[:1])
    raise NodeError("validation", f"workflow {reference!r} is invalid: {listed}")


SUBFLOW_NODE = SubflowNode()
