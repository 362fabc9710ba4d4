"""Limits for one evaluation, and the accounting that enforces them.

Why a budget rather than a watchdog thread: a Python thread cannot be killed,
so a runaway template would keep burning CPU after its caller gave up. Instead
every place where work can repeat checks in with the active :class:`Budget`:

* each ``{% for %}`` iteration (the loop iterable is wrapped at compile time),
* each element a collection filter visits (``map``, ``select``, ``sort``...),
* each operation that creates a string or list (``~``, ``+``, ``*``,
  ``join``, ``replace``, output chunks...), *before* allocating it.

Each check also compares the clock with the deadline, so total time is
bounded by ``time_limit_s`` plus one step, and memory by the size limits.
Recursion is impossible (no macros, no recursive loops, no includes), so
these are the only ways to do unbounded work.

The budget lives in a ``ContextVar``: evaluations in different threads or
asyncio tasks never share one, and nested calls (``render_value`` rendering
many leaves) share the outer budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from agentflow.spec.errors import ExpressionError

T = TypeVar("T")

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one evaluation (one ``render_*`` / ``evaluate_expression`` call)."""

    max_text_chars: int = MIB
    """Largest string (or serialised value) an evaluation may produce."""
    max_items: int = 100_000
    """Largest list or ``range`` an expression may build."""
    max_int_bits: int = 4096
    """Largest integer ``*`` and ``**`` may produce (about 1,233 digits)."""
    max_loop_iterations: int = 100_000
    """``{% for %}`` iterations, summed over all loops of the evaluation."""
    max_element_visits: int = 5_000_000
    """Elements visited by collection filters, summed over the evaluation."""
    max_work_chars: int = 16 * MIB
    """Characters created in total (so a loop cannot build 1 MiB strings forever)."""
    time_limit_s: float = 2.0
    """Wall-clock deadline, checked at every step above."""
    max_template_chars: int = 256 * 1024
    """Longest template or expression source accepted."""


DEFAULT_LIMITS = Limits()

# Checking the clock costs ~50 ns; element visits are the hottest path, so
# they look at it only every this many visits.
_CLOCK_EVERY = 256


class Budget:
    """Mutable counters for one evaluation; raises ExpressionError when exhausted."""

    __slots__ = ("_deadline", "_loop_left", "_visits_left", "_work_left", "limits")

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._deadline = time.monotonic() + limits.time_limit_s
        self._loop_left = limits.max_loop_iterations
        self._visits_left = limits.max_element_visits
        self._work_left = limits.max_work_chars

    def check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise ExpressionError(
                f"evaluation took longer than {self.limits.time_limit_s:g} s and was stopped"
            )

    def loop_iteration(self) -> None:
        self._loop_left -= 1
        if self._loop_left < 0:
            raise ExpressionError(
                f"loops ran more than {self.limits.max_loop_iterations:,} iterations"
            )
        self.check_time()

    def element_visit(self) -> None:
        self._visits_left -= 1
        if self._visits_left < 0:
            raise ExpressionError(
                f"filters visited more than {self.limits.max_element_visits:,} elements"
            )
        if self._visits_left % _CLOCK_EVERY == 0:
            self.check_time()

    def text(self, size: int) -> None:
        """Account for a string (or serialised value) of ``size`` characters about to be made."""
        if size > self.limits.max_text_chars:
            raise ExpressionError(
                f"result would be {size:,} characters, over the limit of "
                f"{self.limits.max_text_chars:,}"
            )
        self._work_left -= size
        if self._work_left < 0:
            raise ExpressionError(
                f"evaluation created more than {self.limits.max_work_chars:,} characters in total"
            )
        self.check_time()

    def items(self, count: int) -> None:
        """Account for a list or range of ``count`` items about to be made."""
        if count > self.limits.max_items:
            raise ExpressionError(
                f"result would have {count:,} items, over the limit of {self.limits.max_items:,}"
            )
        self.check_time()

    def int_bits(self, bits: int) -> None:
        if bits > self.limits.max_int_bits:
            raise ExpressionError(
                f"number would have about {bits:,} bits, over the limit of "
                f"{self.limits.max_int_bits:,}"
            )


_active_budget: ContextVar[Budget | None] = ContextVar("agentflow_expression_budget", default=None)


def current_budget() -> Budget:
    """The active budget; outside an evaluation a fresh default one (for direct filter use)."""
    return _active_budget.get() or Budget()


@contextmanager
def evaluation_budget(limits: Limits = DEFAULT_LIMITS) -> Iterator[Budget]:
    """Activate a budget for the enclosed evaluation; nested uses share the outer one."""
    active = _active_budget.get()
    if active is not None:
        yield active
        return
    budget = Budget(limits)
    token = _active_budget.set(budget)
    try:
        yield budget
    finally:
        _active_budget.reset(token)


def loop_guard(iterable: Iterable[T]) -> Iterator[T]:
    """Wrapped around every ``{% for %}`` iterable by the compiler (see ``syntax``)."""
    budget = current_budget()
    for element in iterable:
        budget.loop_iteration()
        yield element


def counted(iterable: Iterable[T]) -> Iterator[T]:
    """Wrapped around the input of every collection filter."""
    budget = current_budget()
    for element in iterable:
        budget.element_visit()
        yield element
