"""Run and step status badges, one colour per status everywhere."""

from __future__ import annotations

from typing import Any

import reflex as rx

STATUS_COLORS = {
    "queued": "gray",
    "pending": "gray",
    "running": "blue",
    "waiting": "amber",
    "succeeded": "green",
    "failed": "red",
    "cancelled": "orange",
    "timed_out": "red",
    "skipped": "gray",
}


def status_badge(status: Any, **props: Any) -> rx.Component:
    color = rx.match(status, *STATUS_COLORS.items(), "gray")
    return rx.badge(status, color_scheme=color, variant="soft", **props)
