"""The Jinja sandbox that evaluates workflow templates and expressions.

Built on ``ImmutableSandboxedEnvironment`` and narrowed further, on the
principle that user text may only read data, never reach Python objects:

* **Globals**: only a bounded ``range``. Jinja's ``dict``, ``lipsum``,
  ``cycler``, ``joiner`` and ``namespace`` are removed.
* **Calls**: nothing may be called except that ``range``; string methods
  (``"{0.__class__}".format(1)``), dict methods and ``loop.cycle`` are
  refused at parse time (see ``syntax``) and again here at run time.
* **Attributes**: on objects, ``a.b`` and ``a['b']`` read the *key* ``b``
  only (so ``input.items`` is the input's ``items`` field, never the dict
  method); on lists and strings only indexing and slicing; besides that only
  the documented ``loop.*`` fields and the fields of ``groupby`` results.
  Underscore names are unreachable everywhere.
* **Undefined**: ``StrictUndefined``. Using an unknown name or a missing key
  is an ExpressionError ("'foo' is undefined", "the object has no key
  'x'"); guard optional values with ``| default(...)`` or ``is defined``.
* **Operators**: ``+``, ``*``, ``**`` and ``%`` go through
  :meth:`WorkflowSandbox.call_binop`, which checks the size of the result
  *before* computing it (``'a' * 10**9``, ``[1] * 10**9``, ``10**10**10``)
  and refuses ``%`` string formatting. ``~`` is compiled to
  :meth:`WorkflowSandbox.concat_as_text`, which does the same.
* **Output**: every ``{{ }}`` in text passes through ``placed_text``, so values
  render as JSON rather than Python reprs and oversized values are refused.
* **Secrets**: ``env.NAME`` is an opaque :class:`SecretValue`; attribute and
  item access on it, ``~`` and the intercepted operators refuse it by name
  (the other operators, filters and tests do too: see ``sandbox.secrets``).
* **No compile-time evaluation** (``optimized=False`` and a context-bound
  finalizer), so nothing runs outside an evaluation budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.runtime import Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from agentflow.spec.errors import ExpressionError
from agentflow.spec.sandbox.budget import current_budget, loop_guard
from agentflow.spec.sandbox.filters import FILTERS, TESTS
from agentflow.spec.sandbox.secrets import SecretValue, first_secret
from agentflow.spec.sandbox.values import describe, estimate_chars, placed_text, to_text

LOOP_GUARD_FILTER = "_loop_guard"
"""Internal filter the compiler wraps around every ``{% for %}`` iterable."""

LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
    }
)

_SEQUENCES = (str, list, tuple, range)


def bounded_range(*args: Any) -> range:
    """``range`` with at most ``Limits.max_items`` elements."""
    numbers = range(*args)
    budget = current_budget()
    try:
        count = len(numbers)
    except OverflowError:  # longer than a machine-size integer
        count = budget.limits.max_items + 1
    budget.items(count)
    return numbers


@pass_context
def _finalize_output(context: Context, value: Any) -> str:
    # Bound to the context on purpose: Jinja then never evaluates output at compile time.
    return placed_text(value)


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a size-checked call instead of Jinja's unbounded ``str_join``."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.concat_as_text((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class WorkflowSandbox(ImmutableSandboxedEnvironment):
    """The single Jinja environment used for every workflow template and expression."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            optimized=False,
            finalize=_finalize_output,
            keep_trailing_newline=True,
        )
        self.globals.clear()
        self.globals["range"] = bounded_range
        self.filters = {**FILTERS, LOOP_GUARD_FILTER: loop_guard}
        self.tests = dict(TESTS)

    # -- calls ---------------------------------------------------------------

    def is_safe_callable(self, obj: Any) -> bool:
        return obj is bounded_range

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if not self.is_safe_callable(obj):
            raise ExpressionError(
                "calling functions or methods is not allowed (only range()); "
                "use filters instead, e.g. value | upper"
            )
        return context.call(obj, *args, **kwargs)

    # -- attribute and item access ----------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, SecretValue):
            obj.refuse(f"it has no attribute {attribute!r}")
        if isinstance(obj, Mapping):
            return self._key(obj, attribute)
        if isinstance(obj, LoopContext) and attribute in LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        if isinstance(obj, tuple) and attribute in getattr(type(obj), "_fields", ()):
            return getattr(obj, attribute)  # groupby() results: .grouper, .list
        if isinstance(obj, Undefined):
            return obj
        return self.undefined(
            hint=f"{describe(obj)} has no attribute {attribute!r}", obj=obj, name=attribute
        )

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, SecretValue):
            obj.refuse("it cannot be indexed or sliced")
        if isinstance(argument, SecretValue):
            argument.refuse("it cannot be used as a key or index")
        if isinstance(obj, Mapping):
            return self._key(obj, argument)
        if isinstance(obj, _SEQUENCES) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(hint=f"index {argument} is out of range", obj=obj)
            except TypeError:
                return self.undefined(hint="slice bounds must be whole numbers", obj=obj)
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        if isinstance(obj, Undefined):
            return obj
        return self.undefined(hint=f"{describe(obj)} cannot be indexed like this", obj=obj)

    def _key(self, mapping: Mapping[Any, Any], key: Any) -> Any:
        try:
            return mapping[key]
        except (KeyError, TypeError):
            return self.undefined(hint=f"the object has no key {key!r}", obj=mapping, name=key)

    # -- operators -----------------------------------------------------------

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        secret = first_secret((left, right))
        if secret is not None:
            secret.refuse("it cannot be used in arithmetic")
        if operator == "%" and isinstance(left, str):
            raise ExpressionError("the % operator cannot format strings; join text with ~")
        if operator == "*":
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_sum(left, right)
        return self.binop_table[operator](left, right)

    def concat_as_text(self, values: tuple[Any, ...]) -> str:
        secret = first_secret(values)
        if secret is not None:
            secret.refuse(
                "it cannot be joined with ~; write the text around it instead, "
                "e.g. Bearer {{ env." + secret.name + " }}"
            )
        pieces = [to_text(value) for value in values]
        current_budget().text(sum(map(len, pieces)))
        return "".join(pieces)


def _is_int(value: Any) -> bool:
    return isinstance(value, int)  # bool included: True * "a" is "a" in Python too


def _check_product(left: Any, right: Any) -> None:
    budget = current_budget()
    if _is_int(left) and _is_int(right):
        budget.int_bits(abs(left).bit_length() + abs(right).bit_length())
        return
    sequence, times = (left, right) if _is_int(right) else (right, left)
    if not (_is_int(times) and isinstance(sequence, _SEQUENCES)):
        return
    times = max(times, 0)
    if isinstance(sequence, str):
        budget.text(len(sequence) * times)
        return
    budget.items(len(sequence) * times)
    budget.text(estimate_chars(sequence, budget.limits.max_text_chars) * times)


def _check_power(base: Any, exponent: Any) -> None:
    if not (_is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1):
        return
    budget = current_budget()
    budget.int_bits(exponent)  # |base| >= 2 gives at least `exponent` bits
    budget.int_bits(math.ceil(exponent * math.log2(abs(base))))


def _check_sum(left: Any, right: Any) -> None:
    budget = current_budget()
    if isinstance(left, str) and isinstance(right, str):
        budget.text(len(left) + len(right))
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        budget.items(len(left) + len(right))
        cap = budget.limits.max_text_chars
        budget.text(estimate_chars(left, cap) + estimate_chars(right, cap))
