"""Reading facts for a period: rollup rows where they cover it, raw rows elsewhere.

Four sources share one shape (a time ``t`` and columns): finished runs, run
duration bins, finished steps and step duration bins. :func:`facts` unions the
day rollups, the hour rollups and the raw rows of the pieces :func:`periods.plan`
chose, then groups by the requested columns (and the chart bucket, in the period's
zone) and sums the requested measures: one round trip per source.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from agentflow.analytics.histogram import SQL_BIN
from agentflow.analytics.periods import Interval, Period, Plan, Watermarks, plan
from agentflow.db.analytics import RollupWatermark

TERMINAL = "('succeeded', 'failed', 'cancelled', 'timed_out')"
FLOAT_MEASURES = {"duration_ms_sum": "float8", "cost_usd": "float8"}
RUN_MS = "greatest(extract(epoch FROM r.finished_at - r.started_at) * 1000, 0)"
STEP_MS = "greatest(extract(epoch FROM s.finished_at - s.started_at) * 1000, 0)"


@dataclass(frozen=True)
class Source:
    table: str  # the rollup table
    columns: tuple[str, ...]  # the same names in the rollup and the raw select
    raw_select: tuple[str, ...]  # raw expressions, in ``columns`` order
    raw_from: str
    raw_where: str


RUNS = Source(
    "analytics_run_rollups",
    ("workflow_id", "status", "runs", "duration_count", "duration_ms_sum", "prompt_tokens",
     "completion_tokens", "cost_usd"),
    ("r.workflow_id", "r.status", "1", "(r.started_at IS NOT NULL)::int",
     f"coalesce({RUN_MS}, 0)", "r.prompt_tokens", "r.completion_tokens", "r.cost_usd"),
    "runs r",
    f"r.status IN {TERMINAL}",
)  # fmt: skip
RUN_BINS = Source(
    "analytics_run_durations",
    ("workflow_id", "bin", "count"),
    ("r.workflow_id", SQL_BIN.format(ms=RUN_MS), "1"),
    "runs r",
    f"r.status IN {TERMINAL} AND r.started_at IS NOT NULL",
)
STEPS = Source(
    "analytics_step_rollups",
    ("workflow_id", "node_id", "status", "error_type", "model", "provider", "steps",
     "duration_count", "duration_ms_sum", "prompt_tokens", "completion_tokens", "cost_usd"),
    ("r.workflow_id", "s.node_id", "s.status", "coalesce(s.error->>'type', '')",
     "coalesce(s.model, '')", "coalesce(s.provider, '')", "1",
     "(s.started_at IS NOT NULL)::int", f"coalesce({STEP_MS}, 0)", "s.prompt_tokens",
     "s.completion_tokens", "s.cost_usd"),
    "steps s JOIN runs r ON r.id = s.run_id",
    "TRUE",
)  # fmt: skip
STEP_BINS = Source(
    "analytics_step_durations",
    ("workflow_id", "node_id", "bin", "count"),
    ("r.workflow_id", "s.node_id", SQL_BIN.format(ms=STEP_MS), "1"),
    "steps s JOIN runs r ON r.id = s.run_id",
    "s.started_at IS NOT NULL",
)


ORG_BINS = Source(
    "analytics_org_durations",
    ("bin", "count"),
    (SQL_BIN.format(ms=RUN_MS), "1"),
    "runs r",
    f"r.status IN {TERMINAL} AND r.started_at IS NOT NULL",
)
MODELS = Source(
    "analytics_model_rollups",
    ("model", "provider", "steps", "prompt_tokens", "completion_tokens", "cost_usd"),
    ("coalesce(s.model, '')", "coalesce(s.provider, '')", "1", "s.prompt_tokens",
     "s.completion_tokens", "s.cost_usd"),
    "steps s",
    "TRUE",
)  # fmt: skip


def watermarks(session: Session) -> Watermarks:
    rows = {row.grain: row for row in session.query(RollupWatermark).all()}
    hour, day = rows.get("hour"), rows.get("day")
    return Watermarks(
        hour_from=hour.kept_from if hour else None,
        hour_until=hour.rolled_until if hour else None,
        day_until=day.rolled_until if day else None,
    )


def _ranges(column: str, intervals: list[Interval], params: dict[str, Any]) -> str:
    parts = []
    for start, end in intervals:
        a, b = f"p{len(params)}", f"p{len(params) + 1}"
        params[a], params[b] = start, end
        parts.append(f"({column} >= :{a} AND {column} < :{b})")
    return "(" + " OR ".join(parts) + ")"


# The SQL below is assembled only from this module's constants, names checked against
# them and numbered placeholders: every value (org, zone, bounds) is a bound parameter.


def _union(
    source: Source, pieces: Plan, params: dict[str, Any], workflow_id: uuid.UUID | None
) -> str:
    only_workflow = workflow_id is not None
    selects = []
    for grain, intervals in (("day", pieces.days), ("hour", pieces.hours)):
        if intervals:
            selects.append(
                f"SELECT bucket_start AS t, {', '.join(source.columns)} FROM {source.table} "  # noqa: S608
                f"WHERE org_id = :org AND grain = '{grain}' "
                f"AND {_ranges('bucket_start', intervals, params)}"
                + (" AND workflow_id = :wf" if only_workflow else "")
            )
    if pieces.raw:
        time = "s.finished_at" if source.raw_from.startswith("steps") else "r.finished_at"
        org = "s.org_id" if source.raw_from.startswith("steps") else "r.org_id"
        columns = ", ".join(f"{expr} AS {name}" for expr, name in zip(
            source.raw_select, source.columns, strict=True
        ))  # fmt: skip
        selects.append(
            f"SELECT {time} AS t, {columns} FROM {source.raw_from} "  # noqa: S608
            f"WHERE {org} = :org AND {source.raw_where} AND {_ranges(time, pieces.raw, params)}"
            + (" AND r.workflow_id = :wf" if only_workflow else "")
        )
    return " UNION ALL ".join(selects)


def _check_workflow_filter(source: Source, workflow_id: uuid.UUID | None) -> None:
    if workflow_id is not None and "workflow_id" not in source.columns:
        raise ValueError(f"{source.table} is organisation-wide: it cannot filter a workflow")


def facts(
    session: Session,
    source: Source,
    org_id: uuid.UUID,
    period: Period,
    *,
    by: Sequence[str] = (),
    measures: Sequence[str] = (),
    bucketed: bool = False,
    workflow_id: uuid.UUID | None = None,
    marks: Watermarks | None = None,
) -> list[dict[str, Any]]:
    """Sums of ``measures`` per ``by`` (and per chart bucket when ``bucketed``)."""
    for name in (*by, *measures):
        if name not in source.columns:
            raise ValueError(f"{source.table} has no column {name!r}")
    _check_workflow_filter(source, workflow_id)
    # Without chart buckets only the period's edges matter: whole UTC days come from
    # day rows in any zone, which reads far fewer rows for long periods.
    pieces = plan(
        period,
        marks if marks is not None else watermarks(session),
        prefer_days=True if not bucketed else None,
    )
    params: dict[str, Any] = {"org": org_id, "wf": workflow_id, "tz": period.tz}
    union = _union(source, pieces, params, workflow_id)
    keys = list(by)
    if bucketed:
        keys.insert(0, f"date_trunc('{period.unit}', t AT TIME ZONE :tz) AS bucket")
    # sum() of bigint is numeric in PostgreSQL: cast back so counts are ints whatever
    # mix of rollup and raw rows was summed.
    sums = [f"sum({name})::{FLOAT_MEASURES.get(name, 'bigint')} AS {name}" for name in measures]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    sql = f"SELECT {', '.join(keys + sums) or '1'} FROM ({union}) AS src{group}"  # noqa: S608
    rows = session.execute(text(sql), params).mappings().all()
    return [_plain(row) for row in rows]


def _plain(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None and key not in ("workflow_id", "bucket"):
            value = 0
        elif hasattr(value, "as_integer_ratio") and not isinstance(value, int | float):
            value = float(value)  # Decimal sums of cost
        out[key] = value
    return out


def bucket_label(bucket: datetime, unit: str) -> str:
    return bucket.strftime("%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d")
