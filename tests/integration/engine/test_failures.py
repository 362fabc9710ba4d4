"""Retries, both timeouts, on_error modes, cancellation and the SSRF guard."""

from __future__ import annotations

import asyncio

from agentflow.db.models import LOCAL_ORG_ID
from tests.integration.conftest import LocalServer, workflow

FAST_RETRY = {"max_attempts": 3, "backoff_s": 0.05, "backoff_factor": 2, "max_backoff_s": 1}


def call(url: str, **node: object) -> dict:  # type: ignore[type-arg]
    return workflow(
        [{"id": "fetch", "type": "http", "config": {"method": "GET", "url": url}, **node}],
        [("start", "fetch")],
    )


async def test_retryable_errors_are_retried_until_success(run_workflow, local_server: LocalServer):  # type: ignore[no-untyped-def]
    url = f"{local_server.base}/flaky/a/2"
    ran = await run_workflow(
        call(url, retry=FAST_RETRY), allow_hosts=(f"127.0.0.1:{local_server.port}",)
    )
    step = ran.step("fetch")
    assert (ran.view["status"], step["status"], step["attempts"]) == ("succeeded", "succeeded", 3)
    assert local_server.hits["/flaky/a/2"] == 3
    assert step["output"]["status"] == 200


async def test_retries_stop_at_max_attempts(run_workflow, local_server: LocalServer):  # type: ignore[no-untyped-def]
    url = f"{local_server.base}/flaky/b/5"
    ran = await run_workflow(
        call(url, retry=FAST_RETRY), allow_hosts=(f"127.0.0.1:{local_server.port}",)
    )
    step = ran.step("fetch")
    assert (ran.view["status"], step["status"], step["attempts"]) == ("failed", "failed", 3)
    assert step["error"]["type"].startswith("http")
    assert local_server.hits["/flaky/b/5"] == 3


async def test_non_retryable_errors_fail_at_once(run_workflow, local_server: LocalServer):  # type: ignore[no-untyped-def]
    ran = await run_workflow(
        call(f"{local_server.base}/status/404", retry=FAST_RETRY),
        allow_hosts=(f"127.0.0.1:{local_server.port}",),
    )
    assert ran.step("fetch")["attempts"] == 1
    assert local_server.hits["/status/404"] == 1
    assert ran.view["error"]["type"].startswith("http")


async def test_an_attempt_over_its_timeout_is_a_retryable_timeout(run_workflow):  # type: ignore[no-untyped-def]
    document = workflow(
        [
            {
                "id": "slow",
                "type": "delay",
                "config": {"seconds": 5},
                "timeout_s": 0.2,
                "retry": {"max_attempts": 2, "backoff_s": 0.01},
            }
        ],
        [("start", "slow")],
    )
    ran = await run_workflow(document)
    step = ran.step("slow")
    assert (step["status"], step["attempts"], step["error"]["type"]) == ("failed", 2, "timeout")
    assert ran.view["status"] == "failed"


async def test_the_run_deadline_times_the_run_out(run_workflow):  # type: ignore[no-untyped-def]
    document = workflow(
        [{"id": "slow", "type": "delay", "config": {"seconds": 10}}],
        [("start", "slow")],
        settings={"timeout_s": 0.3},
    )
    ran = await run_workflow(document)
    assert ran.view["status"] == "timed_out"
    assert ran.view["error"]["type"] == "timeout"
    assert ran.step("slow")["status"] == "cancelled"


def failing_with(on_error: str, server: LocalServer) -> dict:  # type: ignore[type-arg]
    nodes = [
        {
            "id": "fetch",
            "type": "http",
            "config": {"url": f"{server.base}/status/404"},
            "on_error": on_error,
        },
        {"id": "use", "type": "template", "config": {"template": "got {{ nodes.fetch.output }}"}},
    ]
    edges = [("start", "fetch"), ("fetch", "use")]
    if on_error == "route":
        nodes.append(
            {
                "id": "recover",
                "type": "template",
                "config": {"template": "recovered from {{ nodes.fetch.output.error.type }}"},
            }
        )
        edges.append(("fetch", "recover", "error"))
    return workflow(nodes, edges)


async def test_on_error_continue_succeeds_with_the_error_as_output(run_workflow, local_server):  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    ran = await run_workflow(failing_with("continue", local_server), allow_hosts=allow)
    fetch = ran.step("fetch")
    assert fetch["status"] == "succeeded"
    assert fetch["output"]["error"]["type"].startswith("http")
    assert ran.statuses()["use"] == "succeeded"
    assert ran.view["status"] == "succeeded"


async def test_on_error_route_fails_the_step_but_follows_the_error_handle(
    run_workflow, local_server
):  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    ran = await run_workflow(failing_with("route", local_server), allow_hosts=allow)
    statuses = ran.statuses()
    assert (statuses["fetch"], statuses["use"], statuses["recover"]) == (
        "failed",
        "skipped",
        "succeeded",
    )
    assert ran.step("recover")["output"].startswith("recovered from http")
    assert ran.view["status"] == "succeeded"  # every failure was handled


async def test_on_error_fail_fails_the_run(run_workflow, local_server):  # type: ignore[no-untyped-def]
    allow = (f"127.0.0.1:{local_server.port}",)
    ran = await run_workflow(failing_with("fail", local_server), allow_hosts=allow)
    assert ran.view["status"] == "failed"
    assert "fetch" in ran.view["error"]["message"]
    assert "use" not in ran.statuses()  # never started


async def test_cancellation_interrupts_running_steps(run_workflow, clean_db):  # type: ignore[no-untyped-def]
    from agentflow.services.runs.lifecycle import create_run

    document = workflow(
        [{"id": "slow", "type": "delay", "config": {"seconds": 30}}], [("start", "slow")]
    )
    run_id = create_run(clean_db, document, {}, org_id=LOCAL_ORG_ID)
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, cancel.set)
    ran = await run_workflow(document, run_id=run_id, cancel=cancel)
    assert ran.view["status"] == "cancelled"
    assert ran.step("slow")["status"] == "cancelled"
    assert ran.step("slow")["error"]["type"] == "cancelled"


async def test_a_local_server_is_unreachable_unless_allowed(run_workflow, local_server):  # type: ignore[no-untyped-def]
    blocked = await run_workflow(call(f"{local_server.base}/ok"))
    assert blocked.step("fetch")["error"]["type"] == "blocked_address"
    assert local_server.hits["/ok"] == 0
    allowed = await run_workflow(
        call(f"{local_server.base}/ok"), allow_hosts=(f"127.0.0.1:{local_server.port}",)
    )
    assert allowed.step("fetch")["output"]["body"] == {"ok": True, "path": "/ok"}
    assert local_server.hits["/ok"] == 1
