"""``template``: renders a template; the output is the rendered text.

The output is always a string: a template that is one ``{{ expr }}`` whose
value is not a string (a number, list, object, null) gives that value
JSON-encoded (``{{ input.tags }}`` -> ``'["a", "b"]'``). Use ``set`` to
build structured values.
"""

from __future__ import annotations

from pydantic import Field

from agentflow.engine.context import NodeContext
from agentflow.nodes.runtime import as_text
from agentflow.spec.expressions import render_template
from agentflow.spec.node_types import TEMPLATE, NodeConfig, NodeType


class TemplateConfig(NodeConfig):
    template: str = Field(
        title="Template", description="The template to render.", json_schema_extra=TEMPLATE
    )


class TemplateNode(NodeType[TemplateConfig]):
    type = "template"
    title = "Template"
    description = "Renders text from a template."
    icon = "file-text"
    config_model = TemplateConfig

    async def execute(self, config: TemplateConfig, ctx: NodeContext) -> str:
        """Always a string: a lone ``{{ expr }}`` giving a non-string is JSON-encoded."""
        return as_text(render_template(config.template, ctx.scope))


TEMPLATE_NODE = TemplateNode()
