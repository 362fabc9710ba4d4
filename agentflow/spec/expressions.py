"""Templates and expressions: the public face of the sandboxed evaluator.

A *template* is a string. Without ``{{`` or ``{%`` it is plain text and used
verbatim (so ``{#`` alone is not markup). A template that is exactly one
``{{ expr }}`` (whitespace around allowed) evaluates to the value itself,
with its type; any other template renders to a string (non-string values
inside text: see :mod:`agentflow.spec.sandbox.values`). An *expression* is
a bare Jinja expression (``input.n > 5``) or the same wrapped in ``{{ }}``.

Values from the scope are inserted as data and never rendered again: a node
output containing ``"{{ 7*7 }}"`` stays exactly that text.

Scope (built by :func:`build_scope`): ``input``, ``nodes`` (id ->
``{"output": ...}``), ``env`` (secrets), ``run`` (``id``, ``started_at``),
and inside a ``map`` body ``item`` and ``index``. Unknown names and missing
keys are errors, not silent empties: ``nodes.x.output.missing`` raises
ExpressionError ("the object has no key 'missing'"); write
``nodes.x.output.missing | default(none)`` or test ``is defined`` when a key
is optional. This catches typos instead of sending empty prompts.

Secrets: ``env.NAME`` is opaque (see :mod:`agentflow.spec.sandbox.secrets`).
It can only be *placed* whole, and only a caller rendering a field that leaves
the system passes ``secrets="outbound"`` (the real value) or ``"masked"``
(the same rendering for the step record, with ``••••••``); everywhere else,
and for every filter, slice, comparison or ``~`` on it, using a secret is an
ExpressionError naming it, so no transformed copy of a secret can be stored.

Every evaluation is bounded in time and size (:class:`Limits`) and every
failure, whatever its cause, is an :class:`ExpressionError` whose message
contains no Python internals. Safety rules: see ``sandbox.environment`` and
``sandbox.syntax``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from jinja2 import TemplateError, TemplateSyntaxError

from agentflow.spec.errors import ExpressionError
from agentflow.spec.sandbox.budget import DEFAULT_LIMITS, Budget, Limits, evaluation_budget
from agentflow.spec.sandbox.secrets import (
    MASK,
    SecretMode,
    SecretUseError,
    SecretValue,
    secret_scope,
)
from agentflow.spec.sandbox.secrets import secret_mode as _secret_mode
from agentflow.spec.sandbox.syntax import (
    RESULT_NAME,
    CompiledTemplate,
    check_length,
    compile_expression,
    compile_template,
    find_problems,
    has_markup,
    node_references,
    parse_expression,
    parse_template,
)
from agentflow.spec.sandbox.values import to_data

__all__ = [
    "DEFAULT_LIMITS",
    "MAP_BODY_NAMES",
    "SCOPE_NAMES",
    "SECRET_MASK",
    "ExpressionError",
    "Limits",
    "SecretMode",
    "SecretUseError",
    "SecretValue",
    "build_scope",
    "check_expression",
    "check_template",
    "evaluate_expression",
    "has_markup",
    "referenced_nodes",
    "render_template",
    "render_value",
]

SCOPE_NAMES = frozenset({"input", "nodes", "env", "run"})
"""Names every template and expression may use."""
MAP_BODY_NAMES = SCOPE_NAMES | {"item", "index"}
"""Names available inside a ``map`` node's subflow body."""

_MAX_VALUE_DEPTH = 100
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_MAX_MESSAGE_CHARS = 500
_NO_ITEM: Any = object()
SECRET_MASK = MASK
"""What a secret placed in an outbound field looks like in ``secrets="masked"``."""


# -- evaluation -----------------------------------------------------------------


def render_template(
    template: str,
    scope: Mapping[str, Any],
    *,
    limits: Limits = DEFAULT_LIMITS,
    secrets: SecretMode = "refuse",
) -> Any:
    """Render a template: the native value for a lone ``{{ expr }}``, else a string.

    ``secrets`` says what a secret placed whole in the result becomes:
    ``refuse`` (an error, the default), ``outbound`` (its value: only for fields
    sent out of the system) or ``masked`` (``••••••``, for the record of such a field).
    """
    if not isinstance(template, str):
        raise TypeError("render_template expects a string")
    if not has_markup(template):
        return template
    with (
        evaluation_budget(limits) as budget,
        _secret_mode(secrets),
        _expression_errors(),
    ):
        check_length(template, limits.max_template_chars)
        return _run(compile_template(template), scope, budget)


def evaluate_expression(
    expression: str, scope: Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> Any:
    """Evaluate ``input.n > 5`` or ``{{ input.n > 5 }}`` to its value."""
    if not isinstance(expression, str):
        raise TypeError("evaluate_expression expects a string")
    # Expressions (conditions, switch values, map items) never leave the system.
    with evaluation_budget(limits) as budget, _secret_mode("refuse"), _expression_errors():
        check_length(expression, limits.max_template_chars)
        return _run(compile_expression(expression), scope, budget)


def render_value(
    value: Any,
    scope: Mapping[str, Any],
    *,
    limits: Limits = DEFAULT_LIMITS,
    secrets: SecretMode = "refuse",
) -> Any:
    """Render every string leaf of a JSON value as a template (object keys stay literal).

    Used for ``set.values``, HTTP headers/query/body and an object ``output``.
    All leaves share one budget and ``secrets`` (see :func:`render_template`).
    """
    with evaluation_budget(limits):
        return _render_leaves(value, scope, limits, secrets, depth=0)


def _render_leaves(
    value: Any, scope: Mapping[str, Any], limits: Limits, mode: SecretMode, depth: int
) -> Any:
    if depth > _MAX_VALUE_DEPTH:
        raise ExpressionError(f"value is nested deeper than {_MAX_VALUE_DEPTH} levels")
    if isinstance(value, str):
        return render_template(value, scope, limits=limits, secrets=mode)
    if isinstance(value, Mapping):
        return {
            key: _render_leaves(item, scope, limits, mode, depth + 1) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_render_leaves(item, scope, limits, mode, depth + 1) for item in value]
    return value


def _run(compiled: CompiledTemplate, scope: Mapping[str, Any], budget: Budget) -> Any:
    context = compiled.template.new_context(dict(scope))
    chunks = compiled.template.root_render_func(context)
    if compiled.native:
        for _ in chunks:  # a native template only assigns its result
            pass
        return to_data(context.vars[RESULT_NAME], budget)
    parts: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > budget.limits.max_text_chars:
            budget.text(total)  # raises the standard size error
        parts.append(chunk)
    return "".join(parts)


def _clean_message(text: str) -> str:
    text = _ADDRESS.sub("", text).strip() or "evaluation failed"
    return text if len(text) <= _MAX_MESSAGE_CHARS else text[:_MAX_MESSAGE_CHARS] + "..."


@contextmanager
def _expression_errors() -> Iterator[None]:
    """Turn whatever an evaluation raises into an ExpressionError with a clean message."""
    try:
        yield
    except ExpressionError:
        raise
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.message}") from None
    except TemplateError as exc:  # undefined names/keys, sandbox refusals
        raise ExpressionError(_clean_message(exc.message or "template error")) from None
    except ZeroDivisionError:
        raise ExpressionError("division by zero") from None
    except RecursionError:
        raise ExpressionError("value or expression is nested too deeply") from None
    except MemoryError:
        raise ExpressionError("evaluation ran out of memory") from None
    except (
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
        AttributeError,
        AssertionError,
    ) as exc:
        raise ExpressionError(_clean_message(str(exc))) from None
    except Exception as exc:  # anything else: name the kind, never the internals
        raise ExpressionError(f"evaluation failed ({type(exc).__name__})") from None


# -- static checks (used by validation) ----------------------------------------------


def check_template(
    template: str,
    *,
    names: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[str]:
    """Problems that would stop a template from evaluating; ``[]`` when fine.

    With ``names``, names outside that set (e.g. ``item`` outside a map body)
    are reported too.
    """
    if not has_markup(template):
        return []
    try:
        check_length(template, limits.max_template_chars)
        return find_problems(parse_template(template), names)
    except ExpressionError as exc:
        return [exc.message]


def check_expression(
    expression: str,
    *,
    names: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[str]:
    """Like :func:`check_template`, for an expression field."""
    try:
        check_length(expression, limits.max_template_chars)
        return find_problems(parse_expression(expression), names)
    except ExpressionError as exc:
        return [exc.message]


def referenced_nodes(
    text: str, *, kind: Literal["template", "expression"] = "template"
) -> set[str]:
    """Node ids referenced as ``nodes.<id>`` or ``nodes['<id>']`` (from the AST).

    Text that does not parse references nothing (``check_*`` reports it).
    """
    try:
        if kind == "expression":
            root: Any = parse_expression(text)
        elif has_markup(text):
            root = parse_template(text)
        else:
            return set()
    except ExpressionError:
        return set()
    return node_references(root)[0]


# -- scope -------------------------------------------------------------------------


def build_scope(
    *,
    run_input: Any,
    node_outputs: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    run_id: str = "",
    started_at: datetime | str | None = None,
    item: Any = _NO_ITEM,
    index: int | None = None,
) -> dict[str, Any]:
    """The names an evaluation sees.

    ``node_outputs`` maps node id -> output and should hold only completed
    nodes upstream of the evaluating node (the validator guarantees templates
    reference nothing else). ``item`` / ``index`` are set only inside a map body,
    so using them elsewhere is an "undefined" error. ``secrets`` become ``env``,
    each value wrapped as an opaque :class:`SecretValue`.
    """
    if isinstance(started_at, datetime):
        started_at = started_at.isoformat()
    scope: dict[str, Any] = {
        "input": run_input,
        "nodes": {node_id: {"output": output} for node_id, output in (node_outputs or {}).items()},
        "env": secret_scope(secrets or {}),
        "run": {"id": run_id, "started_at": started_at},
    }
    if item is not _NO_ITEM:
        scope["item"] = item
        scope["index"] = index
    return scope
