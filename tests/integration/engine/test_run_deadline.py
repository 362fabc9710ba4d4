"""The run deadline counts execution, not waiting; a finished run has no open step."""

from __future__ import annotations

from sqlalchemy import text

from agentflow.db.engine import session_scope
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.runs.lifecycle import decide_approval
from tests.integration.conftest import age_run, workflow


def approval_then_done(run_timeout_s: float, approval_timeout_s: float) -> dict:  # type: ignore[type-arg]
    """Ships when approved; a rejection (or on_timeout: reject) drops it."""
    return workflow(
        [
            {
                "id": "review",
                "type": "approval",
                "config": {"message": "Ship?", "timeout_s": approval_timeout_s},
            },
            {"id": "ship", "type": "template", "config": {"template": "shipped"}},
            {"id": "drop", "type": "template", "config": {"template": "dropped"}},
        ],
        [("start", "review"), ("review", "ship", "approved"), ("review", "drop", "rejected")],
        settings={"timeout_s": run_timeout_s},
    )


async def test_an_approval_answered_after_the_run_deadline_still_succeeds(
    run_workflow, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    # The reported case: a 5 s run deadline, a 600 s approval, approved 10 s later.
    first = await run_workflow(approval_then_done(5, 600), {})
    assert first.view["status"] == "waiting"
    age_run(clean_db, first.run_id, 10, waiting=True)
    decide_approval(clean_db, first.run_id, "review", approved=True, by="ana", org_id=LOCAL_ORG_ID)
    resumed = await run_workflow({}, run_id=first.run_id)
    assert resumed.view["status"] == "succeeded", resumed.view["error"]
    assert resumed.view["output"] == {"ship": "shipped"}
    assert resumed.statuses() == {
        "start": "succeeded",
        "review": "succeeded",
        "ship": "succeeded",
        "drop": "skipped",
    }


async def test_the_time_spent_waiting_is_recorded_and_only_execution_counts(
    run_workflow, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    first = await run_workflow(approval_then_done(5, 600), {})
    age_run(clean_db, first.run_id, 30, waiting=True)
    decide_approval(clean_db, first.run_id, "review", approved=True, by="ana", org_id=LOCAL_ORG_ID)
    await run_workflow({}, run_id=first.run_id)
    with session_scope(clean_db) as session:
        paused_at, waited_s = session.execute(
            text("SELECT paused_at, waited_s FROM runs WHERE id = :id"), {"id": first.run_id}
        ).one()
    assert paused_at is None  # the wait is over
    assert 30 <= waited_s < 40


async def test_a_run_past_its_deadline_while_executing_times_out_with_no_open_step(
    run_workflow, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    # Here the 10 s went by while the run executed (before it paused): over its deadline.
    first = await run_workflow(approval_then_done(5, 600), {})
    age_run(clean_db, first.run_id, 10, waiting=False)
    decide_approval(clean_db, first.run_id, "review", approved=True, by="ana", org_id=LOCAL_ORG_ID)
    resumed = await run_workflow({}, run_id=first.run_id)
    assert resumed.view["status"] == "timed_out"
    steps = {step["node"]: step for step in resumed.view["steps"]}
    assert steps["review"]["status"] == "cancelled"
    assert steps["review"]["error"]["type"] == "timeout"
    assert steps["review"]["finished_at"] is not None
    assert all(
        step["status"] in {"succeeded", "failed", "skipped", "cancelled"}
        for step in resumed.view["steps"]
    )


async def test_the_approval_timeout_governs_the_wait_not_the_run_deadline(
    run_workflow, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    # Nobody answers: after the approval's own 60 s, on_timeout (reject) applies.
    first = await run_workflow(approval_then_done(5, 60), {})
    age_run(clean_db, first.run_id, 61, waiting=True)
    resumed = await run_workflow({}, run_id=first.run_id)
    assert resumed.view["status"] == "succeeded"
    assert resumed.step("review")["output"]["by"] == "timeout"
    assert (resumed.statuses()["ship"], resumed.statuses()["drop"]) == ("skipped", "succeeded")
