"""Parsing, static checks and compilation of templates and expressions.

Static checks run on the Jinja AST before anything is compiled, so unsafe or
unsupported constructs fail with a clear message at save time:

* statements other than ``{% if %}``, ``{% for %}``, ``{% set x = ... %}``
  and ``{% with %}`` (no macros, ``{% call %}``, blocks, includes, imports,
  ``{% filter %}``, block ``{% set %}``, recursive loops, namespaces);
* calls to anything but ``range()``;
* chained ``a ** b ** c`` (Jinja groups it as ``(a ** b) ** c``, unlike
  Python; refusing it avoids silently wrong numbers);
* attribute names starting with ``_`` and the names ``self``, ``super``,
  ``caller``, ``varargs``, ``kwargs``;
* unknown filters and tests;
* ``nodes`` used other than as ``nodes.<id>`` / ``nodes['<id>']`` (a computed
  reference could not be checked against the graph);
* optionally, names that are not in scope.

Compilation then wraps every ``{% for %}`` iterable in the loop-guard filter
(see ``budget``). A template that is exactly one ``{{ expr }}`` (whitespace
around allowed) is compiled as an expression so its value keeps its type.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.environment import Template
from jinja2.parser import Parser

from agentflow.spec.errors import ExpressionError
from agentflow.spec.sandbox.environment import LOOP_GUARD_FILTER, WorkflowSandbox
from agentflow.spec.sandbox.filters import FILTERS, TESTS

sandbox = WorkflowSandbox()

RESULT_NAME = "_agentflow_result"
RESERVED_NAMES = frozenset({"self", "super", "caller", "varargs", "kwargs"})
_ALLOWED_NODES = (
    # statements
    nodes.Template,
    nodes.Output,
    nodes.If,
    nodes.For,
    nodes.Assign,
    nodes.With,
    # expressions and their helpers
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Filter,
    nodes.Test,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Concat,
    nodes.Call,
)
_UNSUPPORTED_MESSAGES: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros are not supported",
    nodes.CallBlock: "{% call %} blocks are not supported",
    nodes.Block: "blocks are not supported",
    nodes.Extends: "templates cannot extend other templates",
    nodes.Include: "templates cannot include other templates",
    nodes.Import: "templates cannot import other templates",
    nodes.FromImport: "templates cannot import other templates",
    nodes.FilterBlock: "{% filter %} blocks are not supported; apply the filter to a value",
    nodes.AssignBlock: "block assignments are not supported; use {% set x = ... %}",
    nodes.NSRef: "namespaces are not supported",
}
# Templates this short are compiled once and reused (workflows evaluate the same
# templates for every run and every map item).
_CACHEABLE_CHARS = 8192


def has_markup(text: str) -> bool:
    """Whether a string is a template at all; plain strings are used verbatim."""
    return "{{" in text or "{%" in text


def check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise ExpressionError(f"template is longer than {max_chars:,} characters")


# -- parsing -----------------------------------------------------------------


def _syntax_error(exc: TemplateSyntaxError) -> ExpressionError:
    where = f" (line {exc.lineno})" if exc.lineno else ""
    return ExpressionError(f"syntax error: {exc.message}{where}")


def parse_template(text: str) -> nodes.Template:
    try:
        return sandbox.parse(text)
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except RecursionError:
        raise ExpressionError("template is nested too deeply") from None


def parse_expression(text: str) -> nodes.Expr:
    """A bare expression (``input.n > 5``) or one wrapped in ``{{ }}``."""
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}"):
        expression = single_expression(parse_template(text))
        if expression is None:
            raise ExpressionError("expected a single expression, e.g. input.n > 5")
        return expression
    try:
        parser = Parser(sandbox, text, state="variable")
        expression = parser.parse_expression()
        if not parser.stream.eos:
            raise TemplateSyntaxError(
                "unexpected text after the expression", parser.stream.current.lineno
            )
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    return expression


def single_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression of a template that is exactly one ``{{ expr }}``, else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts = [
        part
        for part in tree.body[0].nodes
        if not (isinstance(part, nodes.TemplateData) and not part.data.strip())
    ]
    if len(parts) == 1 and not isinstance(parts[0], nodes.TemplateData):
        return parts[0]
    return None


# -- static checks -------------------------------------------------------------


def walk(root: nodes.Node) -> Iterator[nodes.Node]:
    """Every node of a tree, root included, without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.iter_child_nodes())


def _is_nodes_name(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "nodes" and node.ctx == "load"


def _literal_key(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


def node_references(root: nodes.Node) -> tuple[set[str], bool]:
    """Node ids referenced literally, and whether ``nodes`` is also used otherwise."""
    ids: set[str] = set()
    literal_uses = 0
    all_uses = 0
    for node in walk(root):
        if _is_nodes_name(node):
            all_uses += 1
        elif isinstance(node, nodes.Getattr | nodes.Getitem) and _is_nodes_name(node.node):
            key = _literal_key(node)
            if key is not None:
                ids.add(key)
                literal_uses += 1
    return ids, all_uses > literal_uses


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        return _UNSUPPORTED_MESSAGES.get(type(node), f"'{type(node).__name__}' is not supported")
    if isinstance(node, nodes.For) and node.recursive:
        return "recursive loops are not supported"
    if isinstance(node, nodes.Call) and not (
        isinstance(node.node, nodes.Name) and node.node.name == "range"
    ):
        return (
            "calling functions or methods is not allowed (only range()); "
            "use filters instead, e.g. value | upper"
        )
    if isinstance(node, nodes.Pow) and isinstance(node.left, nodes.Pow):
        # Jinja reads a ** b ** c as (a ** b) ** c, unlike Python and mathematics.
        return "chained ** is ambiguous; write a ** (b ** c) or a ** (b * c)"
    if isinstance(node, nodes.Name) and node.name in RESERVED_NAMES:
        return f"'{node.name}' is not available in expressions"
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        return f"unknown filter '{node.name}'"
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        return f"unknown test '{node.name}'"
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        key = _literal_key(node)
        if key is not None and key.startswith("_"):
            return f"names starting with '_' are not accessible ('{key}')"
    return None


def find_problems(root: nodes.Node, names: Collection[str] | None = None) -> list[str]:
    """Static problems of a parsed template or expression (see module docstring)."""
    problems: list[str] = []
    for node in walk(root):
        problem = _node_problem(node)
        if problem and problem not in problems:
            problems.append(problem)
    if node_references(root)[1]:
        problems.append(
            "refer to other nodes as nodes.<id> or nodes['<id>']; "
            "computed references cannot be checked"
        )
    if names is not None and not problems:
        problems.extend(_unknown_names(root, names))
    return problems


def _unknown_names(root: nodes.Node, names: Collection[str]) -> list[str]:
    if not isinstance(root, nodes.Template):
        root = nodes.Template([nodes.Output([root])], lineno=1)
        root.set_environment(sandbox)
    try:
        undeclared = meta.find_undeclared_variables(root)
    except TemplateSyntaxError as exc:
        return [_syntax_error(exc).message]
    # Jinja also lists names assigned only in some branches ({% if %}{% set x %});
    # those may well be defined at run time, so only never-assigned names count.
    assigned = {
        node.name for node in walk(root) if isinstance(node, nodes.Name) and node.ctx == "store"
    }
    unknown = sorted(undeclared - set(names) - set(sandbox.globals) - assigned)
    available = ", ".join(sorted(names))
    return [f"unknown name '{name}' (available: {available})" for name in unknown]


# -- compilation -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A compiled template; ``native`` ones store their value in ``RESULT_NAME``."""

    template: Template
    native: bool


def _raise_problems(problems: list[str]) -> None:
    if problems:
        raise ExpressionError("; ".join(problems))


def _compile_tree(tree: nodes.Template) -> Template:
    tree.set_environment(sandbox)
    try:
        return sandbox.from_string(tree)
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    except (RecursionError, SyntaxError, MemoryError):
        raise ExpressionError("template is too complex to compile") from None


def _compile_native(expression: nodes.Expr) -> CompiledTemplate:
    assignment = nodes.Assign(nodes.Name(RESULT_NAME, "store"), expression, lineno=1)
    return CompiledTemplate(_compile_tree(nodes.Template([assignment], lineno=1)), native=True)


def _compile_template_uncached(text: str) -> CompiledTemplate:
    tree = parse_template(text)
    _raise_problems(find_problems(tree))
    expression = single_expression(tree)
    if expression is not None:
        return _compile_native(expression)
    for loop in list(tree.find_all(nodes.For)):
        loop.iter = nodes.Filter(
            loop.iter, LOOP_GUARD_FILTER, [], [], None, None, lineno=loop.iter.lineno
        )
    return CompiledTemplate(_compile_tree(tree), native=False)


def _compile_expression_uncached(text: str) -> CompiledTemplate:
    expression = parse_expression(text)
    _raise_problems(find_problems(expression))
    return _compile_native(expression)


_compile_template_cached = lru_cache(maxsize=512)(_compile_template_uncached)
_compile_expression_cached = lru_cache(maxsize=512)(_compile_expression_uncached)


def compile_template(text: str) -> CompiledTemplate:
    if len(text) <= _CACHEABLE_CHARS:
        return _compile_template_cached(text)
    return _compile_template_uncached(text)


def compile_expression(text: str) -> CompiledTemplate:
    if len(text) <= _CACHEABLE_CHARS:
        return _compile_expression_cached(text)
    return _compile_expression_uncached(text)
