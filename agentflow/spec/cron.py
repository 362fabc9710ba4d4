"""Cron expressions with a time zone: validate, describe in words, list the next times.

Iteration is cronsim's (the one healthchecks.io runs): it reads the expression in
the schedule's own time zone, so "0 9 * * *" stays at 09:00 local time across
daylight-saving changes. A time skipped by a spring-forward change fires at the
first moment after the gap; a time repeated by a fall-back change fires once.
Descriptions come from cron-descriptor, in 24-hour English.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import Options, get_description
from cronsim import CronSim, CronSimError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MAX_LENGTH = 200


class InvalidSchedule(ValueError):
    """The cron expression or the time zone is not valid; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CronSpec:
    cron: str  # as written (a macro stays a macro)
    expression: str  # five fields
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _zone(timezone: str) -> str:
    name = (timezone or "").strip() or "UTC"
    if name.startswith(("/", ".")) or ".." in name:
        raise InvalidSchedule(f"unknown time zone {timezone!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule(f"unknown time zone {timezone!r}: use an IANA name") from None
    return name


def parse(cron: str, timezone: str = "UTC") -> CronSpec:
    """A validated spec, or :class:`InvalidSchedule` with a message for people."""
    written = " ".join((cron or "").split())
    if not written:
        raise InvalidSchedule("a schedule needs a cron expression, e.g. '0 9 * * 1-5'")
    if len(written) > MAX_LENGTH:
        raise InvalidSchedule(f"cron expressions are at most {MAX_LENGTH} characters")
    expression = MACROS.get(written.lower(), written)
    if written.startswith("@") and written.lower() not in MACROS:
        raise InvalidSchedule(f"unknown macro {written!r}; known: {', '.join(MACROS)}")
    if len(expression.split()) != 5:
        raise InvalidSchedule("cron needs five fields: minute hour day-of-month month weekday")
    zone = _zone(timezone)
    try:
        next(CronSim(expression.upper(), datetime.now(ZoneInfo(zone))))
    except (CronSimError, StopIteration) as exc:
        raise InvalidSchedule(f"invalid cron expression {written!r}: {exc}") from None
    return CronSpec(written, expression.upper(), zone)


def describe(spec: CronSpec) -> str:
    """E.g. "At 09:00, Monday through Friday (Europe/Paris)"."""
    options = Options()
    options.use_24hour_time_format = True
    try:
        words = get_description(spec.expression, options)
    except Exception:  # the library's own errors: describe what we can instead
        words = spec.expression
    return f"{words} ({spec.timezone})"


def iterate(spec: CronSpec, after: datetime) -> Iterator[datetime]:
    """Times strictly after ``after``, in UTC."""
    for moment in CronSim(spec.expression, after.astimezone(spec.zone)):
        yield moment.astimezone(UTC)


def next_times(spec: CronSpec, after: datetime | None = None, count: int = 5) -> list[datetime]:
    moments = iterate(spec, after or datetime.now(UTC))
    return [next(moments) for _ in range(count)]


def next_time(spec: CronSpec, after: datetime) -> datetime:
    return next(iterate(spec, after))


def latest_at_or_before(spec: CronSpec, moment: datetime) -> datetime:
    """The last tick at or before ``moment``, in UTC."""
    later = (moment + timedelta(seconds=1)).replace(microsecond=0)
    return next(
        iter(CronSim(spec.expression, later.astimezone(spec.zone), reverse=True))
    ).astimezone(UTC)
