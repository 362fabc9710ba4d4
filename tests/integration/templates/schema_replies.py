"""The smallest LLM replies a JSON Schema accepts, to run templates on replies that
are valid but poor: optional fields left out, empty lists, nulls where allowed.

Three shapes per schema: ``sparse`` (required fields only, lists of one item,
``null`` where the type allows it, the first enum value), ``empty`` (the same with
lists at their minimum length, often none) and ``full`` (every field, lists of one
item, never ``null``, the last enum value).
Each reply is checked against its schema before it is used, so a generator
mistake shows as a failed check rather than as a template bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from jsonschema.validators import validator_for

Shape = Literal["sparse", "empty", "full"]
SHAPES: tuple[Shape, ...] = ("sparse", "empty", "full")

# Tried in order for a string; the first one the string's own schema accepts is used
# (patterns and formats in the templates are simple: a currency code, a date, a URL).
_STRING_CANDIDATES = ("", "x", "EUR", "2026-01-01", "x@example.com", "https://example.com/x")
TEXT_REPLY = "x"
"""The reply of an LLM node without a schema: litellm treats an empty mock as none."""


def schema_reply(schema: Mapping[str, Any], shape: Shape) -> Any:
    """A value ``schema`` accepts, of the given shape; raises if it cannot find one."""
    reply = _value(schema, shape)
    _checker(schema).validate(reply)
    return reply


def _checker(schema: Mapping[str, Any]) -> Any:
    validator_class = validator_for(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def _value(schema: Mapping[str, Any], shape: Shape) -> Any:
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][-1 if shape == "full" else 0]
    types = schema.get("type", "object")
    types = [types] if isinstance(types, str) else list(types)
    if "null" in types and (shape != "full" or len(types) == 1):
        return None
    kind = next(kind for kind in types if kind != "null")
    if kind == "object":
        properties: Mapping[str, Any] = schema.get("properties", {})
        names = list(properties) if shape == "full" else schema.get("required", [])
        return {name: _value(properties.get(name, {}), shape) for name in names}
    if kind == "array":
        length = schema.get("minItems", 0)
        if shape != "empty":
            length = max(length, min(1, schema.get("maxItems", 1)))
        return [_value(schema.get("items", {}), shape) for _ in range(length)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return shape == "full"
    return _string(schema)


def _string(schema: Mapping[str, Any]) -> str:
    checker = _checker({"type": "string", **schema})
    for candidate in _STRING_CANDIDATES:
        if checker.is_valid(candidate):
            return candidate
    raise ValueError(f"no candidate string fits {dict(schema)}")
