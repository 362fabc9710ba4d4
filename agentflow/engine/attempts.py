"""One step: its attempts, retries with backoff, per-attempt timeout and on_error."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agentflow.engine.context import BodyRunner, NodeContext
from agentflow.engine.errors import NodeError, Suspended, as_node_error
from agentflow.engine.ports import EngineDeps, RunRecorder, StepError, StepRecord
from agentflow.spec.models import DEFAULT_HANDLE, ERROR_HANDLE, Node
from agentflow.spec.node_types import NodeCatalog, NodeType


def utcnow() -> datetime:
    return datetime.now(UTC)


def node_type_of(node: Node, node_types: NodeCatalog) -> NodeType[Any]:
    node_type = node_types.get(node.type)
    if node_type is None:  # the validator refuses unknown types before a run starts
        raise NodeError("validation", f"unknown node type {node.type!r}")
    return node_type


def live_handles_after_success(node_type: NodeType[Any], config: Any, output: Any) -> list[str]:
    """Which of the node's handles the output makes live (a condition picks one)."""
    return list(node_type.output_handles(config, output))


def handles_after_continue(node_type: NodeType[Any], config: Any) -> list[str]:
    """``on_error: continue`` makes the step succeed without having chosen a branch.

    A node with a plain ``out`` handle passes its error object on through it; a
    branching node (condition, switch, approval) made no choice, so none of its
    branches is live and what only they feed is skipped.
    """
    handles = node_type.handles(config)
    return [DEFAULT_HANDLE] if DEFAULT_HANDLE in handles else []


class StepRunner:
    """Executes one node of one run and records every transition."""

    def __init__(
        self,
        *,
        run_id: str,
        deps: EngineDeps,
        recorder: RunRecorder,
        run_body: BodyRunner,
    ) -> None:
        self.run_id = run_id
        self.deps = deps
        self.recorder = recorder
        self.run_body = run_body

    async def run(
        self, node: Node, scope: Mapping[str, Any], previous: StepRecord | None
    ) -> StepRecord:
        record = StepRecord(node=node.id, status="running", started_at=utcnow())
        try:
            node_type = node_type_of(node, self.deps.node_types)
            config = node_type.parse_config(node.config)
        except Exception as exc:  # the validator should have caught it; fail clearly anyway
            return await self._finish_failed(node, None, None, record, as_node_error(exc))
        attempt = 0
        while True:
            attempt += 1
            record.attempts = attempt
            record.status = "running"
            await self.recorder.step_changed(self.run_id, record)
            ctx = NodeContext(
                run_id=self.run_id,
                node_id=node.id,
                attempt=attempt,
                scope=scope,
                deps=self.deps,
                run_body=self.run_body,
                wait_until=previous.wait_until if previous else None,
            )
            try:
                async with asyncio.timeout(node.timeout_s):
                    output = await node_type.execute(config, ctx)
            except Suspended as waiting:
                return await self._record(
                    record, ctx, status="waiting", output=None, wait_until=waiting.wait_until
                )
            except TimeoutError:
                error = NodeError(
                    "timeout", f"the attempt took longer than {node.timeout_s:g} s", retryable=True
                )
            except asyncio.CancelledError:
                record.status = "cancelled"
                record.error = StepError("cancelled", "the run was cancelled")
                record.finished_at = utcnow()
                await asyncio.shield(self.recorder.step_changed(self.run_id, record))
                raise
            except Exception as exc:
                error = as_node_error(exc)
            else:
                record.handles = live_handles_after_success(node_type, config, output)
                return await self._record(record, ctx, status="succeeded", output=output)
            record.input = ctx.resolved_input
            self._add_usage(record, ctx)
            if error.retryable and attempt < node.retry.max_attempts:
                await asyncio.sleep(node.retry.delay_before_attempt(attempt + 1))
                continue
            return await self._finish_failed(node, node_type, config, record, error)

    @staticmethod
    def _add_usage(record: StepRecord, ctx: NodeContext) -> None:
        record.prompt_tokens += ctx.usage.prompt_tokens
        record.completion_tokens += ctx.usage.completion_tokens
        record.cost_usd += ctx.usage.cost_usd
        record.model = ctx.usage.model or record.model
        record.provider = ctx.usage.provider or record.provider

    async def _record(
        self,
        record: StepRecord,
        ctx: NodeContext,
        *,
        status: Any,
        output: Any,
        wait_until: datetime | None = None,
    ) -> StepRecord:
        record.status = status
        record.output = output
        record.input = ctx.resolved_input
        record.wait_until = wait_until
        record.error = None
        self._add_usage(record, ctx)
        if status != "waiting":
            record.finished_at = utcnow()
        await self.recorder.step_changed(self.run_id, record)
        return record

    async def _finish_failed(
        self,
        node: Node,
        node_type: NodeType[Any] | None,
        config: Any,
        record: StepRecord,
        error: NodeError,
    ) -> StepRecord:
        step_error = StepError(error.type, error.message)
        record.finished_at = utcnow()
        if node.on_error == "continue":
            record.status = "succeeded"
            record.output = {"error": step_error.as_dict()}
            record.error = None
            record.handles = (
                handles_after_continue(node_type, config)
                if node_type is not None and config is not None
                else []
            )
        else:
            record.status = "failed"
            record.error = step_error
            record.output = None
            record.handles = [ERROR_HANDLE] if node.on_error == "route" else []
        await self.recorder.step_changed(self.run_id, record)
        return record
