"""``map``: runs an inline subflow body once per item of a list.

Inside the body ``item`` and ``index`` are in scope and ``input`` is the
parent run's input; body nodes cannot reference the parent's nodes (pass what
they need through ``items``). The output is the list of body outputs, in
item order.

Execution: at most ``concurrency`` bodies run at once (and each body's nodes
share the run's ``max_parallel`` per body). ``items`` must evaluate to a list
of at most ``MAX_MAP_ITEMS`` elements (a ``validation`` error otherwise; not a
list is an ``expression`` error). The first failing item cancels the others
and fails the node with the body's error type, its message prefixed with the
item index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import NodeError
from agentflow.nodes.runtime import body_failure, body_scope
from agentflow.spec.expressions import evaluate_expression
from agentflow.spec.models import SubflowBody
from agentflow.spec.node_types import EXPRESSION, SUBFLOW, NodeConfig, NodeType

MAX_MAP_ITEMS = 10_000


class MapConfig(NodeConfig):
    items: str = Field(
        min_length=1,
        title="Items",
        description="Expression giving the list to map over, e.g. input.tickets.",
        json_schema_extra=EXPRESSION,
    )
    concurrency: int = Field(
        4, ge=1, le=64, title="Items at once", description="Items processed at once."
    )
    subflow: SubflowBody = Field(
        title="Steps for each item",
        description="The body run for each item: nodes, edges and output.",
        json_schema_extra=SUBFLOW,
    )


class MapNode(NodeType[MapConfig]):
    type = "map"
    title = "Map"
    description = "Runs a subflow for every item of a list and collects the results."
    icon = "repeat"
    config_model = MapConfig
    body_scope_names = frozenset({"item", "index"})

    async def execute(self, config: MapConfig, ctx: NodeContext) -> list[Any]:
        items = evaluate_expression(config.items, ctx.scope)
        if not isinstance(items, list):
            kind = "null" if items is None else type(items).__name__
            raise NodeError("expression", f"map items must be a list, got {kind}")
        if len(items) > MAX_MAP_ITEMS:
            raise NodeError(
                "validation",
                f"map items has {len(items):,} elements; the limit is {MAX_MAP_ITEMS:,}",
            )
        ctx.resolved_input = {"item_count": len(items), "concurrency": config.concurrency}

        async def run_item(index: int) -> Any:
            scope = body_scope(ctx.scope, input=ctx.scope["input"], item=items[index], index=index)
            try:
                return await ctx.run_body(config.subflow, scope)
            except Exception as exc:
                raise body_failure(exc, f"item {index}") from None

        return await run_bounded(len(items), config.concurrency, run_item)


async def run_bounded(
    count: int, concurrency: int, run_one: Callable[[int], Awaitable[Any]]
) -> list[Any]:
    """``[await run_one(i) for i in range(count)]`` with at most ``concurrency`` at once.

    Results are in index order. The first exception cancels the calls still
    running, and no new one starts; it is then raised.
    """
    results: list[Any] = [None] * count
    indexes = iter(range(count))
    failures: list[BaseException] = []

    async def worker() -> None:
        for index in indexes:  # shared by the workers: each index is taken once
            if failures:
                return
            try:
                results[index] = await run_one(index)
            except Exception as exc:
                failures.append(exc)
                raise

    workers = [asyncio.create_task(worker()) for _ in range(min(concurrency, count))]
    try:
        if workers:
            await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        if failures:
            raise failures[0]
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return results


MAP = MapNode()
