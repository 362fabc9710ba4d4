"""Maintaining the rollups: whole UTC hours from raw rows, whole UTC days from hours.

:func:`roll_up` is idempotent: each chunk deletes the buckets it is about to write
and inserts them again, with its watermark, in one transaction. Hours are rolled
only once they ended more than ``lag`` ago, so runs and steps still being written
(a worker's clock, a long transaction) land in the raw tail rather than being missed.
Hour rows older than ``hourly_days`` are deleted once their days are rolled up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from agentflow.analytics.facts import RUN_MS, STEP_MS, TERMINAL
from agentflow.analytics.histogram import SQL_BIN
from agentflow.analytics.periods import DAY, HOUR, floor_to
from agentflow.db.analytics import RollupWatermark
from agentflow.db.engine import session_scope

ROLLUP_LAG = timedelta(minutes=5)
HOURLY_DAYS = 35
CHUNK = timedelta(days=7)
LOCK_KEY = 8_000_811  # pg_advisory_xact_lock key: one roll-up at a time

HOUR_SQL = (
    f"""
    INSERT INTO analytics_run_rollups (org_id, grain, bucket_start, workflow_id, status, runs,
        duration_count, duration_ms_sum, prompt_tokens, completion_tokens, cost_usd)
    SELECT r.org_id, 'hour', date_trunc('hour', r.finished_at, 'UTC'), r.workflow_id, r.status,
        count(*), count(r.started_at), coalesce(sum({RUN_MS}), 0), sum(r.prompt_tokens),
        sum(r.completion_tokens), sum(r.cost_usd)
    FROM runs r WHERE r.status IN {TERMINAL} AND r.finished_at >= :a AND r.finished_at < :b
    GROUP BY 1, 3, 4, 5
    """,  # noqa: S608 - module constants only; bounds are bound parameters
    f"""
    INSERT INTO analytics_run_durations (org_id, grain, bucket_start, workflow_id, bin, count)
    SELECT r.org_id, 'hour', date_trunc('hour', r.finished_at, 'UTC'), r.workflow_id,
        {SQL_BIN.format(ms=RUN_MS)}, count(*)
    FROM runs r WHERE r.status IN {TERMINAL} AND r.started_at IS NOT NULL
        AND r.finished_at >= :a AND r.finished_at < :b
    GROUP BY 1, 3, 4, 5
    """,  # noqa: S608 - module constants only; bounds are bound parameters
    f"""
    INSERT INTO analytics_step_rollups (org_id, grain, bucket_start, workflow_id, node_id,
        status, error_type, model, provider, steps, duration_count, duration_ms_sum,
        prompt_tokens, completion_tokens, cost_usd)
    SELECT s.org_id, 'hour', date_trunc('hour', s.finished_at, 'UTC'), r.workflow_id, s.node_id,
        s.status, coalesce(s.error->>'type', ''), coalesce(s.model, ''),
        coalesce(s.provider, ''), count(*), count(s.started_at), coalesce(sum({STEP_MS}), 0),
        sum(s.prompt_tokens), sum(s.completion_tokens), sum(s.cost_usd)
    FROM steps s JOIN runs r ON r.id = s.run_id
    WHERE s.finished_at >= :a AND s.finished_at < :b
    GROUP BY 1, 3, 4, 5, 6, 7, 8, 9
    """,  # noqa: S608 - module constants only; bounds are bound parameters
    f"""
    INSERT INTO analytics_step_durations (org_id, grain, bucket_start, workflow_id, node_id,
        bin, count)
    SELECT s.org_id, 'hour', date_trunc('hour', s.finished_at, 'UTC'), r.workflow_id, s.node_id,
        {SQL_BIN.format(ms=STEP_MS)}, count(*)
    FROM steps s JOIN runs r ON r.id = s.run_id
    WHERE s.started_at IS NOT NULL AND s.finished_at >= :a AND s.finished_at < :b
    GROUP BY 1, 3, 4, 5, 6
    """,  # noqa: S608
    f"""
    INSERT INTO analytics_org_durations (org_id, grain, bucket_start, bin, count)
    SELECT r.org_id, 'hour', date_trunc('hour', r.finished_at, 'UTC'),
        {SQL_BIN.format(ms=RUN_MS)}, count(*)
    FROM runs r WHERE r.status IN {TERMINAL} AND r.started_at IS NOT NULL
        AND r.finished_at >= :a AND r.finished_at < :b
    GROUP BY 1, 3, 4
    """,  # noqa: S608
    """
    INSERT INTO analytics_model_rollups (org_id, grain, bucket_start, model, provider, steps,
        prompt_tokens, completion_tokens, cost_usd)
    SELECT s.org_id, 'hour', date_trunc('hour', s.finished_at, 'UTC'), coalesce(s.model, ''),
        coalesce(s.provider, ''), count(*), sum(s.prompt_tokens), sum(s.completion_tokens),
        sum(s.cost_usd)
    FROM steps s WHERE s.finished_at >= :a AND s.finished_at < :b
    GROUP BY 1, 3, 4, 5
    """,
)

# table -> (key columns, summed columns): day rows are sums of their 24 hour rows.
TABLES = {
    "analytics_run_rollups": (
        ("workflow_id", "status"),
        ("runs", "duration_count", "duration_ms_sum", "prompt_tokens", "completion_tokens",
         "cost_usd"),
    ),
    "analytics_run_durations": (("workflow_id", "bin"), ("count",)),
    "analytics_step_rollups": (
        ("workflow_id", "node_id", "status", "error_type", "model", "provider"),
        ("steps", "duration_count", "duration_ms_sum", "prompt_tokens", "completion_tokens",
         "cost_usd"),
    ),
    "analytics_step_durations": (("workflow_id", "node_id", "bin"), ("count",)),
    "analytics_org_durations": (("bin",), ("count",)),
    "analytics_model_rollups": (
        ("model", "provider"), ("steps", "prompt_tokens", "completion_tokens", "cost_usd"),
    ),
}  # fmt: skip


def _day_sql(table: str) -> str:
    keys, sums = TABLES[table]
    columns = ", ".join((*keys, *sums))
    summed = ", ".join(f"sum({name})" for name in sums)
    groups = ", ".join(str(i + 4) for i in range(len(keys)))
    return (
        f"INSERT INTO {table} (org_id, grain, bucket_start, {columns}) "  # noqa: S608 - constants
        f"SELECT org_id, 'day', date_trunc('day', bucket_start, 'UTC'), {', '.join(keys)}, "
        f"{summed} FROM {table} WHERE grain = 'hour' AND bucket_start >= :a "
        f"AND bucket_start < :b GROUP BY 1, 3, {groups}"
    )


def _delete(session: Session, grain: str, start: datetime, end: datetime) -> None:
    for table in TABLES:
        session.execute(
            text(
                f"DELETE FROM {table} WHERE grain = :grain "  # noqa: S608 - constant names
                "AND bucket_start >= :a AND bucket_start < :b"
            ),
            {"grain": grain, "a": start, "b": end},
        )


def _mark(session: Session, grain: str) -> RollupWatermark | None:
    return session.get(RollupWatermark, grain, with_for_update=True)


def _save_mark(session: Session, grain: str, until: datetime, kept_from: datetime) -> None:
    mark = _mark(session, grain) or RollupWatermark(grain=grain)
    mark.rolled_until, mark.kept_from, mark.updated_at = until, kept_from, datetime.now(UTC)
    session.add(mark)


def _first_finish(session: Session) -> datetime | None:
    first = session.execute(
        text(
            "SELECT least((SELECT min(finished_at) FROM runs), "
            "(SELECT min(finished_at) FROM steps))"
        )
    ).scalar_one()
    return floor_to(first, HOUR) if first is not None else None


@dataclass
class RollupReport:
    hours_rolled: int = 0
    days_rolled: int = 0
    hour_until: datetime | None = None
    day_until: datetime | None = None


def roll_up(
    database_url: str,
    *,
    now: datetime | None = None,
    lag: timedelta = ROLLUP_LAG,
    hourly_days: int = HOURLY_DAYS,
) -> RollupReport:
    """Bring the hour and day rollups up to ``now - lag``; prune old hour rows."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    target = floor_to(now - lag, HOUR)
    report = RollupReport()
    while True:  # one transaction per chunk, so a large backfill commits as it goes
        with session_scope(database_url) as session:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            mark = _mark(session, "hour")
            start = mark.rolled_until if mark else (_first_finish(session) or target)
            kept_from = mark.kept_from if mark else start
            end = min(start + CHUNK, target)
            if end <= start:
                if mark is None:
                    _save_mark(session, "hour", target, target)
                report.hour_until = max(start, target) if mark is None else start
                break
            _delete(session, "hour", start, end)
            for statement in HOUR_SQL:
                session.execute(text(statement), {"a": start, "b": end})
            _save_mark(session, "hour", end, kept_from)
            report.hours_rolled += int((end - start) / HOUR)
    _roll_days(database_url, now, hourly_days, report)
    return report


def _roll_days(database_url: str, now: datetime, hourly_days: int, report: RollupReport) -> None:
    with session_scope(database_url) as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        hours = _mark(session, "hour")
        if hours is None:
            return
        days = _mark(session, "day")
        start = days.rolled_until if days else floor_to(hours.kept_from, DAY)
        end = floor_to(hours.rolled_until, DAY)
        if end > start:
            _delete(session, "day", start, end)
            for table in TABLES:
                session.execute(text(_day_sql(table)), {"a": start, "b": end})
            report.days_rolled = int((end - start) / DAY)
        day_until = max(start, end)
        _save_mark(session, "day", day_until, days.kept_from if days else start)
        report.day_until = day_until
        # Hour rows older than the retention go, once the days they make up are rolled.
        cutoff = min(floor_to(now - timedelta(days=hourly_days), DAY), day_until)
        if cutoff > hours.kept_from:
            _delete(session, "hour", hours.kept_from, cutoff)
            hours.kept_from = min(cutoff, hours.rolled_until)
