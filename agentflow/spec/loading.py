"""Reading a workflow document from JSON or YAML text.

* The size limit (1 MiB) is checked on the raw bytes *before* parsing.
* YAML is read with ``yaml.SafeLoader`` only (``yaml_reader.DocumentLoader``,
  which reads a plain key such as ``on:`` as the text written and refuses a
  plain value such as ``yes`` or ``0123`` that YAML 1.1 and 1.2 read
  differently, naming its line). A streaming event scan runs
  first and refuses anchors and aliases (with merge keys they let a small
  file expand exponentially while loading: "billion laughs") and nesting
  deeper than ``MAX_NESTING`` (PyYAML scans deep nesting in quadratic time).
* The result must be plain JSON data: YAML timestamps become ISO strings (a
  ``date: 2024-01-01`` default means text, not a datetime); other non-JSON
  values (sets, binary, NaN, non-string keys) are problems, as is nesting
  deeper than ``MAX_NESTING``.
* ``syntax="auto"`` reads text starting with ``{`` as JSON (better error
  messages; YAML is tried when that fails, and the JSON error is reported if
  both fail), anything else as YAML.
* Cost: JSON loads in milliseconds. The YAML loader is pure Python: a
  typical 1,000-node document takes ~0.15 s, but a pathological 1 MiB one
  (hundreds of thousands of tiny values) several seconds of CPU, so callers
  taking YAML from the network should run this in a worker thread.

``parse_document`` returns ``(document, [])`` or ``(None, problems)`` with
every load and validation problem at once; ``load_document`` raises
DocumentError instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from agentflow.spec.errors import DocumentError
from agentflow.spec.models import MAX_DOCUMENT_BYTES, Document
from agentflow.spec.node_types import NodeCatalog
from agentflow.spec.problems import Problem, format_location, validation_messages
from agentflow.spec.validation import validate_document
from agentflow.spec.yaml_reader import DocumentLoader

Syntax = Literal["auto", "json", "yaml"]
MAX_NESTING = 100
# Only used to list events (no objects are constructed); libyaml's parser does
# it about seven times faster than the pure-Python one when it is available.
_EVENT_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _fail(message: str, field: str = "document") -> DocumentError:
    return DocumentError([Problem.at_field(field, message)])


def _decode(source: str | bytes) -> str:
    if isinstance(source, str):
        # Cheap test first: UTF-8 never has fewer bytes than characters.
        if len(source) > MAX_DOCUMENT_BYTES or len(source.encode()) > MAX_DOCUMENT_BYTES:
            raise _fail(f"the document is larger than {MAX_DOCUMENT_BYTES:,} bytes")
        return source
    if len(source) > MAX_DOCUMENT_BYTES:
        raise _fail(f"the document is larger than {MAX_DOCUMENT_BYTES:,} bytes")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _fail("the document is not UTF-8 text") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _fail(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise _fail(f"invalid JSON: {exc}") from None


def _scan_yaml_events(text: str) -> None:
    """Refuse aliases and deep nesting from the event stream, before building anything.

    The depth check must happen here, while streaming: PyYAML's scanner gets
    slower with every open ``[``/``{``, so a document made of brackets would
    take hours to scan to its end.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_EVENT_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _fail("YAML anchors and aliases (&name, *name) are not supported")
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise _fail(f"the document is nested deeper than {MAX_NESTING} levels")
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def _parse_yaml(text: str) -> Any:
    try:
        _scan_yaml_events(text)
        return yaml.load(text, Loader=DocumentLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise _fail(f"invalid YAML{where}: {problem}") from None


def _as_json_data(value: Any, path: tuple[int | str, ...] = ()) -> Any:
    """Check (and where unambiguous convert) parsed data into plain JSON data."""
    if len(path) > MAX_NESTING:
        raise _fail(f"the document is nested deeper than {MAX_NESTING} levels")
    if isinstance(value, str | bool | int) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail("numbers must be finite", format_location(path) or "document")
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                location = format_location(path) or "document"
                raise _fail(f"object keys must be strings, not {key!r}", location)
            result[key] = _as_json_data(item, (*path, key))
        return result
    if isinstance(value, list):
        return [_as_json_data(item, (*path, index)) for index, item in enumerate(value)]
    raise _fail(f"unsupported value of type {type(value).__name__}", format_location(path))


def _parse(text: str, syntax: Syntax) -> Any:
    if syntax == "json":
        return _parse_json(text)
    if syntax == "yaml" or not text.lstrip().startswith("{"):
        return _parse_yaml(text)
    try:
        return _parse_json(text)
    except DocumentError as json_error:
        try:  # a YAML flow mapping also starts with "{"
            return _parse_yaml(text)
        except DocumentError:
            raise json_error from None


def load_raw(source: str | bytes, *, syntax: Syntax = "auto") -> dict[str, Any]:
    """Parse JSON or YAML into plain data; raises DocumentError (one problem)."""
    text = _decode(source)
    try:
        data = _as_json_data(_parse(text, syntax))
    except RecursionError:
        raise _fail(f"the document is nested deeper than {MAX_NESTING} levels") from None
    if not isinstance(data, dict):
        raise _fail("a workflow document must be an object (a mapping of fields)")
    return data


def parse_document(
    source: str | bytes, node_types: NodeCatalog, *, syntax: Syntax = "auto"
) -> tuple[Document | None, list[Problem]]:
    """Load and validate: ``(document, [])`` when valid, else ``(None, every problem)``."""
    try:
        raw = load_raw(source, syntax=syntax)
    except DocumentError as exc:
        return None, exc.problems
    problems = validate_document(raw, node_types)
    if problems:
        return None, problems
    try:
        return Document.model_validate(raw), []
    except ValidationError as exc:  # defensive: validation should have caught it
        return None, [Problem.at_field(path, message) for path, message in validation_messages(exc)]


def load_document(
    source: str | bytes, node_types: NodeCatalog, *, syntax: Syntax = "auto"
) -> Document:
    """Like :func:`parse_document` but raises DocumentError listing the problems."""
    document, problems = parse_document(source, node_types, syntax=syntax)
    if document is None:
        raise DocumentError(problems)
    return document
