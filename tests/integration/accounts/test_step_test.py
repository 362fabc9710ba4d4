"""Testing one step alone: only that node executes, reading the pinned outputs of the
nodes before it; nothing downstream runs; the run, its pinned steps and its audit
row are stored together, or nothing is."""

from __future__ import annotations

from typing import Any

import pytest

from agentflow.errors import Forbidden
from agentflow.queue import QUEUE_NAME
from agentflow.services.runs.lifecycle import InvalidRunRequest, describe_run, execute_run
from agentflow.services.runs.step_test import StepNotTestable, start_step_test
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Role
from tests.integration.conftest import workflow

from .conftest import Person, run_count

# The http node would fail if it ran: nothing listens on port 9 of this machine, and
# the guarded client refuses loopback anyway. Its pinned output stands in for it.
DOCUMENT = workflow(
    [
        {"id": "fetch", "type": "http", "config": {"method": "GET", "url": "http://127.0.0.1:9/"}},
        {"id": "check", "type": "condition", "config": {"expression": "input.vip"}},
        {
            "id": "greet",
            "type": "template",
            "config": {"template": "Hi {{ nodes.fetch.output.body.name }} from {{ input.city }}"},
        },
        {"id": "after", "type": "template", "config": {"template": "never"}},
    ],
    [
        ("start", "fetch"),
        ("start", "check"),
        ("fetch", "greet"),
        ("check", "greet", "true"),
        ("greet", "after"),
    ],
    inputs={"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}},
)
PINNED = {"fetch": {"status": 200, "body": {"name": "Ada"}}, "check": {"value": False}}


async def test_only_the_step_runs_on_the_pinned_outputs_of_the_nodes_before_it(
    alice: Person, clean_db: str, queue: Any
) -> None:
    run_id = await start_step_test(
        clean_db,
        queue,
        DOCUMENT,
        "greet",
        run_input={"city": "Paris"},
        outputs=PINNED,
        actor=alice.actor(),
        workflow_id=None,
    )
    assert int(await queue.zcard(QUEUE_NAME)) == 1
    await execute_run(clean_db, run_id, org_id=alice.org_id)

    run = describe_run(clean_db, run_id, org_id=alice.org_id)
    assert run["status"] == "succeeded"
    steps = {step["node"]: step for step in run["steps"]}
    # The condition's pinned output says false, yet the step runs: a pinned node's
    # every handle is live, so a step is testable whichever branch it sits on.
    assert set(steps) == {"start", "fetch", "check", "greet"}
    assert steps["greet"]["output"] == "Hi Ada from Paris"
    assert steps["fetch"]["output"] == PINNED["fetch"]
    assert steps["start"]["output"] == {"city": "Paris"}
    assert run["output"] == {"greet": "Hi Ada from Paris"}
    [entry] = audit.query(clean_db, alice.actor(), target_type="run")
    assert (entry.action, entry.target_id) == ("run.start", str(run_id))
    assert entry.details == {
        "trigger": "step_test",
        "workflow": None,
        "of": "draft",
        "step": "greet",
    }


async def test_a_node_without_pinned_data_reads_null(
    alice: Person, clean_db: str, queue: Any
) -> None:
    run_id = await start_step_test(
        clean_db,
        queue,
        DOCUMENT,
        "greet",
        run_input={"city": "Oslo"},
        outputs={},
        actor=alice.actor(),
        workflow_id=None,
    )
    await execute_run(clean_db, run_id, org_id=alice.org_id)
    run = describe_run(clean_db, run_id, org_id=alice.org_id)
    greet = next(step for step in run["steps"] if step["node"] == "greet")
    assert greet["status"] == "failed"  # nodes.fetch.output is null: it has no body
    assert "null has no attribute 'body'" in greet["error"]["message"]


async def test_refused_step_tests_store_nothing(alice: Person, clean_db: str, queue: Any) -> None:
    attempts: list[tuple[type[Exception], dict[str, Any]]] = [
        (StepNotTestable, {"node_id": "nowhere", "outputs": {}}),
        (StepNotTestable, {"node_id": "greet", "outputs": {"after": 1}}),  # not upstream
        (InvalidRunRequest, {"node_id": "greet", "outputs": {}, "run_input": {}}),  # no city
        (StepNotTestable, {"node_id": "greet", "outputs": {"fetch": {"body": "a\x00b"}}}),
    ]
    for error, arguments in attempts:
        with pytest.raises(error):
            await start_step_test(
                clean_db,
                queue,
                DOCUMENT,
                actor=alice.actor(),
                workflow_id=None,
                **{"run_input": {"city": "Rome"}, **arguments},
            )
    with pytest.raises(Forbidden):
        await start_step_test(
            clean_db,
            queue,
            DOCUMENT,
            "greet",
            run_input={"city": "Rome"},
            outputs={},
            actor=alice.actor(Role.VIEWER),
            workflow_id=None,
        )
    assert run_count(clean_db, alice.org_id) == 0
    assert audit.query(clean_db, alice.actor(), target_type="run") == []
    assert int(await queue.zcard(QUEUE_NAME)) == 0


async def test_a_step_with_problems_elsewhere_in_the_draft_can_still_be_tested(
    alice: Person, clean_db: str, queue: Any
) -> None:
    draft = {**DOCUMENT, "nodes": [*DOCUMENT["nodes"], {"id": "broken", "type": "http"}]}
    draft["edges"] = [*DOCUMENT["edges"], {"source": "greet", "target": "broken"}]
    run_id = await start_step_test(
        clean_db,
        queue,
        draft,
        "greet",
        run_input={"city": "Rome"},
        outputs=PINNED,
        actor=alice.actor(),
        workflow_id=None,
    )
    await execute_run(clean_db, run_id, org_id=alice.org_id)
    assert describe_run(clean_db, run_id, org_id=alice.org_id)["status"] == "succeeded"
