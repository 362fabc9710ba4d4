"""Secrets in nodes: sent whole by http requests, refused (by name) everywhere else.

The runs here use a recorder that does *not* mask, so they show that the
sandbox alone keeps secrets and their derived shapes out of what is stored;
the masker of the real recorder is a second line of defence on top.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from agentflow.engine.masking import MASK
from agentflow.engine.memory import MemoryRecorder
from agentflow.engine.run import RunExecution
from agentflow.spec.errors import ExpressionError
from agentflow.spec.models import Document
from tests.unit.engine_nodes.conftest import RUN_ID, make_ctx, make_deps, run_node

TOKEN = "tok-4f9a2c7e1b"
RECOVERABLE = (TOKEN, TOKEN[::-1], TOKEN.upper(), TOKEN[1:], " ".join(TOKEN), TOKEN + "a")
DERIVATIONS = [
    "{{ env.API_TOKEN[1:] }}",
    "{{ env.API_TOKEN | reverse }}",
    "{{ env.API_TOKEN | upper }}",
    "{{ env.API_TOKEN | list | join(' ') }}",
    "{{ env.API_TOKEN ~ 'a' }}",
]


def document(nodes: list[dict[str, Any]], output: Any = None) -> Document:
    raw: dict[str, Any] = {
        "format": "agentflow/v1",
        "name": "secrets",
        "nodes": [{"id": "start", "type": "trigger"}, *nodes],
        "edges": [{"source": "start", "target": node["id"]} for node in nodes],
    }
    if output is not None:
        raw["output"] = output
    return Document.model_validate(raw)


async def run(doc: Document, **deps: Any) -> tuple[Any, MemoryRecorder]:
    recorder = MemoryRecorder()
    engine_deps = make_deps(recorder=recorder, secrets={"API_TOKEN": TOKEN}, **deps)
    outcome = await RunExecution(doc, run_id=RUN_ID, deps=engine_deps).execute(
        {}, started_at=datetime.now(UTC)
    )
    return outcome, recorder


def assert_nothing_recoverable(recorder: MemoryRecorder) -> None:
    stored = recorder.stored()
    assert not [leak for leak in RECOVERABLE if leak in stored]


@pytest.mark.parametrize("template", DERIVATIONS)
async def test_a_set_node_deriving_from_a_secret_fails_naming_it(template):
    outcome, recorder = await run(
        document([{"id": "copy", "type": "set", "config": {"values": {"v": template}}}])
    )
    assert outcome.status == "failed"
    error = outcome.steps["copy"].error
    assert error is not None and error.type == "expression"
    assert error.message.startswith("the secret API_TOKEN can only be placed whole")
    assert_nothing_recoverable(recorder)


@pytest.mark.parametrize("template", [*DERIVATIONS, "{{ env.API_TOKEN }}", "k={{ env.API_TOKEN }}"])
async def test_the_run_output_cannot_carry_a_secret(template):
    outcome, recorder = await run(
        document([{"id": "noop", "type": "template", "config": {"template": "x"}}], template)
    )
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.type == "expression"
    assert outcome.error.message.startswith("output: the secret API_TOKEN")
    assert_nothing_recoverable(recorder)


@pytest.mark.parametrize(
    ("node_type", "config"),
    [
        ("template", {"template": "key={{ env.API_TOKEN }}"}),
        ("set", {"values": {"token": "{{ env.API_TOKEN }}"}}),
        ("condition", {"expression": "env.API_TOKEN == 'guess'"}),
        ("switch", {"value": "env.API_TOKEN", "cases": [{"name": "a", "equals": "x"}]}),
        ("delay", {"seconds": "{{ env.API_TOKEN | length }}"}),
        ("approval", {"message": "token {{ env.API_TOKEN }}"}),
    ],
)
async def test_fields_that_stay_in_the_system_refuse_secrets(node_type, config):
    ctx = make_ctx(deps=make_deps(secrets={"API_TOKEN": TOKEN}))
    with pytest.raises(ExpressionError, match="the secret API_TOKEN can only be placed whole"):
        await run_node(node_type, config, ctx)


ALLOWED = {"allow_hosts": ("127.0.0.1",)}


async def test_an_http_header_sends_the_real_secret_and_records_the_mask(http_base):
    ctx = make_ctx({"q": "x"}, deps=make_deps(secrets={"API_TOKEN": TOKEN}, **ALLOWED))
    config = {
        "method": "POST",
        "url": http_base + "/echo?key={{ env.API_TOKEN }}",
        "headers": {"Authorization": "Bearer {{ env.API_TOKEN }}"},
        "query": {"token": "{{ env.API_TOKEN }}", "q": "{{ input.q }}"},
        "body": {"secret": "{{ env.API_TOKEN }}", "text": "{{ input.q }}"},
    }
    echo = (await run_node("http", config, ctx))["body"]
    # The server received the real value everywhere it was placed...
    assert echo["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert echo["query"] == {"key": [TOKEN], "token": [TOKEN], "q": ["x"]}
    assert json.loads(echo["body"]) == {"secret": TOKEN, "text": "x"}
    # ...and the step's recorded input shows only the mask.
    assert ctx.resolved_input == {
        "method": "POST",
        "url": f"{http_base}/echo?key={MASK}",
        "headers": {"Authorization": f"Bearer {MASK}"},
        "query": {"token": MASK, "q": "x"},
        "body": {"secret": MASK, "text": "x"},
    }


async def test_a_run_through_http_stores_neither_the_secret_nor_a_derivation(http_base):
    doc = document(
        [
            {
                "id": "call",
                "type": "http",
                "config": {
                    "url": f"{http_base}/echo",
                    "headers": {"Authorization": "Bearer {{ env.API_TOKEN }}"},
                },
            }
        ],
        output={"status": "{{ nodes.call.output.status }}"},
    )
    outcome, recorder = await run(doc, **ALLOWED)
    assert outcome.status == "succeeded"
    assert outcome.output == {"status": 200}
    finished = recorder.steps[-1]
    assert finished.input["headers"] == {"Authorization": f"Bearer {MASK}"}
    # The echoed header is in the output (the real recorder masks it); the input is not.
    assert TOKEN not in json.dumps(finished.input)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headers", {"Authorization": "Bearer {{ env.API_TOKEN | reverse }}"}),
        ("headers", {"X-Key": "{{ env.API_TOKEN[1:] }}"}),
        ("query", {"k": "{{ env.API_TOKEN | upper }}"}),
        ("body", "{{ env.API_TOKEN | list | join(' ') }}"),
        ("url", "http://127.0.0.1:1/{{ 'x' ~ env.API_TOKEN }}"),
        ("method", "{{ env.API_TOKEN }}"),
    ],
)
async def test_an_http_node_still_refuses_derived_secrets(field, value):
    config: dict[str, Any] = {"url": "http://127.0.0.1:1/x", field: value}
    ctx = make_ctx(deps=make_deps(secrets={"API_TOKEN": TOKEN}, **ALLOWED))
    with pytest.raises(ExpressionError, match="the secret API_TOKEN can only be placed whole"):
        await run_node("http", config, ctx)
    assert ctx.resolved_input is None


async def test_an_http_error_message_shows_the_masked_url(http_base):
    from agentflow.engine.errors import NodeError

    ctx = make_ctx(deps=make_deps(secrets={"API_TOKEN": TOKEN}, **ALLOWED))
    config = {"url": http_base + "/status/404?key={{ env.API_TOKEN }}"}
    with pytest.raises(NodeError) as caught:
        await run_node("http", config, ctx)
    assert caught.value.message.startswith(f"GET {http_base}/status/404?key={MASK} returned 404")


async def test_a_secret_url_is_not_named_by_the_clients_errors():
    from agentflow.engine.errors import NodeError

    secret_url = "http://10.1.2.3/hooks/abc-very-secret"
    ctx = make_ctx(deps=make_deps(secrets={"HOOK_URL": secret_url}))
    with pytest.raises(NodeError) as caught:
        await run_node("http", {"url": "{{ env.HOOK_URL }}"}, ctx)
    assert caught.value.type == "blocked_address"
    assert caught.value.message == f"Refused to connect to {MASK}: private address"
    assert ctx.resolved_input["url"] == MASK
