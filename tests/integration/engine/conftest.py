"""Scenario fixtures: stored runs executed through services.runs.lifecycle on real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.engine.run import RunOutcome
from agentflow.services.runs.lifecycle import create_run, describe_run, execute_run


@dataclass
class Ran:
    run_id: Any
    outcome: RunOutcome
    view: dict[str, Any]

    def step(self, node: str) -> dict[str, Any]:
        return next(step for step in self.view["steps"] if step["node"] == node)

    def statuses(self) -> dict[str, str]:
        return {step["node"]: step["status"] for step in self.view["steps"]}


@pytest.fixture
def run_workflow(clean_db: str):  # type: ignore[no-untyped-def]
    async def run(
        document: dict[str, Any], run_input: Any = None, *, run_id: Any = None, **options: Any
    ) -> Ran:
        if run_id is None:
            run_id = create_run(
                clean_db, document, run_input if run_input is not None else {}, org_id=LOCAL_ORG_ID
            )
        outcome = await execute_run(clean_db, run_id, **{"org_id": LOCAL_ORG_ID, **options})
        return Ran(run_id, outcome, describe_run(clean_db, run_id, org_id=LOCAL_ORG_ID))

    return run
