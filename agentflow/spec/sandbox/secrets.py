"""Org secrets inside the sandbox: opaque values that can only be placed whole.

``env.NAME`` evaluates to a :class:`SecretValue`, never to a string. The value
can be moved around unchanged (``{% set k = env.K %}``, ``a if c else b``,
``| default``, inside a list or object literal), but every operation that
would read it, and so could copy it out in another shape, is an
ExpressionError naming the secret: filters (``| upper``, ``| reverse``,
``| list``, ``| tojson``, ``| string``...), indexing and slicing
(``env.K[1:]``), attributes, ``~`` and arithmetic, comparisons, tests other
than ``defined`` / ``undefined`` / ``none``, truth tests and iteration.

What happens where the value is *placed* (the value of a ``{{ }}`` in text,
the value of a template that is one ``{{ expr }}``, nested or not in a
list/object) depends on the evaluation's :data:`SecretMode`, chosen by the
caller and never by the template:

* ``refuse`` (the default, every field whose value stays in the system:
  node outputs, step records, the run output): an ExpressionError.
* ``outbound`` (fields that leave the system: the ``http`` node's url,
  query, headers and body): the real value.
* ``masked`` (the same fields, rendered again for the step's recorded
  input): :data:`MASK` instead of the value.

So ``Bearer {{ env.TOKEN }}`` or ``https://api/x?key={{ env.K }}`` in a
request header or URL sends the secret, while the same text in a ``set`` or
``template`` node fails. The mode lives in a ``ContextVar`` set by each
``render_*`` call, so concurrent evaluations never see each other's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, Literal, NoReturn

from agentflow.spec.errors import ExpressionError

SecretMode = Literal["refuse", "outbound", "masked"]
SECRET_MODES: frozenset[str] = frozenset({"refuse", "outbound", "masked"})
MASK = "••••••"
"""What a secret looks like in records (also the engine's mask of stored values)."""

PLACEMENT_RULE = "can only be placed whole into an http request's url, query, headers or body"
# Tests that only ask whether there is a value, never what it is.
SECRET_SAFE_TESTS = frozenset({"defined", "undefined", "none"})
# Filters that hand their input back unchanged (or the fallback): the result stays opaque.
SECRET_PASSTHROUGH_FILTERS = frozenset({"default", "d"})


class SecretUseError(ExpressionError):
    """A secret was used other than placed whole into an outbound field."""

    def __init__(self, name: str, use: str) -> None:
        super().__init__(f"the secret {name} {PLACEMENT_RULE} ({use})")
        self.secret_name = name


class SecretValue:
    """An org secret as the sandbox sees it: a name and a value nothing can read.

    ``repr`` shows the name only; every other conversion or operator raises
    :class:`SecretUseError`. Only :func:`placed_value` turns it back into text,
    and only in the ``outbound`` mode.
    """

    __slots__ = ("__value", "name")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.__value = value

    def _reveal(self) -> str:
        return self.__value

    def __repr__(self) -> str:
        return f"<secret {self.name}>"

    def refuse(self, use: str) -> NoReturn:
        raise SecretUseError(self.name, use)

    def __str__(self) -> str:
        self.refuse("it cannot be turned into text")

    def __format__(self, spec: str) -> str:
        self.refuse("it cannot be turned into text")

    def __bool__(self) -> bool:
        self.refuse("it cannot be tested for truth")

    def __len__(self) -> int:
        self.refuse("its length cannot be read")

    def __iter__(self) -> Iterator[str]:
        self.refuse("it cannot be iterated")

    def __contains__(self, item: object) -> bool:
        self.refuse("it cannot be searched")

    def __getitem__(self, key: object) -> str:
        self.refuse("it cannot be indexed or sliced")

    def __eq__(self, other: object) -> bool:
        self.refuse("it cannot be compared")

    def __ne__(self, other: object) -> bool:
        self.refuse("it cannot be compared")

    def __lt__(self, other: object) -> bool:
        self.refuse("it cannot be compared")

    __le__ = __gt__ = __ge__ = __lt__
    __hash__ = object.__hash__  # by identity: a set or dict of secrets reveals nothing

    def _arithmetic(self, *_: object) -> NoReturn:
        self.refuse("it cannot be used in arithmetic")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arithmetic
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _arithmetic
    __mod__ = __rmod__ = __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _arithmetic
    __neg__ = __pos__ = __abs__ = __invert__ = __round__ = _arithmetic
    __trunc__ = __floor__ = __ceil__ = _arithmetic

    def __int__(self) -> int:
        self.refuse("it cannot be turned into a number")

    def __float__(self) -> float:
        self.refuse("it cannot be turned into a number")

    def __index__(self) -> int:
        self.refuse("it cannot be turned into a number")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.refuse("it cannot be serialised")


def secret_scope(secrets: Mapping[str, str]) -> dict[str, SecretValue]:
    """The ``env`` object of a scope: each secret wrapped as a :class:`SecretValue`."""
    return {name: SecretValue(name, value) for name, value in secrets.items()}


def first_secret(values: tuple[Any, ...] | list[Any]) -> SecretValue | None:
    for value in values:
        if isinstance(value, SecretValue):
            return value
    return None


# -- where a secret is placed --------------------------------------------------------

_mode: ContextVar[SecretMode] = ContextVar("agentflow_secret_mode", default="refuse")


@contextmanager
def secret_mode(mode: SecretMode) -> Iterator[None]:
    """Evaluate the enclosed templates with ``mode`` (see the module docstring)."""
    if mode not in SECRET_MODES:
        raise ValueError(f"unknown secret mode {mode!r}")
    token = _mode.set(mode)
    try:
        yield
    finally:
        _mode.reset(token)


def placed_value(secret: SecretValue) -> str:
    """The text a secret placed whole in the result becomes, in the current mode."""
    mode = _mode.get()
    if mode == "outbound":
        return secret._reveal()
    if mode == "masked":
        return MASK
    secret.refuse("this field is not sent out of the system")


# -- filters and tests -----------------------------------------------------------------


def refusing_secrets(kind: str, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter or test so that a secret among its arguments is refused, named.

    ``wraps`` keeps Jinja's ``pass_context`` / ``pass_environment`` marks.
    """

    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        secret = first_secret(args)
        if secret is None:  # never `or`: that would ask the secret for its truth
            secret = first_secret(list(kwargs.values()))
        if secret is not None:
            secret.refuse(f"the {name!r} {kind} cannot read it")
        return function(*args, **kwargs)

    return guarded
