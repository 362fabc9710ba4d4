"""`Problem`: one validation finding, located by exactly one of node, edge or field.

Serialised as ``{"node" | "edge" | "field": <location>, "message": ...}``, the
shape the format prescribes for ``agentflow run --json`` errors and the API.

Location conventions (shared by loading and validation):

* ``node``: the node id. Inside a subflow body (``map`` / inline ``subflow``)
  the path of ids joined by ``/``, e.g. ``"fan_out/summarise"``; ids cannot
  contain ``/`` so this is unambiguous. A node without a usable id is reported
  as a ``field`` such as ``"nodes[3]"``.
* ``edge``: ``"source->target"``, or ``"source:handle->target"`` when the
  handle is not ``out``, prefixed by the body path like nodes
  (``"fan_out/a->b"``); an edge whose ends are not strings is reported as a
  ``field`` such as ``"edges[7]"``.
* ``field``: a dotted path into the document, e.g. ``"inputs"``,
  ``"settings.timeout_s"``, ``"output.summary"``, or ``"document"`` for
  problems with the text as a whole (size, syntax).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

LocationKind = Literal["node", "edge", "field"]


@dataclass(frozen=True, slots=True)
class Problem:
    """A single problem with a document or run input."""

    kind: LocationKind
    location: str
    message: str

    @classmethod
    def at_node(cls, node_id: str, message: str) -> Problem:
        return cls("node", node_id, message)

    @classmethod
    def at_edge(cls, edge_label: str, message: str) -> Problem:
        return cls("edge", edge_label, message)

    @classmethod
    def at_field(cls, field_path: str, message: str) -> Problem:
        return cls("field", field_path, message)

    @property
    def node(self) -> str | None:
        return self.location if self.kind == "node" else None

    @property
    def edge(self) -> str | None:
        return self.location if self.kind == "edge" else None

    @property
    def field(self) -> str | None:
        return self.location if self.kind == "field" else None

    def to_dict(self) -> dict[str, str]:
        """The wire shape: exactly one location key plus ``message``."""
        return {self.kind: self.location, "message": self.message}

    def __str__(self) -> str:
        return f"{self.kind} {self.location}: {self.message}"


def format_location(location: tuple[int | str, ...]) -> str:
    """``("messages", 0, "content")`` -> ``"messages[0].content"``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_FRIENDLY_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "uuid_parsing": "must be an id (a UUID)",
}
# Wording that needs the limit pydantic reports in the error's context.
_BOUNDED_MESSAGES = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "must have at most {max_length} entries",
    "too_short": "must have at least {min_length} entries",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def _friendly(error: Any) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "string_too_short":
        limit = context.get("min_length", 1)
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters"
    if kind == "too_short" and context.get("min_length") == 1:
        return "must have at least one entry"
    if kind in _BOUNDED_MESSAGES:
        try:
            return _BOUNDED_MESSAGES[kind].format(**context)
        except (KeyError, IndexError, ValueError):
            pass
    message = _FRIENDLY_MESSAGES.get(kind, error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validation_messages(exc: ValidationError) -> list[tuple[str, str]]:
    """Pydantic errors as ``(path, message)`` pairs with readable wording."""
    return [
        (format_location(error["loc"]), _friendly(error))
        for error in exc.errors(include_url=False, include_input=False)
    ]
