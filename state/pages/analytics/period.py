"""The period controls shared by the analytics pages: presets, custom days, time zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from agentflow.analytics.periods import PRESETS, Period, zone
from agentflow.services.governance import analytics as service
from components.formatting import duration, money, percent

ZONES = (
    "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "Pacific/Auckland",
)  # fmt: skip
PRESET_OPTIONS = [{"value": key, "label": label} for key, label in PRESETS.items()]


def period_from(preset: str, tz: str, since: str, until: str) -> Period:
    """Raises InvalidInput with a message fit for the page."""
    if preset == "custom":
        return service.period_of(preset, tz, since or None, until or None)
    return service.period_of(preset, tz)


def default_days(tz: str) -> tuple[str, str]:
    today = datetime.now(UTC).astimezone(zone(tz)).date()
    return str(today - timedelta(days=6)), str(today)


def describe(period: Period) -> str:
    local = zone(period.tz)
    start = period.start.astimezone(local)
    end = (period.end - timedelta(seconds=1)).astimezone(local)
    pattern = "%Y-%m-%d %H:%M" if period.unit == "hour" else "%Y-%m-%d"
    return f"{start.strftime(pattern)} – {end.strftime(pattern)} ({period.tz})"


# key, label, formatter, whether a rise is good (None: neutral)
CARDS: tuple[tuple[str, str, Any, bool | None], ...] = (
    ("runs", "Runs", lambda v: f"{v:,}", True),
    ("success_rate", "Success rate", percent, True),
    ("p50_ms", "p50 duration", lambda v: duration(v / 1000 if v is not None else None), False),
    ("p95_ms", "p95 duration", lambda v: duration(v / 1000 if v is not None else None), False),
    ("tokens", "Tokens", lambda v: f"{v:,}", None),
    ("cost_usd", "Cost", money, False),
    ("active_workflows", "Active workflows", lambda v: f"{v:,}", None),
)


def cards(summary: dict[str, Any], changes: dict[str, Any] | None) -> list[dict[str, str]]:
    result = []
    for key, label, show, rise_is_good in CARDS:
        change = (changes or {}).get(key)
        if change is None:
            note, color = "no earlier data" if changes is not None else "", "gray"
        else:
            arrow = "▲" if change > 0 else "▼" if change < 0 else "="
            note = f"{arrow} {abs(change) * 100:.0f}% vs previous period"
            good = change == 0 or rise_is_good is None or (change > 0) == rise_is_good
            color = "gray" if change == 0 or rise_is_good is None else "green" if good else "red"
        result.append({"key": key, "label": label, "value": show(summary.get(key)),
                       "note": note, "color": color})  # fmt: skip
    return result


class PeriodState(rx.State, mixin=True):
    """The period picker's values and events; a page state supplies ``_reload``."""

    preset: str = "7d"
    tz: str = "UTC"
    since: str = ""
    until: str = ""

    @rx.var
    def zones(self) -> list[str]:
        return list(ZONES) if self.tz in ZONES else [self.tz, *ZONES]

    def _reload(self) -> AsyncIterator[Any]:
        raise NotImplementedError

    @rx.event
    async def set_preset(self, value: str) -> AsyncIterator[Any]:
        self.preset = value
        if value == "custom" and not (self.since and self.until):
            self.since, self.until = default_days(self.tz)
        async for update in self._reload():
            yield update

    @rx.event
    async def set_tz(self, value: str) -> AsyncIterator[Any]:
        self.tz = value
        async for update in self._reload():
            yield update

    @rx.event
    async def set_since(self, value: str) -> AsyncIterator[Any]:
        self.since, self.preset = value, "custom"
        async for update in self._reload():
            yield update

    @rx.event
    async def set_until(self, value: str) -> AsyncIterator[Any]:
        self.until, self.preset = value, "custom"
        async for update in self._reload():
            yield update
