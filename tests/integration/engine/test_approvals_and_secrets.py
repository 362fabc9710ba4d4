"""Approval pause and resume, reuse of finished steps, and secret masking."""

from __future__ import annotations

import asyncio

from agentflow.engine.masking import MASK
from agentflow.services.runs import decide_approval
from tests.integration.conftest import LocalServer, workflow


def gated(server: LocalServer, timeout_s: float = 3600, on_timeout: str = "reject") -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {"id": "fetch", "type": "http", "config": {"url": f"{server.base}/ok"}},
            {
                "id": "review",
                "type": "approval",
                "config": {
                    "message": "Ship {{ input.what }}?",
                    "timeout_s": timeout_s,
                    "on_timeout": on_timeout,
                },
            },
            {"id": "ship", "type": "template", "config": {"template": "shipped"}},
            {"id": "drop", "type": "template", "config": {"template": "dropped"}},
        ],
        [
            ("start", "fetch"),
            ("fetch", "review"),
            ("review", "ship", "approved"),
            ("review", "drop", "rejected"),
        ],
    )


async def test_an_approval_pauses_the_run_and_a_decision_resumes_it(
    run_workflow, clean_db, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    first = await run_workflow(gated(local_server), {"what": "v2"}, allow_hosts=allow)
    assert first.view["status"] == "waiting"
    assert first.step("review")["status"] == "waiting"
    assert first.step("review")["input"] == {"message": "Ship v2?"}
    assert "ship" not in first.statuses() and "drop" not in first.statuses()

    decide_approval(clean_db, first.run_id, "review", approved=True, by="ana", comment="go")
    resumed = await run_workflow({}, run_id=first.run_id, allow_hosts=allow)
    assert resumed.view["status"] == "succeeded"
    assert resumed.step("review")["output"] == {"approved": True, "by": "ana", "comment": "go"}
    assert (resumed.statuses()["ship"], resumed.statuses()["drop"]) == ("succeeded", "skipped")
    # The HTTP step that finished before the pause was not executed again.
    assert local_server.hits["/ok"] == 1
    assert resumed.step("fetch")["attempts"] == 1


async def test_a_rejection_takes_the_rejected_handle(run_workflow, clean_db, local_server) -> None:  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    first = await run_workflow(gated(local_server), {"what": "v3"}, allow_hosts=allow)
    decide_approval(clean_db, first.run_id, "review", approved=False, by="bo")
    resumed = await run_workflow({}, run_id=first.run_id, allow_hosts=allow)
    assert (resumed.statuses()["ship"], resumed.statuses()["drop"]) == ("skipped", "succeeded")


async def test_an_expired_approval_applies_on_timeout(run_workflow, local_server) -> None:  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    document = gated(local_server, timeout_s=0.2, on_timeout="approve")
    first = await run_workflow(document, {"what": "v4"}, allow_hosts=allow)
    assert first.view["status"] == "waiting"
    await asyncio.sleep(0.3)
    resumed = await run_workflow({}, run_id=first.run_id, allow_hosts=allow)
    assert resumed.step("review")["output"]["approved"] is True
    assert resumed.step("review")["output"]["by"] == "timeout"
    assert resumed.statuses()["ship"] == "succeeded"


async def test_deciding_a_step_that_is_not_waiting_is_refused(
    run_workflow, clean_db, local_server
) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from agentflow.services.runs import StepNotWaiting

    allow = (f"127.0.0.1:{local_server.port}",)
    first = await run_workflow(gated(local_server), {"what": "v5"}, allow_hosts=allow)
    with pytest.raises(StepNotWaiting):
        decide_approval(clean_db, first.run_id, "fetch", approved=True)


async def test_secrets_never_reach_step_records_in_clear(run_workflow, local_server) -> None:  # type: ignore[no-untyped-def]
    secret = "sk-live-0123456789abcdef"
    document = workflow(
        [
            {
                "id": "fetch",
                "type": "http",
                "config": {
                    "url": f"{local_server.base}/echo",
                    "headers": {"X-Api-Key": "{{ env.API_KEY }}"},
                },
            },
            {"id": "note", "type": "template", "config": {"template": "key={{ env.API_KEY }}"}},
        ],
        [("start", "fetch"), ("fetch", "note")],
        output={"note": "{{ nodes.note.output }}"},
    )
    ran = await run_workflow(
        document,
        secrets={"API_KEY": secret},
        allow_hosts=(f"127.0.0.1:{local_server.port}",),
    )
    assert ran.view["status"] == "succeeded"
    # The server did receive the real value...
    assert local_server.headers_seen[-1].get("X-Api-Key") == secret
    # ...but nothing stored says it.
    import json

    stored = json.dumps(ran.view)
    assert secret not in stored
    assert ran.step("note")["output"] == f"key={MASK}"
    assert ran.view["output"] == {"note": f"key={MASK}"}
