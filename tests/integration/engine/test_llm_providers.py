"""A model the instance does not allow: refused at publish and run, and again by the
step itself if the instance's policy changed after the run was created."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.llm import ModelPolicy, use_model_policy
from agentflow.services.runs.lifecycle import InvalidRunRequest, create_run
from agentflow.services.workflows.management import InvalidWorkflow, create_workflow, publish
from tests.integration.conftest import workflow

REFUSAL = (
    "config.model: model 'ollama/llama3' uses the provider ollama, which this instance has "
    "not enabled; an instance admin can allow a local model server with "
    "AGENTFLOW_LLM_LOCAL_SERVERS"
)


def ask_ollama() -> dict:  # type: ignore[type-arg]
    return workflow(
        [{"id": "ask", "type": "llm", "config": {"model": "ollama/llama3", "prompt": "hi"}}],
        [("start", "ask")],
    )


@pytest.fixture
def restore_policy() -> Iterator[None]:
    yield
    use_model_policy(None)


def test_a_refused_model_cannot_be_published_or_run(clean_db: str) -> None:
    with pytest.raises(InvalidRunRequest) as refused_run:
        create_run(clean_db, ask_ollama(), {}, org_id=LOCAL_ORG_ID)
    assert [p.to_dict() for p in refused_run.value.problems] == [
        {"node": "ask", "message": REFUSAL}
    ]
    workflow_id = create_workflow(
        clean_db, "Local model", document=ask_ollama(), org_id=LOCAL_ORG_ID
    )
    with pytest.raises(InvalidWorkflow) as refused_publish:
        publish(clean_db, workflow_id, message="first", org_id=LOCAL_ORG_ID)
    assert [p.to_dict() for p in refused_publish.value.problems] == [
        {"node": "ask", "message": REFUSAL}
    ]


async def test_the_step_checks_the_model_again_when_it_runs(
    run_workflow,  # type: ignore[no-untyped-def]
    clean_db: str,
    restore_policy: None,
) -> None:
    use_model_policy(ModelPolicy(local_servers={"ollama": "http://10.0.0.7:11434"}))
    run_id = create_run(clean_db, ask_ollama(), {}, org_id=LOCAL_ORG_ID)
    use_model_policy(None)  # the instance no longer allows the server
    ran = await run_workflow(ask_ollama(), run_id=run_id)
    assert ran.view["status"] == "failed"
    step = ran.step("ask")
    assert step["status"] == "failed"
    assert step["error"] == {
        "type": "validation",
        "message": REFUSAL.removeprefix("config.model: "),
    }
    assert step["attempts"] == 1
