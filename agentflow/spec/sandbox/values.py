"""Turning evaluation results into JSON data or text, without unbounded work.

Results leave the sandbox as plain JSON-compatible data: ``dict`` with string
keys, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None``. Tuples,
ranges and lazy filter results (generators) become lists; anything else
(functions, the ``loop`` object...) is refused, so no Python object ever
escapes an evaluation.

Text rendering rules (used for ``{{ }}`` inside mixed text and for ``~``):
strings as they are, ``None`` as the empty string, booleans as ``true`` /
``false``, numbers as JSON numbers, lists and objects as one-line JSON
(``{"a": 1}``, not Python's ``{'a': 1}``).

Secrets (:class:`SecretValue`) are opaque: :func:`to_text` and
:func:`to_json` (used by filters and ``~``) refuse them, while
:func:`to_data` and :func:`placed_text` (the evaluation's result and each
``{{ }}`` in text, where a secret is *placed*) hand them to
:func:`placed_value`, which follows the evaluation's secret mode.

Sizes are estimated *before* anything large is built: a list holding the same
1 MiB string a hundred thousand times is cheap to hold but must not be
serialised, so every walk stops as soon as the estimate passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from jinja2.runtime import LoopContext, Undefined

from agentflow.spec.errors import ExpressionError
from agentflow.spec.sandbox.budget import Budget, current_budget
from agentflow.spec.sandbox.secrets import SecretValue, placed_value

MAX_DEPTH = 100
_LIST_LIKE = (list, tuple, range)


def raise_if_undefined(value: Any) -> None:
    """Raise the clear 'x is undefined' error for a Jinja Undefined value."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError with its message here
        raise ExpressionError("value is undefined")


def describe(value: Any) -> str:
    """A short, Python-free description of a value's kind, for error messages."""
    if isinstance(value, LoopContext):
        return "the loop object"
    if isinstance(value, SecretValue):
        return f"the secret {value.name}"
    if callable(value):
        return "a function"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, _LIST_LIKE):
        return "a list"
    if isinstance(value, Iterator):
        return "a lazy sequence (apply | list first)"
    return f"a value of type {type(value).__name__!r}"


class _Converter:
    """One bounded walk: converts to JSON data while summing an estimated JSON size."""

    def __init__(self, budget: Budget, indent: int, placed: bool) -> None:
        self.budget = budget
        self.cap = budget.limits.max_text_chars
        self.indent = indent
        self.placed = placed  # the result of an evaluation: secrets in it are placed
        self.chars = 0

    def _add(self, size: int) -> None:
        self.chars += size
        if self.chars > self.cap:
            raise ExpressionError(
                f"value is larger than the limit of {self.cap:,} characters when serialised"
            )

    def convert(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"value is nested deeper than {MAX_DEPTH} levels")
        raise_if_undefined(value)
        if value is None or isinstance(value, bool):
            self._add(5)
            return value
        if isinstance(value, int):
            self._add(value.bit_length() // 3 + 2)
            return int(value)
        if isinstance(value, float):
            self._add(24)
            return float(value)
        if isinstance(value, str):
            self._add(len(value) + 2)
            return str(value)  # also turns Markup into a plain str
        if isinstance(value, SecretValue):
            if not self.placed:
                value.refuse("it cannot be turned into text or JSON")
            text = placed_value(value)
            self._add(len(text) + 2)
            return text
        # Each element also costs its separator and, when pretty-printing, its indentation.
        per_element = 2 + self.indent * (depth + 1)
        if isinstance(value, Mapping):
            self._add(2)
            result: dict[str, Any] = {}
            for key, item in value.items():
                self.budget.element_visit()
                text_key = self._key(key)
                self._add(len(text_key) + 2 + per_element)
                result[text_key] = self.convert(item, depth + 1)
            return result
        if isinstance(value, LoopContext) or not _is_list_like(value):
            raise ExpressionError(f"{describe(value)} cannot be used as data")
        self._add(2)
        items = []
        for item in value:
            self.budget.element_visit()
            self._add(per_element)
            items.append(self.convert(item, depth + 1))
            if len(items) > self.budget.limits.max_items:
                self.budget.items(len(items))
        return items

    def _key(self, key: Any) -> str:
        raise_if_undefined(key)
        if isinstance(key, SecretValue):
            key.refuse("it cannot be an object key")
        if isinstance(key, str):
            return str(key)
        if key is None or isinstance(key, bool | int | float):
            return json.dumps(key)  # the key text JSON itself would use
        raise ExpressionError(f"object keys must be strings, not {describe(key)}")


def _is_list_like(value: Any) -> bool:
    # Iterators are the lazy results of filters such as map, select, reverse, items.
    return isinstance(value, (*_LIST_LIKE, Iterator))


def to_data(value: Any, budget: Budget | None = None) -> Any:
    """Convert an evaluation result to JSON data, refusing oversized or non-data values.

    The result is where secrets are placed: each one becomes what
    :func:`placed_value` says (refused, the value, or the mask).
    """
    return _Converter(budget or current_budget(), indent=0, placed=True).convert(value, 0)


def to_json(
    value: Any, budget: Budget | None = None, indent: int | None = None, *, placed: bool = False
) -> str:
    """Serialise to JSON text within the limits (``tojson`` and text rendering)."""
    active = budget or current_budget()
    data = _Converter(active, indent=indent or 0, placed=placed).convert(value, 0)
    separators = (", ", ": ") if indent is None else (",", ": ")
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=separators)
    active.text(len(text))
    return text


def to_text(value: Any, budget: Budget | None = None) -> str:
    """Text form of a value for filters and ``~`` (rules in module doc); refuses secrets."""
    return _text(value, budget or current_budget(), placed=False)


def placed_text(value: Any) -> str:
    """Text form of the value of a ``{{ }}`` in mixed text, where secrets are placed."""
    return _text(value, current_budget(), placed=True)


def _text(value: Any, active: Budget, *, placed: bool) -> str:
    raise_if_undefined(value)
    if isinstance(value, SecretValue):
        if not placed:
            value.refuse("it cannot be turned into text")
        text = placed_value(value)
        active.text(len(text))
        return text
    if isinstance(value, str):
        active.text(len(value))
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return to_json(value, active, placed=placed)


def estimate_chars(value: Any, cap: int) -> int:
    """Estimated JSON size of ``value``, stopping early once it exceeds ``cap``.

    Used before ``+`` / ``*`` on lists; never consumes lazy iterators (they
    count as zero: they cannot be added or multiplied anyway).
    """
    total = 0
    stack = [value]
    while stack and total <= cap:
        current = stack.pop()
        if isinstance(current, str):
            total += len(current) + 2
        elif isinstance(current, Mapping):
            total += 2
            for key, item in islice(current.items(), cap):
                total += 4 + (len(key) if isinstance(key, str) else 8)
                stack.append(item)
        elif isinstance(current, _LIST_LIKE):
            total += 2 + len(current)  # separators; stop before walking huge ranges
            if not isinstance(current, range):
                stack.extend(islice(current, cap))
        else:
            total += 8
    return total
