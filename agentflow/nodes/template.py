"""``template``: renders a template; the output is the rendered value."""

from __future__ import annotations

from pydantic import Field

from agentflow.nodes.base import TEMPLATE, NodeConfig, NodeType


class TemplateConfig(NodeConfig):
    template: str = Field(description="The template to render.", json_schema_extra=TEMPLATE)


class TemplateNode(NodeType[TemplateConfig]):
    type = "template"
    title = "Template"
    description = "Renders text from a template."
    icon = "file-text"
    config_model = TemplateConfig


TEMPLATE_NODE = TemplateNode()
