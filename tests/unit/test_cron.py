"""Cron expressions with time zones: validation, words, next times, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentflow.spec.cron import InvalidSchedule, describe, latest_at_or_before, next_times, parse
from state.pages.builder.form import schedule_preview


@pytest.mark.parametrize(
    ("cron", "timezone", "words"),
    [
        ("0 9 * * 1-5", "Europe/Paris", "At 09:00, Monday through Friday (Europe/Paris)"),
        ("*/15 * * * *", "UTC", "Every 15 minutes (UTC)"),
        ("@daily", "UTC", "At 00:00 (UTC)"),
        ("30 2 1 * *", "America/New_York", "At 02:30, on day 1 of the month (America/New_York)"),
    ],
)
def test_descriptions_in_words(cron: str, timezone: str, words: str) -> None:
    assert describe(parse(cron, timezone)) == words


@pytest.mark.parametrize(
    ("cron", "timezone", "problem"),
    [
        ("", "UTC", "needs a cron expression"),
        ("* * *", "UTC", "five fields"),
        ("61 * * * *", "UTC", "Bad minute"),
        ("0 0 31 2 *", "UTC", "invalid cron"),
        ("@fortnightly", "UTC", "unknown macro"),
        ("0 0 * * *", "Mars/Olympus", "unknown time zone"),
        ("0 0 * * *", "../../etc/passwd", "unknown time zone"),
    ],
)
def test_invalid_expressions_and_zones_are_refused(cron: str, timezone: str, problem: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        parse(cron, timezone)
    assert problem in refused.value.message


def test_local_time_holds_across_daylight_saving_changes() -> None:
    spec = parse("0 9 * * *", "Europe/Paris")
    times = next_times(spec, datetime(2026, 3, 27, 12, tzinfo=UTC), count=3)
    # 09:00 in Paris is 08:00 UTC before the change (29 March) and 07:00 UTC after it.
    assert [t.isoformat() for t in times] == [
        "2026-03-28T08:00:00+00:00",
        "2026-03-29T07:00:00+00:00",
        "2026-03-30T07:00:00+00:00",
    ]


def test_a_time_skipped_by_spring_forward_fires_after_the_gap_and_a_repeated_one_once() -> None:
    skipped = parse("30 2 * * *", "Europe/Paris")
    [gap_day, _] = next_times(skipped, datetime(2026, 3, 28, 12, tzinfo=UTC), count=2)
    assert gap_day.isoformat() == "2026-03-29T01:00:00+00:00"  # 03:00 local, after the gap
    repeated = next_times(skipped, datetime(2026, 10, 24, 12, tzinfo=UTC), count=2)
    assert [t.isoformat() for t in repeated] == [
        "2026-10-25T00:30:00+00:00",  # 02:30 CEST, once (not again at 02:30 CET)
        "2026-10-26T01:30:00+00:00",
    ]


def test_latest_tick_at_or_before_a_moment() -> None:
    spec = parse("*/15 * * * *", "UTC")
    moment = datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    assert latest_at_or_before(spec, moment) == moment
    assert latest_at_or_before(spec, moment.replace(second=59)) == moment
    assert latest_at_or_before(spec, moment.replace(minute=14)) == moment.replace(minute=0)


def test_the_builder_preview_of_a_schedule_trigger() -> None:
    node = {"type": "trigger", "config": {"kind": "schedule", "cron": "0 9 * * 1-5"}}
    words, times = schedule_preview(node)
    assert words == "At 09:00, Monday through Friday (UTC)"
    assert len(times) == 5 and all(t.endswith("09:00") for t in times)
    bad = {"type": "trigger", "config": {"kind": "schedule", "cron": "61 * * * *"}}
    assert schedule_preview(bad) == ("invalid cron expression '61 * * * *': Bad minute", [])
    assert schedule_preview({"type": "trigger", "config": {"kind": "manual"}}) == ("", [])
    assert schedule_preview(None) == ("", [])
