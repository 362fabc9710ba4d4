"""LLM usage and cost roll up to the run (a real reply priced, a mocked one free); a
subflow can call a stored workflow."""

from __future__ import annotations

import copy

import pytest

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.llm import ModelPolicy
from agentflow.services.workflows.management import create_workflow, publish
from tests.integration.conftest import workflow
from tests.llm_servers import ModelServer, fake_dns, instance_policy, model_server  # noqa: F401


def classify_then_branch() -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {
                "id": "classify",
                "type": "llm",
                "config": {
                    "model": "gpt-4o-mini",
                    "prompt": "Is this urgent? {{ input.ticket }}",
                    "mock_response": '{"urgent": true}',
                    "response_format": "json",
                },
            },
            {
                "id": "urgent",
                "type": "condition",
                "config": {"expression": "nodes.classify.output.json.urgent"},
            },
            {"id": "page", "type": "set", "config": {"values": {"action": "page on-call"}}},
            {"id": "queue", "type": "set", "config": {"values": {"action": "queue"}}},
        ],
        [
            ("start", "classify"),
            ("classify", "urgent"),
            ("urgent", "page", "true"),
            ("urgent", "queue", "false"),
        ],
    )


@pytest.fixture
def openai_at_model_server(model_server: ModelServer, instance_policy, fake_dns) -> dict:  # type: ignore[no-untyped-def]  # noqa: F811
    """The run's OpenAI access: an org key, and the local server as OpenAI's API."""
    host = f"http://models.internal:{model_server.port}"
    instance_policy(ModelPolicy(local_servers={"hosted_vllm": host}))
    model_server.reply = '{"urgent": true}'
    return {"openai": {"api_key": "sk-org-key-0123456789", "api_base": f"{host}/v1"}}


async def test_llm_usage_and_cost_are_recorded_per_step_and_totalled(  # type: ignore[no-untyped-def]
    run_workflow, openai_at_model_server
) -> None:
    document = copy.deepcopy(classify_then_branch())
    del document["nodes"][1]["config"]["mock_response"]  # a real call, priced
    ran = await run_workflow(
        document, {"ticket": "prod is down"}, model_access=openai_at_model_server
    )
    assert ran.view["status"] == "succeeded"
    classify = ran.step("classify")
    assert classify["output"]["json"] == {"urgent": True}
    assert (classify["prompt_tokens"], classify["completion_tokens"]) == (3, 4)
    # gpt-4o-mini at $0.15 and $0.60 per million tokens; the run record keeps 6 decimals.
    assert classify["cost_usd"] == pytest.approx(3 * 0.15e-6 + 4 * 0.60e-6, abs=1e-6)
    assert classify["cost_usd"] > 0
    assert ran.view["cost_usd"] == classify["cost_usd"]
    assert ran.view["prompt_tokens"] == classify["prompt_tokens"]
    assert ran.view["output"] == {"page": {"action": "page on-call"}}
    assert ran.statuses()["queue"] == "skipped"


async def test_a_mocked_reply_costs_the_run_nothing(run_workflow) -> None:  # type: ignore[no-untyped-def]
    ran = await run_workflow(classify_then_branch(), {"ticket": "prod is down"})
    classify = ran.step("classify")
    assert classify["output"]["json"] == {"urgent": True}
    assert classify["output"]["mocked"] is True
    assert classify["completion_tokens"] > 0
    assert classify["cost_usd"] == 0.0 and ran.view["cost_usd"] == 0.0


def call_stored(reference: str) -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {
                "id": "call",
                "type": "subflow",
                "config": {"workflow": reference, "input": {"word": "{{ input.w }}"}},
            }
        ],
        [("start", "call")],
        output="{{ nodes.call.output }}",
    )


async def test_a_subflow_runs_a_stored_workflow_by_name_and_by_id(run_workflow, clean_db) -> None:  # type: ignore[no-untyped-def]
    child = workflow(
        [{"id": "shout", "type": "template", "config": {"template": "{{ input.word | upper }}!"}}],
        [("start", "shout")],
        output="{{ nodes.shout.output }}",
    )
    child_id = create_workflow(clean_db, "Shouter", document=child, org_id=LOCAL_ORG_ID)
    unpublished = await run_workflow(call_stored("Shouter"), {"w": "hey"})
    assert unpublished.step("call")["error"]["message"].endswith("has no published version yet")
    publish(clean_db, child_id, message="first", org_id=LOCAL_ORG_ID)
    for reference in ("Shouter", str(child_id)):
        ran = await run_workflow(call_stored(reference), {"w": "hey"})
        assert ran.view["output"] == "HEY!", reference


async def test_a_missing_stored_workflow_is_a_validation_error(run_workflow) -> None:  # type: ignore[no-untyped-def]
    parent = workflow(
        [{"id": "call", "type": "subflow", "config": {"workflow": "Nope", "input": {}}}],
        [("start", "call")],
    )
    ran = await run_workflow(parent, {})
    assert ran.view["status"] == "failed"
    assert ran.step("call")["error"]["type"] == "validation"
    assert "Nope" in ran.step("call")["error"]["message"]
