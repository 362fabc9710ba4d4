"""Duration histograms with logarithmic bins, mergeable across rollup rows.

A duration of ``ms`` milliseconds falls in bin ``floor(ln(max(ms, 1)) / ln(BASE))``.
Bins are 5 % wide, so a percentile read from them is within 2.5 % of the exact
value (the bin's geometric middle is returned). Counts simply add up, which is what
lets hourly and daily rollups answer p50 and p95 for any period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

BASE = 1.05
LN_BASE = math.log(BASE)
# The same formula in SQL, for raw rows (``{ms}`` is a duration expression in ms).
SQL_BIN = "floor(ln(greatest({ms}, 1)) / " + repr(LN_BASE) + ")::int"


def bin_of(ms: float) -> int:
    return math.floor(math.log(max(ms, 1.0)) / LN_BASE)


def bin_middle_ms(index: int) -> float:
    return float(BASE ** (index + 0.5))


def bin_bounds_ms(index: int) -> tuple[float, float]:
    return float(BASE**index), float(BASE ** (index + 1))


def percentile_ms(bins: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) of the durations counted in ``bins``; None if empty.

    Nearest rank: the smallest bin whose cumulative count reaches ``ceil(q * n)``.
    """
    total = sum(bins.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for index in sorted(bins):
        seen += bins[index]
        if seen >= rank:
            return bin_middle_ms(index)
    return bin_middle_ms(max(bins))


def merge(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for index, count in rows:
        merged[index] = merged.get(index, 0) + int(count)
    return merged


# Display bins for the duration distribution chart, in milliseconds.
DISPLAY_EDGES_MS = (0, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 900_000)


def display_label(low: float, high: float | None) -> str:
    def text(ms: float) -> str:
        return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"

    return f"≥ {text(low)}" if high is None else f"{text(low)}–{text(high)}"


def distribution(bins: Mapping[int, int]) -> list[dict[str, object]]:
    """Counts per display range (a log bin goes to the range holding its middle)."""
    edges = DISPLAY_EDGES_MS
    counts = [0] * len(edges)
    for index, count in bins.items():
        middle = bin_middle_ms(index)
        slot = max(i for i, edge in enumerate(edges) if middle >= edge)
        counts[slot] += count
    rows = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        rows.append({"range": display_label(low, high), "from_ms": low, "runs": counts[i]})
    return rows
