"""Capped exponential backoff with jitter, for whatever waits for a service to come back.

Delay ``n`` (from 0) is drawn from ``[c/2, c]`` with ``c = min(cap, base * 2**n)``
("equal jitter"): processes that lost the same server spread out instead of
reconnecting in lockstep, and a delay is never shorter than the one before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def backoff_delay(attempt: int, *, base_s: float, cap_s: float) -> float:
    """The delay before retry number ``attempt`` (0 for the first retry)."""
    ceiling = min(cap_s, base_s * 2 ** min(attempt, 64))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret


@dataclass
class Backoff:
    """Successive delays for one thing being retried; ``reset`` once it works again."""

    base_s: float
    cap_s: float
    attempt: int = 0

    def next(self) -> float:
        delay = backoff_delay(self.attempt, base_s=self.base_s, cap_s=self.cap_s)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
