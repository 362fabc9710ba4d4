"""Execute a whole run: deadline, cancellation, waiting, and the run's output."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentflow.engine.attempts import StepRunner, utcnow
from agentflow.engine.errors import NodeError, as_node_error
from agentflow.engine.ports import EngineDeps, RunStatus, StepError, StepRecord
from agentflow.engine.scheduler import GraphScheduler, GraphState, failure_error
from agentflow.spec.expressions import build_scope, render_template, render_value
from agentflow.spec.graph import Graph
from agentflow.spec.models import Document, Node, SubflowBody


@dataclass
class RunOutcome:
    status: RunStatus
    output: Any
    error: StepError | None
    steps: dict[str, StepRecord]


class _BodyRecorder:
    """Steps inside a map or subflow body are part of their parent step, not rows of
    their own: the parent step records the body's output (or its error)."""

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        return None

    async def run_changed(self, run_id: str, status: RunStatus, **_: Any) -> None:
        return None


def graph_output(spec: Any, nodes: list[Node], edges: Any, state: GraphState, scope: Any) -> Any:
    """The ``output`` template's value, or the sink nodes' outputs keyed by id."""
    full_scope = {**scope, "nodes": {k: {"output": v} for k, v in state.outputs().items()}}
    if spec is None:
        graph = Graph.of(SubflowBody(nodes=nodes, edges=edges))
        finished = state.outputs()
        return {node: finished[node] for node in graph.sink_nodes() if node in finished}
    if isinstance(spec, str):
        return render_template(spec, full_scope)
    return render_value(spec, full_scope)


class RunExecution:
    def __init__(self, document: Document, *, run_id: str, deps: EngineDeps) -> None:
        self.document = document
        self.run_id = run_id
        self.deps = deps

    def _steps(self, recorder: Any) -> StepRunner:
        return StepRunner(
            run_id=self.run_id, deps=self.deps, recorder=recorder, run_body=self.run_body
        )

    async def run_body(self, body: SubflowBody, scope: Mapping[str, Any]) -> Any:
        """Run an inline body in memory and return its output; its failure is ours."""
        scheduler = GraphScheduler(
            body.nodes,
            body.edges,
            max_parallel=self.document.settings.max_parallel,
            steps=self._steps(_BodyRecorder()),
            base_scope=scope,
        )
        state = await scheduler.run()
        if state.failure is not None and state.failure.error is not None:
            error = state.failure.error
            raise NodeError(error.type, f"in step {state.failure.node!r}: {error.message}")
        if state.waiting:
            raise NodeError("validation", "an approval cannot wait inside a map or subflow body")
        return graph_output(body.output, body.nodes, body.edges, state, scope)

    async def execute(
        self,
        run_input: Any,
        *,
        started_at: datetime,
        executed_s: float | None = None,
        previous: Mapping[str, StepRecord] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> RunOutcome:
        """Execute or resume the run.

        The deadline (``settings.timeout_s``) measures time spent executing:
        ``executed_s`` is how much of it earlier executions used, excluding the time
        the run waited for a person or for a delay that freed its worker (those waits
        are bounded by the approval's ``timeout_s`` / ``on_timeout`` and the delay
        itself). Without it, all the time since ``started_at`` counts.
        """
        recorder = self.deps.recorder
        await recorder.run_changed(self.run_id, "running")
        scope = build_scope(
            run_input=run_input,
            secrets=self.deps.secrets,
            run_id=self.run_id,
            started_at=started_at,
        )
        scheduler = GraphScheduler(
            self.document.nodes,
            self.document.edges,
            max_parallel=self.document.settings.max_parallel,
            steps=self._steps(recorder),
            base_scope=scope,
            previous=previous,
        )
        elapsed = (utcnow() - started_at).total_seconds() if executed_s is None else executed_s
        remaining = max(0.0, self.document.settings.timeout_s - elapsed)
        outcome = await self._supervise(scheduler, remaining, cancel, scope)
        await recorder.run_changed(
            self.run_id, outcome.status, output=outcome.output, error=outcome.error
        )
        return outcome

    async def _supervise(
        self,
        scheduler: GraphScheduler,
        remaining_s: float,
        cancel: asyncio.Event | None,
        scope: Mapping[str, Any],
    ) -> RunOutcome:
        work = asyncio.create_task(scheduler.run())
        watchers = [work]
        cancel_wait = asyncio.create_task(cancel.wait()) if cancel else None
        if cancel_wait:
            watchers.append(cancel_wait)  # type: ignore[arg-type]
        done, _ = await asyncio.wait(watchers, timeout=remaining_s, return_when="FIRST_COMPLETED")
        if cancel_wait and not cancel_wait.done():
            cancel_wait.cancel()
        records = scheduler.state.records
        if work not in done:
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            if cancel_wait in done:
                return RunOutcome(
                    "cancelled", None, StepError("cancelled", "the run was cancelled"), records
                )
            timeout = self.document.settings.timeout_s
            error = StepError("timeout", f"the run took longer than its {timeout:g} s deadline")
            return RunOutcome("timed_out", None, error, records)
        state = work.result()
        if state.failure is not None:
            return RunOutcome("failed", None, failure_error(state), records)
        if state.waiting:
            return RunOutcome("waiting", None, None, records)
        try:
            output = graph_output(
                self.document.output, self.document.nodes, self.document.edges, state, scope
            )
        except Exception as exc:
            cause = as_node_error(exc)
            return RunOutcome(
                "failed", None, StepError(cause.type, f"output: {cause.message}"), records
            )
        return RunOutcome("succeeded", output, None, records)
