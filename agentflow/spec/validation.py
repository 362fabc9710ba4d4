"""Validation of whole documents and of run inputs.

``validate_document`` answers every problem at once (the format's rule): the
document-level checks here (size, format, name, settings, inputs schema)
plus the graph checks of :mod:`agentflow.spec.graph_validation` (ids,
types, configs, edges, handles, cycles, trigger, templates, references,
limits, subflow bodies) and the shape of the optional sticky ``notes``
(:mod:`agentflow.spec.notes`). Each problem names exactly one node, edge or field;
see :mod:`agentflow.spec.problems` for how locations are written.

Rules beyond the format's list, each cheap and preventing a run-time surprise:
a schedule trigger's ``input`` (an added field) must fit ``inputs``;
a trigger cannot have incoming edges; duplicate edges are refused; names not
in scope (``item`` outside a map body, typos such as ``inptu``) are refused;
``nodes`` must be used as ``nodes.<id>`` so references can be checked;
subflow bodies nest at most ``MAX_BODY_DEPTH`` levels. Several triggers are
allowed (e.g. a webhook and a schedule for the same workflow).

``validate_run_input`` checks a run's input against ``inputs`` with the
schema's own draft and its format checker (so ``"format": "email"`` is
enforced); remote ``$ref`` are never fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import SchemaError
from jsonschema.exceptions import ValidationError as SchemaValidationError
from jsonschema.validators import validator_for
from pydantic import ValidationError

from agentflow.spec.expressions import SCOPE_NAMES
from agentflow.spec.graph_validation import Location, Scope, validate_graph
from agentflow.spec.models import FORMAT, MAX_DOCUMENT_BYTES, Document
from agentflow.spec.node_types import TRIGGER_TYPE, NodeCatalog
from agentflow.spec.notes import NOTES_FIELD, note_problems
from agentflow.spec.problems import Problem, format_location, validation_messages
from agentflow.spec.safe_input import UnsafeInput, check_data

MAX_LISTED_INPUT_ERRORS = 20
_MAX_INPUT_ERROR_CHARS = 300
# Checked by the graph validator (and the notes' own check) with better locations
# than pydantic's.
_GRAPH_FIELDS = ("nodes", "edges", "output", NOTES_FIELD)


def validate_document(
    document: Document | Mapping[str, Any], node_types: NodeCatalog
) -> list[Problem]:
    """Every problem of a document (a model or raw parsed JSON/YAML); ``[]`` when valid.

    ``node_types`` are the types its nodes may use: the product passes
    ``agentflow.nodes.registry.NODE_TYPES``."""
    raw: Any = document.model_dump(mode="json") if isinstance(document, Document) else document
    if not isinstance(raw, Mapping):
        return [Problem.at_field("document", "a workflow document must be a JSON object")]
    size_problem = document_size_problem(raw)
    if size_problem:
        return [size_problem]
    problems = _header_problems(raw)
    problems += validate_graph(
        raw.get("nodes"),
        raw.get("edges"),
        raw.get("output"),
        Location(),
        Scope(names=SCOPE_NAMES),
        node_types,
    )
    problems += note_problems(raw.get(NOTES_FIELD))
    if not problems:
        problems += _scheduled_input_problems(raw)
    return problems


def _scheduled_input_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """A schedule trigger's ``input`` must fit ``inputs``, or every tick would be refused."""
    problems = []
    for node in raw.get("nodes") or []:
        config = node.get("config") or {}
        if node.get("type") != TRIGGER_TYPE or config.get("kind") != "schedule":
            continue
        if "input" not in config or config["input"] is None:
            continue
        for problem in validate_run_input(raw, config["input"]):
            message = problem.message.replace("input does not match", "config.input does not match")
            problems.append(Problem.at_node(str(node.get("id")), message))
    return problems


def document_size_problem(raw: Mapping[str, Any]) -> Problem | None:
    """The document over ``MAX_DOCUMENT_BYTES`` (UTF-8 JSON), the limit of every way
    a document is stored (create, import, draft save)."""
    try:
        size = len(json.dumps(raw, ensure_ascii=False, default=str).encode())
    except (RecursionError, ValueError):
        return Problem.at_field("document", "the document is nested too deeply")
    if size > MAX_DOCUMENT_BYTES:
        return Problem.at_field(
            "document", f"the document is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}"
        )
    return None


def _header_problems(raw: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if raw.get("format") != FORMAT:
        problems.append(
            Problem.at_field("format", f"unknown format {raw.get('format')!r}; expected '{FORMAT}'")
        )
    header = {key: value for key, value in raw.items() if key not in _GRAPH_FIELDS}
    header["format"] = FORMAT
    try:
        Document.model_validate(header)
    except ValidationError as exc:
        problems += [Problem.at_field(path, message) for path, message in validation_messages(exc)]
    inputs = raw.get("inputs")
    if isinstance(inputs, Mapping):
        problems += _schema_problems(inputs)
    return problems


def _schema_problems(schema: Mapping[str, Any]) -> list[Problem]:
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = format_location(("inputs", *exc.path))
        return [Problem.at_field("inputs", f"not a valid JSON Schema ({where}): {exc.message}")]
    return []


def validate_run_input(document: Document | Mapping[str, Any], run_input: Any) -> list[Problem]:
    """Problems of a run input against the document's ``inputs``; ``[]`` when it fits.

    All schema errors are listed in one problem's message (at most
    ``MAX_LISTED_INPUT_ERRORS``), located at field ``input``.
    """
    try:  # what no schema can allow: text that cannot be stored, nesting too deep
        check_data(run_input)
    except UnsafeInput as exc:
        return [exc.problem("input")]
    schema = document.inputs if isinstance(document, Document) else document.get("inputs", {})
    if not isinstance(schema, Mapping):
        return [Problem.at_field("inputs", "inputs must be a JSON Schema object")]
    try:
        validator_class = validator_for(schema)
        validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
        errors = sorted(
            validator.iter_errors(run_input),
            key=lambda error: [str(part) for part in error.absolute_path],
        )
    except SchemaError as exc:
        return [Problem.at_field("inputs", f"not a valid JSON Schema: {exc.message}")]
    except Exception as exc:  # e.g. an unresolvable $ref: report, never crash the caller
        return [Problem.at_field("inputs", f"the inputs schema cannot be applied ({exc})"[:300])]
    if not errors:
        return []
    listed = "; ".join(_describe_input_error(error) for error in errors[:MAX_LISTED_INPUT_ERRORS])
    if len(errors) > MAX_LISTED_INPUT_ERRORS:
        listed += f"; and {len(errors) - MAX_LISTED_INPUT_ERRORS} more"
    return [Problem.at_field("input", f"input does not match the inputs schema: {listed}")]


def _describe_input_error(error: SchemaValidationError) -> str:
    where = format_location(("input", *error.absolute_path))
    message = error.message
    if len(message) > _MAX_INPUT_ERROR_CHARS:
        message = message[:_MAX_INPUT_ERROR_CHARS] + "..."
    return f"at {where}: {message}"
