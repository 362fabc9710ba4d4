"""Periods in a time zone, their presets, and which parts come from rollups or raw rows.

A :class:`Period` is a half-open UTC interval ``[start, end)`` with the IANA zone
its charts are drawn in. :func:`plan` splits it into whole UTC hours and days that
the rollups cover and the rest (partial hours at the edges, the tail after the
watermark), which is read from the raw tables. Because only whole buckets inside
the period come from rollups, totals are exact in any zone, half-hour zones too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "GMT", "Etc/GMT", "Zulu", "Etc/Zulu"})

PRESETS: dict[str, str] = {
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "mtd": "This month",
    "custom": "Custom",
}


class InvalidPeriod(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


Interval = tuple[datetime, datetime]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPeriod(f"unknown time zone {name!r}") from None


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidPeriod("period bounds need a time zone")
        if self.end <= self.start:
            raise InvalidPeriod("the period ends before it starts")
        if self.end - self.start > timedelta(days=731):
            raise InvalidPeriod("a period spans at most two years")
        zone(self.tz)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def unit(self) -> str:
        """Chart bucket: hours for up to two days, days beyond."""
        return "hour" if self.length <= 2 * DAY else "day"

    def previous(self) -> Period:
        return Period(self.start - self.length, self.start, self.tz)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def preset_period(preset: str, tz: str = "UTC", now: datetime | None = None) -> Period:
    """A preset ending now (``24h``) or at the end of today in ``tz`` (the others)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    zone_info = zone(tz)
    if preset == "24h":
        end = now.replace(minute=0, second=0, microsecond=0) + HOUR
        return Period(end - DAY, end, tz)
    today = now.astimezone(zone_info).date()
    end = _local_midnight(today + DAY, zone_info)
    if preset == "mtd":
        return Period(_local_midnight(today.replace(day=1), zone_info), end, tz)
    days = {"7d": 7, "30d": 30, "90d": 90}.get(preset)
    if days is None:
        raise InvalidPeriod(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    return Period(_local_midnight(today - timedelta(days=days - 1), zone_info), end, tz)


def day_period(first: date, last: date, tz: str = "UTC") -> Period:
    """From the start of ``first`` to the end of ``last``, local days in ``tz``."""
    if last < first:
        raise InvalidPeriod("“from” is after “to”")
    zone_info = zone(tz)
    return Period(_local_midnight(first, zone_info), _local_midnight(last + DAY, zone_info), tz)


def floor_to(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(UTC)
    if step == DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_to(moment: datetime, step: timedelta) -> datetime:
    floor = floor_to(moment, step)
    return floor if floor == moment else floor + step


@dataclass(frozen=True)
class Watermarks:
    """Rollups cover ``[.., hour_until)`` by hour from ``hour_from``; days up to ``day_until``."""

    hour_from: datetime | None = None
    hour_until: datetime | None = None
    day_until: datetime | None = None


@dataclass
class Plan:
    days: list[Interval] = field(default_factory=list)
    hours: list[Interval] = field(default_factory=list)
    raw: list[Interval] = field(default_factory=list)


def subtract(base: Interval, cuts: list[Interval]) -> list[Interval]:
    pieces = [base]
    for cut_start, cut_end in cuts:
        next_pieces = []
        for start, end in pieces:
            if cut_end <= start or cut_start >= end:
                next_pieces.append((start, end))
                continue
            if start < cut_start:
                next_pieces.append((start, cut_start))
            if cut_end < end:
                next_pieces.append((cut_end, end))
        pieces = next_pieces
    return [(start, end) for start, end in pieces if end > start]


def plan(period: Period, marks: Watermarks, *, prefer_days: bool | None = None) -> Plan:
    """Which parts of ``period`` to read from day rows, hour rows and raw rows.

    Day rows are used for whole UTC days when charts are drawn by day in a UTC zone,
    or where hour rows are no longer kept; elsewhere hour rows, so that local days
    in other zones are summed from whole hours.
    """
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    result = Plan()
    if prefer_days is None:
        prefer_days = period.unit == "day" and period.tz in UTC_NAMES
    if marks.day_until is not None:
        day_start, day_end = ceil_to(start, DAY), min(floor_to(end, DAY), marks.day_until)
        if not prefer_days and marks.hour_from is not None:
            day_end = min(day_end, floor_to(marks.hour_from, DAY))
        if day_end > day_start:
            result.days.append((day_start, day_end))
    if marks.hour_until is not None and marks.hour_from is not None:
        hours = (
            max(ceil_to(start, HOUR), marks.hour_from),
            min(floor_to(end, HOUR), marks.hour_until),
        )
        if hours[1] > hours[0]:
            result.hours = subtract(hours, result.days)
    result.raw = subtract((start, end), result.days + result.hours)
    return result
