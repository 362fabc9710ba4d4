"""Cursor pagination of runs: newest first, keyed by ``(created_at, id)`` of the last row.

``run_queries.query_runs`` pages by offset, which skips or repeats rows when runs
are created between two requests. Here the cursor bounds ``created_at`` from above
(``until`` just past the cursor's time) and the rows with the cursor's exact time
that were already returned (``id`` up to the cursor's, the service's tie order)
are dropped, so a page starts exactly after the last row seen.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from agentflow.services.runs.queries import MAX_PAGE_SIZE, RunFilter, query_runs
from state.web.api_v1.errors import ApiError

_TICK = timedelta(microseconds=1)


def aware(value: datetime | None) -> datetime | None:
    """Timestamps without a zone are read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def encode_cursor(created_at: datetime, run_id: str) -> str:
    raw = json.dumps([aware(created_at).isoformat(), run_id])  # type: ignore[union-attr]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, run_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return aware(datetime.fromisoformat(created)), uuid.UUID(run_id)  # type: ignore[return-value]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "the cursor is not one this API returned") from None


def _after(row: dict[str, Any], created: datetime, run_id: uuid.UUID) -> bool:
    """Whether ``row`` comes after the cursor in (created_at desc, id asc) order."""
    row_created = aware(row["created_at"])
    assert row_created is not None
    if row_created != created:
        return row_created < created
    return uuid.UUID(row["run_id"]) > run_id


def runs_page(
    database_url: str,
    org_id: uuid.UUID,
    filters: RunFilter,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to ``limit`` rows after ``cursor`` and the cursor of the next page (or None)."""
    base = replace(filters, page=1, page_size=min(MAX_PAGE_SIZE, limit + 1))
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        until = position[0] + _TICK
        if base.until is None or until < base.until:
            base = replace(base, until=until)
    rows: list[dict[str, Any]] = []
    page = base
    while True:
        result = query_runs(database_url, page, org_id=org_id)
        for row in result.rows:
            if position is None or _after(row, *position):
                rows.append(row)
        if len(rows) > limit or page.page >= result.pages:
            break
        page = replace(page, page=page.page + 1)
    items = rows[:limit]
    more = len(rows) > limit
    next_cursor = encode_cursor(items[-1]["created_at"], items[-1]["run_id"]) if more else None
    return items, next_cursor
