"""map: item order under concurrency, the concurrency bound, failures, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from agentflow.engine.errors import NodeError
from agentflow.nodes.map import MAX_MAP_ITEMS
from agentflow.spec.models import SubflowBody
from tests.unit.engine_nodes.conftest import make_ctx, make_deps, run_node

BODY = {"nodes": [{"id": "t", "type": "template", "config": {"template": "{{ item }}"}}]}


class Bodies:
    """A real async body runner: sleeps, then echoes; tracks concurrency."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.running = 0
        self.peak = 0
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.scopes: list[Mapping[str, Any]] = []
        self.fail_at = fail_at

    async def __call__(self, body: SubflowBody, scope: Mapping[str, Any]) -> Any:
        assert body.nodes[0].id == "t"
        index = scope["index"]
        self.started.append(index)
        self.scopes.append(scope)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if index == self.fail_at:
                await asyncio.sleep(0.01)
                raise NodeError("http.status", "in step 't': GET x returned 404")
            # Earlier items take longer, so completion order is the reverse of item order.
            await asyncio.sleep(0.002 * (20 - index) if self.fail_at is None else 5)
            return {"item": scope["item"], "index": index}
        except asyncio.CancelledError:
            self.cancelled.append(index)
            raise
        finally:
            self.running -= 1


async def test_outputs_are_in_item_order_and_concurrency_is_bounded():
    bodies = Bodies()
    items = [f"x{i}" for i in range(12)]
    deps = make_deps(secrets={"TOKEN": "s3cret-value"})
    ctx = make_ctx({"list": items, "other": 1}, deps=deps, run_body=bodies)
    output = await run_node("map", {"items": "input.list", "concurrency": 3, "subflow": BODY}, ctx)
    assert output == [{"item": f"x{i}", "index": i} for i in range(12)]
    assert bodies.peak == 3
    scope = bodies.scopes[0]
    assert scope["input"] == {"list": items, "other": 1}  # the parent's input
    assert scope["nodes"] == {}
    assert scope["env"] is ctx.scope["env"]  # the run's secrets, still opaque
    assert scope["run"]["id"] == ctx.scope["run"]["id"]
    assert ctx.resolved_input == {"item_count": 12, "concurrency": 3}


async def test_an_empty_list_gives_an_empty_output():
    ctx = make_ctx({"list": []}, run_body=Bodies())
    assert await run_node("map", {"items": "input.list", "subflow": BODY}, ctx) == []


async def test_the_first_failure_cancels_the_rest_and_keeps_its_type():
    bodies = Bodies(fail_at=1)
    ctx = make_ctx({"list": list(range(10))}, run_body=bodies)
    with pytest.raises(NodeError) as caught:
        await run_node("map", {"items": "input.list", "concurrency": 2, "subflow": BODY}, ctx)
    assert caught.value.type == "http.status"
    assert caught.value.message.startswith("item 1: ")
    assert bodies.cancelled == [0]  # the other running item was interrupted
    assert sorted(bodies.started) == [0, 1]  # and no further item started
    assert bodies.running == 0


@pytest.mark.parametrize(("value", "kind"), [({"a": 1}, "dict"), ("abc", "str"), (None, "null")])
async def test_items_must_be_a_list(value, kind):
    with pytest.raises(NodeError) as caught:
        await run_node("map", {"items": "input.v", "subflow": BODY}, make_ctx({"v": value}))
    assert caught.value.type == "expression"
    assert caught.value.message == f"map items must be a list, got {kind}"


async def test_the_number_of_items_is_bounded():
    ctx = make_ctx({"n": MAX_MAP_ITEMS + 1}, run_body=Bodies())
    with pytest.raises(NodeError) as caught:
        await run_node("map", {"items": "range(input.n) | list", "subflow": BODY}, ctx)
    assert caught.value.type == "validation"
    assert "10,000" in caught.value.message
