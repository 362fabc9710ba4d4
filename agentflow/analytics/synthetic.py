"""Synthetic runs and steps for the analytics benchmark and tests, made inside PostgreSQL.

Runs finish at uniformly random moments in ``[start, end)``, last a log-uniform
1 ms to 60 s, and end succeeded (85 %), failed (10 %), timed out (3 %) or
cancelled (2 %, half of them before starting). Each run has ``steps_per_run``
steps that split its duration; the second and third call models (OpenAI,
Anthropic) with tokens and cost; a failed run's last step carries one of three
error types. Run totals are the sums of their steps, as the recorder makes them.
``setseed`` makes a generation repeatable.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from agentflow.db.engine import session_scope

RUNS_SQL = """
INSERT INTO runs (id, org_id, workflow_id, document, status, trigger, created_at, started_at,
                  finished_at, prompt_tokens, completion_tokens, cost_usd, cancel_requested,
                  fencing_token)
SELECT id, :org, workflow_id, '{}'::jsonb, status, 'api', finished_at - duration,
       CASE WHEN status = 'cancelled' AND i % 2 = 0 THEN NULL ELSE finished_at - duration END,
       finished_at, 0, 0, 0, false, 0
FROM (
    SELECT i, gen_random_uuid() AS id,
           (CAST(:workflows AS uuid[]))[1 + (i % :workflow_count)] AS workflow_id,
           CAST(:start AS timestamptz) + random() * (CAST(:end AS timestamptz)
               - CAST(:start AS timestamptz)) AS finished_at,
           make_interval(secs => exp(random() * ln(60000)) / 1000.0) AS duration,
           CASE WHEN r < 0.85 THEN 'succeeded' WHEN r < 0.95 THEN 'failed'
                WHEN r < 0.98 THEN 'timed_out' ELSE 'cancelled' END AS status
    FROM (SELECT i, random() AS r FROM generate_series(1, :runs) AS i) AS numbered
) AS made
"""

STEPS_SQL = """
INSERT INTO steps (id, org_id, run_id, node_id, status, attempts, started_at, finished_at,
                   error, prompt_tokens, completion_tokens, cost_usd, model, provider)
SELECT gen_random_uuid(), :org, r.id, 'n' || k,
       CASE WHEN k = :per_run AND r.status IN ('failed', 'timed_out') THEN 'failed'
            ELSE 'succeeded' END,
       1,
       r.finished_at - (r.finished_at - r.created_at) * (:per_run - k + 1) / :per_run,
       r.finished_at - (r.finished_at - r.created_at) * (:per_run - k) / :per_run,
       CASE WHEN k = :per_run AND r.status IN ('failed', 'timed_out') THEN
           jsonb_build_object(
               'type',
               (ARRAY['llm.rate_limit', 'http', 'timeout'])[1 + abs(hashtext(r.id::text)) % 3],
               'message', 'synthetic')
       END,
       CASE WHEN k IN (2, 3) THEN (random() * 800)::int ELSE 0 END,
       CASE WHEN k IN (2, 3) THEN (random() * 300)::int ELSE 0 END,
       CASE WHEN k IN (2, 3) THEN round((random() * 0.01)::numeric, 6) ELSE 0 END,
       CASE k WHEN 2 THEN 'gpt-4o-mini' WHEN 3 THEN 'claude-3-haiku-20240307' END,
       CASE k WHEN 2 THEN 'openai' WHEN 3 THEN 'anthropic' END
FROM runs r CROSS JOIN generate_series(1, :per_run) AS k
WHERE r.org_id = :org AND r.started_at IS NOT NULL AND r.document = '{}'::jsonb
  AND r.finished_at >= :start AND r.finished_at < :end
"""

TOTALS_SQL = """
UPDATE runs r SET prompt_tokens = s.p, completion_tokens = s.c, cost_usd = s.cost
FROM (SELECT run_id, sum(prompt_tokens) AS p, sum(completion_tokens) AS c,
             sum(cost_usd) AS cost
      FROM steps WHERE org_id = :org GROUP BY run_id) AS s
WHERE r.id = s.run_id AND r.org_id = :org
"""


@dataclass(frozen=True)
class Generated:
    workflow_ids: list[uuid.UUID]
    runs: int
    steps: int


# Runs cancelled before starting (half of the 2 % cancelled) have no steps.
SHARE_WITHOUT_STEPS = 0.01


def runs_for_steps(steps: int, steps_per_run: int) -> int:
    """How many runs to generate for about ``steps`` steps in all."""
    return math.ceil(steps / (steps_per_run * (1 - SHARE_WITHOUT_STEPS)))


def generate(
    database_url: str,
    org_id: uuid.UUID,
    *,
    runs: int,
    start: datetime,
    end: datetime,
    steps_per_run: int = 5,
    workflows: int = 20,
    seed: float = 0.42,
) -> Generated:
    workflow_ids = [uuid.uuid4() for _ in range(workflows)]
    params = {"org": org_id, "start": start, "end": end}
    with session_scope(database_url) as session:
        for number, workflow_id in enumerate(workflow_ids, 1):
            session.execute(
                text(
                    "INSERT INTO workflows (id, org_id, name, description, document, "
                    "latest_version, created_at, updated_at) "
                    "VALUES (:id, :org, :name, '', CAST(:doc AS jsonb), 0, now(), now())"
                ),
                {"id": workflow_id, "org": org_id, "name": f"Synthetic {number:02d}",
                 "doc": json.dumps({"format": "agentflow/v1", "name": f"Synthetic {number:02d}"})},
            )  # fmt: skip
        session.execute(text("SELECT setseed(:seed)"), {"seed": seed})
        session.execute(
            text(RUNS_SQL),
            {**params, "workflows": workflow_ids, "workflow_count": workflows, "runs": runs},
        )
        steps = session.execute(text(STEPS_SQL), {**params, "per_run": steps_per_run})
        session.execute(text(TOTALS_SQL), {"org": org_id})
        return Generated(workflow_ids, runs, int(steps.rowcount))  # type: ignore[attr-defined]
