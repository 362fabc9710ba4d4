"""approval: waiting, resuming with a decision, timing out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agentflow.engine.errors import WaitingForApproval
from agentflow.engine.memory import MemoryApprovalInbox
from agentflow.engine.ports import ApprovalDecision
from agentflow.nodes.approval import APPROVAL
from tests.unit.engine_nodes.conftest import RUN_ID, make_ctx, make_deps, run_node

CONFIG = {"message": "Refund {{ input.amount }} EUR?", "timeout_s": 3600}


async def test_without_a_decision_the_step_waits_until_now_plus_timeout():
    inbox = MemoryApprovalInbox()
    ctx = make_ctx({"amount": 40}, deps=make_deps(approvals=inbox), node_id="ask")
    before = datetime.now(UTC)
    with pytest.raises(WaitingForApproval) as caught:
        await run_node("approval", CONFIG, ctx)
    after = datetime.now(UTC)
    deadline = caught.value.wait_until
    assert before + timedelta(hours=1) <= deadline <= after + timedelta(hours=1)
    assert inbox.asked == [(RUN_ID, "ask")]
    assert ctx.resolved_input == {"message": "Refund 40 EUR?"}


async def test_a_resumed_step_keeps_its_recorded_deadline():
    deadline = datetime.now(UTC) + timedelta(minutes=5)
    ctx = make_ctx({"amount": 1}, wait_until=deadline)
    with pytest.raises(WaitingForApproval) as caught:
        await run_node("approval", CONFIG, ctx)
    assert caught.value.wait_until == deadline


@pytest.mark.parametrize(
    ("on_timeout", "approved", "handle"),
    [("reject", False, "rejected"), ("approve", True, "approved")],
)
async def test_past_the_deadline_on_timeout_decides(on_timeout, approved, handle):
    config = {**CONFIG, "on_timeout": on_timeout}
    ctx = make_ctx({"amount": 1}, wait_until=datetime.now(UTC) - timedelta(seconds=1))
    output = await run_node("approval", config, ctx)
    assert output == {"approved": approved, "by": "timeout", "comment": None}
    assert APPROVAL.output_handles(APPROVAL.parse_config(config), output) == [handle]


async def test_a_naive_deadline_is_read_as_utc():
    naive_past = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=5)
    output = await run_node("approval", CONFIG, make_ctx({"amount": 1}, wait_until=naive_past))
    assert output["by"] == "timeout"


@pytest.mark.parametrize(("approved", "handle"), [(True, "approved"), (False, "rejected")])
async def test_a_recorded_decision_is_the_output(approved, handle):
    inbox = MemoryApprovalInbox()
    inbox.decisions[(RUN_ID, "ask")] = ApprovalDecision(approved, "ada@example.com", "fine")
    # Even past the deadline, a decision that was recorded wins over on_timeout.
    ctx = make_ctx(
        {"amount": 1},
        deps=make_deps(approvals=inbox),
        node_id="ask",
        wait_until=datetime.now(UTC) - timedelta(hours=1),
    )
    output = await run_node("approval", CONFIG, ctx)
    assert output == {"approved": approved, "by": "ada@example.com", "comment": "fine"}
    assert APPROVAL.output_handles(APPROVAL.parse_config(CONFIG), output) == [handle]
