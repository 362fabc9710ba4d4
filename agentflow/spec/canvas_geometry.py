"""Positions and sizes as the canvas can draw them: finite numbers, or nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard


def _finite(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def valid_position(value: Any) -> dict[str, float] | None:
    """``{"x", "y"}`` (a missing coordinate is 0), or None when ``value`` is no position."""
    if not isinstance(value, Mapping):
        return None
    x, y = value.get("x", 0), value.get("y", 0)
    return {"x": x, "y": y} if _finite(x) and _finite(y) else None


def valid_size(value: Any) -> dict[str, float] | None:
    """``{"width", "height"}``, both positive, or None when ``value`` is no size."""
    if not isinstance(value, Mapping):
        return None
    width, height = value.get("width"), value.get("height")
    if _finite(width) and _finite(height) and width > 0 and height > 0:
        return {"width": width, "height": height}
    return None
