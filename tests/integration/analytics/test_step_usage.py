"""llm steps are stored with the model that answered and its provider."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.services.runs.lifecycle import create_run, execute_run

DOC = {
    "format": "agentflow/v1",
    "name": "Ask",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "ask", "type": "llm",
         "config": {"model": "gpt-4o-mini", "prompt": "Hi", "mock_response": "Hello!"}},
        {"id": "say", "type": "template", "config": {"template": "done"}},
    ],
    "edges": [{"source": "start", "target": "ask"}, {"source": "ask", "target": "say"}],
}  # fmt: skip


async def test_llm_steps_record_model_and_provider(clean_db: str, org: uuid.UUID) -> None:
    run_id = create_run(clean_db, DOC, None, org_id=org)
    outcome = await execute_run(clean_db, run_id, org_id=org)
    assert outcome.status == "succeeded"
    with get_engine(clean_db).connect() as connection:
        rows = dict(
            (node, (model, provider))
            for node, model, provider in connection.execute(
                text("SELECT node_id, model, provider FROM steps WHERE run_id = :id"),
                {"id": run_id},
            ).all()
        )
    assert rows["ask"] == ("gpt-4o-mini (mocked)", "mocked")  # a canned reply, charted apart
    assert rows["say"] == (None, None)
