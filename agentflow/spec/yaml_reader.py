"""The YAML loader for workflow documents: safe, and plain about YAML 1.1 surprises.

PyYAML reads YAML 1.1, where ``yes``, ``no``, ``on`` and ``off`` are booleans,
``0123`` is the octal number 83, ``1_000`` is 1000 and ``1:30`` is 90. YAML 1.2
(and every JSON-minded reader) sees text in the first four and different
numbers or text in the others, so ``id: yes`` used to become ``True`` and the
error then spoke of something else. ``DocumentLoader`` is ``yaml.SafeLoader``
plus two rules for *plain* (unquoted, untagged) scalars whose YAML 1.1 reading
differs from the YAML 1.2 core schema's:

* as a **mapping key** it is read as the text written (``on:`` is the key
  ``"on"``): JSON keys are always text, so no document that loaded before can
  change meaning;
* as a **value** it is refused with its line, column and both readings: read
  as text, a valid ``equals: yes`` or ``default: on`` would silently change
  meaning, so the author says which one is meant (quote it, or write
  ``true``/``false`` or the number plainly).

Any other key that is not text (``1:``, ``true:``, ``null:``, a date, a list)
is refused with its line and a hint to quote it. Quoted scalars and explicit
tags (``!!bool yes``) are read as YAML says; every other plain scalar
(``true``, ``42``, ``0x1F``, ``1.5``, ``null``) means what it means in both
versions and is unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_AMBIGUOUS = "tag:agentflow,2026:yaml11-only"  # private: a plain scalar 1.1 and 1.2 read apart

# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_CORE_NULL = re.compile(r"null|Null|NULL|~|")
_CORE_BOOL = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_CORE_NAN = re.compile(r"\.(nan|NaN|NAN)")


def core_schema_value(text: str) -> Any:
    """What a YAML 1.2 core-schema reader makes of a plain scalar."""
    if _CORE_NULL.fullmatch(text):
        return None
    if text in _CORE_BOOL:
        return _CORE_BOOL[text]
    if _CORE_INT.fullmatch(text):
        return int(text)
    if _CORE_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _CORE_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _CORE_NAN.fullmatch(text):
        return math.nan
    return text


def _same(left: Any, right: Any) -> bool:
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if value is None:
        return "null"
    return "text"


def _hint(text: str, yaml11: Any) -> str:
    quoted = f"quote it ('{text}') if you mean text"
    if isinstance(yaml11, bool):
        return f"{quoted}, or write {str(yaml11).lower()} for the boolean"
    return f"{quoted}, or write the number in plain decimal"


class DocumentLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with the key and YAML 1.1 scalar rules of this module."""

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        tag: str = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and tag in (_BOOL, _INT, _FLOAT):
            yaml11 = self._yaml11_value(tag, value)
            if not _same(yaml11, core_schema_value(value)):
                return _AMBIGUOUS
        return tag

    def _yaml11_value(self, tag: str, text: str) -> Any:
        node = ScalarNode(tag, text)
        if tag == _BOOL:
            return self.construct_yaml_bool(node)
        if tag == _INT:
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)  # merge keys first (idempotent; SafeLoader does it again)
            for key_node, _ in node.value:
                if key_node.tag == _AMBIGUOUS:
                    key_node.tag = _STR  # `on:` is the key "on"
                elif key_node.tag != _STR:
                    raise _key_error(key_node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml11_only(self, node: ScalarNode) -> Any:
        text = node.value
        tag = super().resolve(ScalarNode, text, (True, False))
        yaml11 = self._yaml11_value(tag, text)
        yaml12 = core_schema_value(text)
        raise yaml.MarkedYAMLError(
            problem=(
                f"{text} is read as {_describe(yaml11)} by YAML 1.1 but as {_describe(yaml12)}"
                f" by YAML 1.2; {_hint(text, yaml11)}"
            ),
            problem_mark=node.start_mark,
        )


DocumentLoader.add_constructor(_AMBIGUOUS, DocumentLoader.construct_yaml11_only)


def _key_error(key_node: Node) -> yaml.MarkedYAMLError:
    if isinstance(key_node, ScalarNode):
        kinds = {_BOOL: "a boolean", _INT: "a number", _FLOAT: "a number", _NULL: "null"}
        kind = kinds.get(key_node.tag, "a date" if key_node.tag.endswith(":timestamp") else "")
        if key_node.value:
            problem = (
                f"object keys must be strings, but YAML reads the key {key_node.value} as"
                f" {kind or 'non-text'}; quote it ('{key_node.value}')"
            )
        else:
            problem = "object keys must be strings, but this key is empty (null)"
    else:
        kind = "list" if isinstance(key_node, SequenceNode) else "mapping"
        problem = f"object keys must be strings, not a {kind}"
    return yaml.MarkedYAMLError(problem=problem, problem_mark=key_node.start_mark)
