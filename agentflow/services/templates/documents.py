"""What a template's document needs and how installing adapts it. Pure functions.

* :func:`required_secrets`: the org secrets a document uses: ``env.NAME`` in any
  template or expression (subflow bodies included) and each ``http`` node's
  ``credential`` (looked up among the secrets too).
* :func:`missing_secrets`: those of them an organisation has not defined; a run
  of the document cannot succeed until the list is empty.
* :func:`use_template_model`: ``model`` is a plain litellm string in the format,
  not a template, so templates write ``model: default`` and installing replaces
  it with the instance's configured model (``AGENTFLOW_TEMPLATE_MODEL``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from agentflow.nodes.registry import get_node_type
from agentflow.spec.node_types import string_leaves

# env.NAME and env["NAME"] / env['NAME'], as expressions write them.
ENV_REFERENCE = re.compile(
    r"\benv\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
DEFAULT_MODEL = "default"
# Top-level key of an official template file holding its gallery metadata.
METADATA_KEY = "template"


def _nodes(graph: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every node of a document or body, then those of the bodies inside their configs."""
    for node in graph.get("nodes") or []:
        if not isinstance(node, Mapping):
            continue
        yield node
        config = node.get("config")
        if isinstance(config, Mapping):
            for value in config.values():
                if isinstance(value, Mapping) and isinstance(value.get("nodes"), list):
                    yield from _nodes(value)


def _secrets_of(node: Mapping[str, Any]) -> set[str]:
    """Secret names one node reads, its subflow body included."""
    names: set[str] = set()
    for inner in _nodes({"nodes": [node]}):
        config = inner.get("config")
        for _, text in string_leaves(config, "config"):
            names.update(m.group(1) or m.group(2) for m in ENV_REFERENCE.finditer(text))
        credential = config.get("credential") if isinstance(config, Mapping) else None
        if inner.get("type") == "http" and isinstance(credential, str) and credential:
            names.add(credential)
    return names


def secret_readers(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Secret name -> ids of the top-level nodes reading it (``""`` for the output)."""
    readers: dict[str, list[str]] = {}
    for node in document.get("nodes") or []:
        if isinstance(node, Mapping):
            for name in _secrets_of(node):
                readers.setdefault(name, []).append(str(node.get("id")))
    for _, text in string_leaves(document.get("output"), "output"):
        for match in ENV_REFERENCE.finditer(text):
            readers.setdefault(match.group(1) or match.group(2), []).append("")
    return readers


def required_secrets(document: Mapping[str, Any]) -> list[str]:
    """Secret names the document reads, sorted."""
    return sorted(secret_readers(document))


def missing_secrets(document: Mapping[str, Any], available_names: Collection[str]) -> list[str]:
    """The secrets the document reads that are not among ``available_names``, sorted."""
    available = set(available_names)
    return [name for name in required_secrets(document) if name not in available]


def node_types(document: Mapping[str, Any]) -> list[str]:
    """The node types the document uses (subflow bodies included), sorted."""
    return sorted({str(node.get("type")) for node in _nodes(document)})


def unregistered_types(types: Collection[str]) -> list[str]:
    """Those of ``types`` this instance has no implementation of (e.g. ``knowledge``)."""
    return sorted(name for name in types if get_node_type(name) is None)


def node_count(document: Mapping[str, Any]) -> int:
    """Top-level steps, as the Workflows page counts them."""
    return len([node for node in document.get("nodes") or [] if isinstance(node, Mapping)])


def use_template_model(document: Mapping[str, Any], model: str) -> dict[str, Any]:
    """A copy whose ``llm`` nodes saying ``model: default`` use ``model``."""
    result = copy.deepcopy(dict(document))
    for node in _nodes(result):
        config = node.get("config")
        if not (node.get("type") == "llm" and isinstance(config, dict)):
            continue
        if config.get("model") == DEFAULT_MODEL:
            config["model"] = model
    return result


def without_metadata(document: Mapping[str, Any]) -> dict[str, Any]:
    """The workflow document alone: the template file's metadata block removed."""
    return {key: value for key, value in document.items() if key != METADATA_KEY}


def without_webhook_secrets(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without webhook trigger secrets: a published template must not carry the
    publisher's shared secret (``env`` references are names only and stay)."""
    result = copy.deepcopy(dict(document))
    for node in _nodes(result):
        config = node.get("config")
        if node.get("type") == "trigger" and isinstance(config, dict):
            config.pop("secret", None)
    return result


def input_fields(document: Mapping[str, Any]) -> list[dict[str, str]]:
    """The run input's top-level fields for people: name, type, required, description."""
    schema = document.get("inputs")
    if not isinstance(schema, Mapping):
        return []
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return []
    required = schema.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    fields = []
    for name, spec in properties.items():
        spec = spec if isinstance(spec, Mapping) else {}
        kind = spec.get("type")
        fields.append(
            {
                "name": str(name),
                "type": kind if isinstance(kind, str) else "any",
                "required": "required" if name in required_names else "optional",
                "description": str(spec.get("description") or ""),
            }
        )
    return fields
