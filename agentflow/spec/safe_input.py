"""Input that can be stored: text without NUL or lone surrogates, JSON of bounded depth.

Every way in (the API, webhooks, imports, the pages, the CLI) checks with these, so
bad input is refused where it arrives, with the field named, instead of failing
later with a 500:

* PostgreSQL refuses the NUL character in ``text`` and ``jsonb`` values, and a lone
  surrogate (what the JSON escape ``"\\ud800"`` decodes to) cannot be encoded as
  UTF-8, so neither can ever be stored.
* Python's ``json`` recurses: JSON nested 100,000 levels deep raises
  ``RecursionError``, and data a few hundred levels deep still breaks the recursive
  code that handles it afterwards (encoders, validators). Data is limited to
  :data:`MAX_DEPTH` levels, the same as documents (``spec.loading.MAX_NESTING``).

:func:`loads` parses JSON with both checks; :func:`check_data` checks data parsed
some other way (form fields, query parameters, YAML, service input models);
:func:`text_problem` checks one text field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from agentflow.spec.problems import Problem, format_location

MAX_DEPTH = 100
Location = tuple[int | str, ...]

# Python strings hold a surrogate pair as one character, so any surrogate is alone.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnsafeInput(ValueError):
    """Input that cannot be stored; ``location`` says where (``()``: the whole of it)."""

    def __init__(self, message: str, location: Location = ()) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def field(self, *root: int | str) -> str:
        return format_location((*root, *self.location)) or "input"

    def problem(self, *root: int | str) -> Problem:
        return Problem.at_field(self.field(*root), self.message)

    def describe(self, *root: int | str) -> str:
        return f"{self.field(*root)}: {self.message}"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL characters (\\u0000)"
    return f"must not contain unpaired surrogates (\\u{ord(found.group()):04x})"


def _path(trail: tuple[Any, ...]) -> Location:
    parts: list[int | str] = []
    while trail:
        trail, key = trail
        parts.append(key)
    return tuple(reversed(parts))


def check_data(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse (UnsafeInput, located) text that cannot be stored anywhere in ``value``,
    keys included, and nesting deeper than ``max_depth``. Iterative: any depth is safe."""
    # (item, its depth, its trail: (parent trail, key) pairs, made into a path on error)
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 0, ())]
    while stack:
        item, depth, trail = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                raise UnsafeInput(problem, _path(trail))
            continue
        if isinstance(item, Mapping):
            children = list(item.items())
        elif isinstance(item, list | tuple):
            children = list(enumerate(item))
        else:
            continue
        if depth >= max_depth:
            # The outermost field is enough to say where: the full path is very long.
            raise UnsafeInput(f"is nested deeper than {max_depth} levels", _path(trail)[:1])
        for key, child in reversed(children):
            if isinstance(key, str) and (problem := text_problem(key)) is not None:
                raise UnsafeInput(f"has a key that {problem}", _path(trail))
            stack.append((child, depth + 1, (trail, key)))


def parse_json(data: str | bytes) -> Any:
    """``json.loads``, with JSON too deep for it refused (UnsafeInput) instead of
    raising RecursionError. Invalid JSON raises ``json.JSONDecodeError`` as usual."""
    try:
        return json.loads(data)
    except RecursionError:
        raise UnsafeInput(f"is nested deeper than {MAX_DEPTH} levels") from None


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON that can be stored: :func:`parse_json`, then :func:`check_data`."""
    value = parse_json(data)
    check_data(value, max_depth=max_depth)
    return value
