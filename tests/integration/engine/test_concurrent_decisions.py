"""Two decisions on one waiting approval: the first is recorded, the second refused."""

from __future__ import annotations

import threading

import pytest

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.runs.lifecycle import StepAlreadyDecided, decide_approval
from tests.integration.conftest import workflow

GATE = workflow(
    [{"id": "review", "type": "approval", "config": {"message": "ok?"}}], [("start", "review")]
)


async def test_a_second_decision_is_refused_while_the_first_is_applied(
    run_workflow, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    first = await run_workflow(GATE, {})
    decide_approval(clean_db, first.run_id, "review", approved=True, by="ana", org_id=LOCAL_ORG_ID)
    # The step is still waiting: the resume that applies the decision has not run yet.
    with pytest.raises(StepAlreadyDecided) as refused:
        decide_approval(
            clean_db, first.run_id, "review", approved=False, by="bo", org_id=LOCAL_ORG_ID
        )
    assert "already decided by ana" in refused.value.message


async def test_simultaneous_decisions_record_exactly_one(run_workflow, clean_db: str) -> None:  # type: ignore[no-untyped-def]
    first = await run_workflow(GATE, {})
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def decide(who: int) -> None:
        barrier.wait()
        try:
            decide_approval(
                clean_db, first.run_id, "review", approved=True, by=f"p{who}", org_id=LOCAL_ORG_ID
            )
            outcomes.append("recorded")
        except StepAlreadyDecided:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded"] + ["refused"] * 7
