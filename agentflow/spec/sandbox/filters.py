"""The explicit allow-list of filters and tests available to expressions.

Only what is listed here exists; Jinja's defaults that could format, print
or allocate without bounds (``format``, ``center``, ``indent``, ``wordwrap``,
``batch``, ``slice``, ``pprint``, ``xmlattr``, ``striptags``...) are left out.

Jinja's own implementations are reused where they are safe, with their input
wrapped by :func:`counted` so iteration is bounded by the budget. Filters
that turn values into text (``string``, ``lower``, ``join``...) go through
:func:`to_text`, so a list is rendered as JSON and its size is checked before
the text is built. Extras beyond Jinja's set: ``fromjson`` (parse JSON text,
e.g. an LLM reply) and ``split`` (method calls such as ``s.split()`` are not
allowed, so this is the way to split strings).

Every filter and test is wrapped by :func:`refusing_secrets`: a secret
(``env.NAME``) given to one is an ExpressionError naming it, except
``default`` (which hands it back, still opaque) and the tests ``defined``,
``undefined`` and ``none`` (see :mod:`agentflow.spec.sandbox.secrets`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any, cast
from urllib.parse import quote

from jinja2 import Environment, pass_context, pass_environment
from jinja2 import filters as jinja_filters
from jinja2 import tests as jinja_tests
from jinja2.runtime import Context

from agentflow.spec.errors import ExpressionError
from agentflow.spec.sandbox.budget import counted, current_budget
from agentflow.spec.sandbox.secrets import (
    SECRET_PASSTHROUGH_FILTERS,
    SECRET_SAFE_TESTS,
    refusing_secrets,
)
from agentflow.spec.sandbox.values import describe, raise_if_undefined, to_json, to_text

_WORD = re.compile(r"\w+")
_MAX_JSON_INDENT = 8


# -- text ------------------------------------------------------------------


def _string(value: Any) -> str:
    return to_text(value)


def _lower(value: Any) -> str:
    return to_text(value).lower()


def _upper(value: Any) -> str:
    return to_text(value).upper()


def _capitalize(value: Any) -> str:
    return to_text(value).capitalize()


def _title(value: Any) -> str:
    return jinja_filters.do_title(to_text(value))


def _trim(value: Any, chars: str | None = None) -> str:
    return to_text(value).strip(None if chars is None else to_text(chars))


def _wordcount(value: Any) -> int:
    return sum(1 for _ in _WORD.finditer(to_text(value)))


def _replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old_text, new_text = to_text(value), to_text(old), to_text(new)
    occurrences = len(text) + 1 if old_text == "" else text.count(old_text)
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    current_budget().text(len(text) + occurrences * (len(new_text) - len(old_text)))
    return text.replace(old_text, new_text, -1 if count is None else count)


def _split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    text = to_text(value)
    sep = None if separator is None else to_text(separator)
    if sep == "":
        raise ExpressionError("split: the separator cannot be empty")
    budget = current_budget()
    budget.items(len(text) + 1 if sep is None else text.count(sep) + 1)
    return text.split(sep, maxsplit)


@pass_environment
def _truncate(
    environment: Environment,
    value: Any,
    length: int = 255,
    killwords: bool = False,
    end: str = "...",
    leeway: int | None = None,
) -> str:
    return jinja_filters.do_truncate(environment, to_text(value), length, killwords, end, leeway)


def _urlencode(value: Any) -> str:
    if isinstance(value, Mapping):
        pairs: Iterable[Any] = value.items()
    elif isinstance(value, str) or not isinstance(value, Iterable):
        text = quote(to_text(value), safe="/")
        current_budget().text(len(text))
        return text
    else:
        pairs = value
    parts = []
    for pair in counted(pairs):
        key, item = pair
        parts.append(f"{quote(to_text(key), safe='')}={quote(to_text(item), safe='')}")
    text = "&".join(parts)
    current_budget().text(len(text))
    return text


# -- JSON ------------------------------------------------------------------


def _tojson(value: Any, indent: int | None = None) -> str:
    if indent is not None and not 0 <= indent <= _MAX_JSON_INDENT:
        raise ExpressionError(f"tojson: indent must be between 0 and {_MAX_JSON_INDENT}")
    return to_json(value, indent=indent)


def _fromjson(value: Any) -> Any:
    raise_if_undefined(value)
    if not isinstance(value, str):
        raise ExpressionError(f"fromjson needs a string, not {describe(value)}")
    current_budget().text(len(value))
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ExpressionError(
            f"fromjson: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise ExpressionError("fromjson: JSON is nested too deeply") from None


# -- collections -------------------------------------------------------------


def _length(value: Any) -> int:
    raise_if_undefined(value)
    if isinstance(value, str | Mapping | list | tuple | range):
        return len(value)
    if isinstance(value, Iterable):
        return sum(1 for _ in counted(value))
    raise ExpressionError(f"length: {describe(value)} has no length")


def _as_list(value: Any) -> list[Any]:
    """Materialise an iterable within the item limit (``list`` filter and helpers)."""
    raise_if_undefined(value)
    if not isinstance(value, Iterable):
        raise ExpressionError(f"{describe(value)} is not a list")
    limit = current_budget().limits.max_items
    items = list(islice(counted(value), limit + 1))
    current_budget().items(len(items))
    return items


@pass_environment
def _first(environment: Environment, value: Any) -> Any:
    for item in counted(value):
        return item
    return environment.undefined("first: the list is empty")


@pass_environment
def _last(environment: Environment, value: Any) -> Any:
    items = value if isinstance(value, str | list | tuple | range) else _as_list(value)
    return items[-1] if items else environment.undefined("last: the list is empty")


def _reverse(value: Any) -> Any:
    if isinstance(value, str):
        current_budget().text(len(value))
        return value[::-1]
    return _as_list(value)[::-1]


@pass_environment
def _join(environment: Environment, value: Any, separator: Any = "", attribute: Any = None) -> str:
    budget = current_budget()
    getter = jinja_filters.make_attrgetter(environment, attribute) if attribute else None
    glue = to_text(separator)
    pieces: list[str] = []
    total = 0
    for item in counted(value):
        piece = to_text(getter(item) if getter else item)
        total += len(piece) + (len(glue) if pieces else 0)
        if total > budget.limits.max_text_chars:
            budget.text(total)  # raises with the standard message
        pieces.append(piece)
    budget.text(total)
    return glue.join(pieces)


@pass_environment
def _sum(environment: Environment, value: Any, attribute: Any = None, start: Any = 0) -> Any:
    getter = jinja_filters.make_attrgetter(environment, attribute) if attribute else None
    total = start
    for item in counted(value):
        number = getter(item) if getter else item
        raise_if_undefined(number)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ExpressionError(f"sum: {describe(number)} is not a number")
        total += number
    return total


def _counted_by_context(jinja_filter: Callable[..., Any]) -> Callable[..., Any]:
    """Reuse a Jinja filter taking the context, bounding how many elements it visits."""

    @pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        return jinja_filter(context, counted(value), *args, **kwargs)

    return bounded


def _counted_by_environment(jinja_filter: Callable[..., Any]) -> Callable[..., Any]:
    """Reuse a Jinja filter taking the environment, bounding how many elements it visits."""

    @pass_environment
    def bounded(environment: Environment, value: Any, *args: Any, **kwargs: Any) -> Any:
        return jinja_filter(environment, counted(value), *args, **kwargs)

    return bounded


_FILTERS: dict[str, Callable[..., Any]] = {
    # text
    "capitalize": _capitalize,
    "lower": _lower,
    "replace": _replace,
    "split": _split,
    "string": _string,
    "title": _title,
    "trim": _trim,
    "truncate": _truncate,
    "upper": _upper,
    "urlencode": _urlencode,
    "wordcount": _wordcount,
    # JSON
    "fromjson": _fromjson,
    "tojson": _tojson,
    # numbers and fallbacks
    "abs": abs,
    "d": jinja_filters.do_default,
    "default": jinja_filters.do_default,
    "float": jinja_filters.do_float,
    "int": jinja_filters.do_int,
    "round": jinja_filters.do_round,
    # collections
    "count": _length,
    "dictsort": jinja_filters.do_dictsort,
    "first": _first,
    "groupby": _counted_by_environment(jinja_filters.sync_do_groupby),
    "items": jinja_filters.do_items,
    "join": _join,
    "last": _last,
    "length": _length,
    "list": _as_list,
    "map": _counted_by_context(jinja_filters.sync_do_map),
    "max": _counted_by_environment(jinja_filters.do_max),
    "min": _counted_by_environment(jinja_filters.do_min),
    "reject": _counted_by_context(jinja_filters.sync_do_reject),
    "rejectattr": _counted_by_context(jinja_filters.sync_do_rejectattr),
    "reverse": _reverse,
    "select": _counted_by_context(jinja_filters.sync_do_select),
    "selectattr": _counted_by_context(jinja_filters.sync_do_selectattr),
    "sort": _counted_by_environment(jinja_filters.do_sort),
    "sum": _sum,
    "unique": _counted_by_environment(jinja_filters.sync_do_unique),
}
FILTERS: dict[str, Callable[..., Any]] = {
    name: (
        function
        if name in SECRET_PASSTHROUGH_FILTERS
        else refusing_secrets("filter", name, function)
    )
    for name, function in _FILTERS.items()
}


def _is_lower(value: Any) -> bool:
    return isinstance(value, str) and value.islower()


def _is_upper(value: Any) -> bool:
    return isinstance(value, str) and value.isupper()


_REUSED_TESTS = frozenset(
    {
        # kinds of values
        "defined",
        "undefined",
        "none",
        "boolean",
        "true",
        "false",
        "integer",
        "float",
        "number",
        "string",
        "mapping",
        "sequence",
        "iterable",
        # numbers
        "odd",
        "even",
        "divisibleby",
        # comparisons (also usable as selectattr("x", "==", 1))
        "in",
        "==",
        "eq",
        "equalto",
        "!=",
        "ne",
        ">",
        "gt",
        "greaterthan",
        ">=",
        "ge",
        "<",
        "lt",
        "lessthan",
        "<=",
        "le",
    }
)
# Jinja annotates its table with the private type `function`; widen it for mypy.
_JINJA_TESTS = cast(dict[str, Callable[..., Any]], jinja_tests.TESTS)

_TESTS: dict[str, Callable[..., Any]] = {
    **{name: _JINJA_TESTS[name] for name in sorted(_REUSED_TESTS)},
    "lower": _is_lower,
    "upper": _is_upper,
}
TESTS: dict[str, Callable[..., Any]] = {
    name: function if name in SECRET_SAFE_TESTS else refusing_secrets("test", name, function)
    for name, function in _TESTS.items()
}

# Kept for readers wondering why these are absent: each can allocate or loop
# without a bound the budget sees, print Python reprs, or is HTML-only.
EXCLUDED_JINJA_FILTERS = frozenset(
    {
        "attr",
        "batch",
        "center",
        "e",
        "escape",
        "filesizeformat",
        "forceescape",
        "format",
        "indent",
        "pprint",
        "random",
        "safe",
        "slice",
        "striptags",
        "urlize",
        "wordwrap",
        "xmlattr",
    }
)
