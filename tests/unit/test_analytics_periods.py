"""Periods, presets, the rollup/raw plan and duration histograms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agentflow.analytics import histogram
from agentflow.analytics.periods import (
    InvalidPeriod,
    Period,
    Watermarks,
    day_period,
    plan,
    preset_period,
)

NOW = datetime(2026, 3, 20, 14, 37, tzinfo=UTC)


def test_presets_end_at_the_end_of_the_local_day() -> None:
    week = preset_period("7d", "America/New_York", NOW)
    assert week.start == datetime(2026, 3, 14, 4, tzinfo=UTC)  # EDT midnight
    assert week.end == datetime(2026, 3, 21, 4, tzinfo=UTC)
    assert week.unit == "day"
    day = preset_period("24h", "UTC", NOW)
    assert (day.start, day.end, day.unit) == (
        datetime(2026, 3, 19, 15, tzinfo=UTC), datetime(2026, 3, 20, 15, tzinfo=UTC), "hour",
    )  # fmt: skip
    month = preset_period("mtd", "UTC", NOW)
    assert month.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert week.previous().end == week.start and week.previous().length == week.length


def test_invalid_periods_are_refused() -> None:
    with pytest.raises(InvalidPeriod):
        preset_period("1y", "UTC", NOW)
    with pytest.raises(InvalidPeriod):
        day_period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(InvalidPeriod):
        preset_period("7d", "Nowhere/Else", NOW)
    with pytest.raises(InvalidPeriod):
        Period(NOW, NOW - timedelta(days=800))


def test_plan_uses_whole_buckets_and_reads_the_rest_raw() -> None:
    marks = Watermarks(
        hour_from=datetime(2026, 3, 17, tzinfo=UTC),
        hour_until=datetime(2026, 3, 20, 14, tzinfo=UTC),
        day_until=datetime(2026, 3, 20, tzinfo=UTC),
    )
    kolkata = plan(day_period(date(2026, 3, 18), date(2026, 3, 20), "Asia/Kolkata"), marks)
    assert kolkata.days == []  # not a UTC zone and hours are kept: hours only
    assert kolkata.hours == [
        (datetime(2026, 3, 17, 19, tzinfo=UTC), datetime(2026, 3, 20, 14, tzinfo=UTC))
    ]
    assert kolkata.raw == [
        (datetime(2026, 3, 17, 18, 30, tzinfo=UTC), datetime(2026, 3, 17, 19, tzinfo=UTC)),
        (datetime(2026, 3, 20, 14, tzinfo=UTC), datetime(2026, 3, 20, 18, 30, tzinfo=UTC)),
    ]
    nothing = plan(preset_period("7d", "UTC", NOW), Watermarks())
    assert nothing.days == nothing.hours == [] and len(nothing.raw) == 1


def test_histogram_percentiles_are_within_a_bin() -> None:
    values = [float(v) for v in range(1, 1001)]
    bins = histogram.merge((histogram.bin_of(v), 1) for v in values)
    assert histogram.percentile_ms(bins, 0.5) == pytest.approx(500, rel=0.025)
    assert histogram.percentile_ms(bins, 0.95) == pytest.approx(950, rel=0.025)
    assert histogram.percentile_ms({}, 0.5) is None
    rows = histogram.distribution(bins)
    assert sum(int(row["runs"]) for row in rows) == 1000  # type: ignore[call-overload]
