"""Approval pause and resume, reuse of finished steps, and secret masking."""

from __future__ import annotations

import asyncio

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.engine.masking import MASK
from agentflow.services.runs.lifecycle import decide_approval
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

    decide_approval(
        clean_db, first.run_id, "review", approved=True, by="ana", comment="go", org_id=LOCAL_ORG_ID
    )
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
    decide_approval(clean_db, first.run_id, "review", approved=False, by="bo", org_id=LOCAL_ORG_ID)
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

    from agentflow.services.runs.lifecycle import StepNotWaiting

    allow = (f"127.0.0.1:{local_server.port}",)
    first = await run_workflow(gated(local_server), {"what": "v5"}, allow_hosts=allow)
    with pytest.raises(StepNotWaiting):
        decide_approval(clean_db, first.run_id, "fetch", approved=True, org_id=LOCAL_ORG_ID)


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
            # The API echoes the header back: what comes back is masked when stored.
            {
                "id": "note",
                "type": "template",
                "config": {"template": "key={{ nodes.fetch.output.body.headers['X-Api-Key'] }}"},
            },
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
    assert ran.step("fetch")["input"]["headers"] == {"X-Api-Key": MASK}
    assert ran.step("note")["output"] == f"key={MASK}"
    assert ran.view["output"] == {"note": f"key={MASK}"}


DERIVED = {
    "sliced": "{{ env.API_KEY[1:] }}",
    "reversed": "{{ env.API_KEY | reverse }}",
    "upper": "{{ env.API_KEY | upper }}",
    "spaced": "{{ env.API_KEY | list | join(' ') }}",
    "joined": "{{ env.API_KEY ~ 'a' }}",
}


async def test_no_expression_can_store_a_recoverable_copy_of_a_secret(run_workflow) -> None:  # type: ignore[no-untyped-def]
    """Masking replaces the exact value only; a derived copy must never be made at all."""
    import json

    secret = "sk-live-0123456789abcdef"
    recoverable = [secret, secret[::-1], secret.upper(), secret[1:], " ".join(secret)]
    document = workflow(
        [
            {
                "id": name,
                "type": "set",
                "config": {"values": {"v": template}},
                "on_error": "continue",
            }
            for name, template in DERIVED.items()
        ],
        [("start", name) for name in DERIVED],
        output={name: f"{{{{ nodes.{name}.output }}}}" for name in DERIVED},
    )
    ran = await run_workflow(document, secrets={"API_KEY": secret})
    assert ran.view["status"] == "succeeded"
    for name in DERIVED:
        error = ran.step(name)["output"]["error"]
        assert error["type"] == "expression", name
        assert error["message"].startswith("the secret API_KEY can only be placed whole"), name
    stored = json.dumps(ran.view)
    assert [leak for leak in recoverable if leak in stored] == []

    # The run output is no place for a secret either, whole or derived.
    for template in [*DERIVED.values(), "{{ env.API_KEY }}"]:
        ran = await run_workflow(
            workflow([], [], output={"copy": template}), secrets={"API_KEY": secret}
        )
        assert ran.view["status"] == "failed"
        assert ran.view["error"]["type"] == "expression"
        assert "the secret API_KEY" in ran.view["error"]["message"]
        assert [leak for leak in recoverable if leak in json.dumps(ran.view)] == []
