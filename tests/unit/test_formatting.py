from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.formatting import duration, money, percent, relative_time

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=2), "just now"),
        (timedelta(seconds=42), "42 s ago"),
        (timedelta(minutes=5, seconds=10), "5 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=2), "2 d ago"),
        (timedelta(days=45), "2026-10-07"),
    ],
)
def test_relative_time(ago: timedelta, text: str) -> None:
    assert relative_time(NOW - ago, NOW) == text


def test_relative_time_of_nothing_and_of_the_future() -> None:
    assert relative_time(None, NOW) == "never"
    assert relative_time(NOW + timedelta(seconds=3), NOW) == "just now"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0.0123, "12 ms"), (3.21, "3.2 s"), (125, "2 min 5 s"), (7500, "2 h 5 min")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_money_and_percent() -> None:
    assert (money(0), money(0.0000087), money(0.42), money(1234.5)) == (
        "$0",
        "$0.000009",
        "$0.4200",
        "$1,234.50",
    )
    assert (percent(None), percent(0.784)) == ("–", "78%")
