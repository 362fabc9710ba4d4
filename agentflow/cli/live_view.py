"""The readable live view of ``agentflow run``: each step as it starts and ends."""

from __future__ import annotations

from typing import Any

import click

from agentflow.engine.ports import StepRecord

SYMBOLS = {
    "running": ("▶", "cyan"),
    "succeeded": ("✓", "green"),
    "failed": ("✗", "red"),
    "skipped": ("↷", "bright_black"),
    "waiting": ("⏸", "yellow"),
    "cancelled": ("■", "red"),
}


class LiveView:
    """A RunRecorder that prints instead of storing (used beside the durable one)."""

    def __init__(self) -> None:
        self._announced: set[tuple[str, int]] = set()

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        if step.status == "running":
            key = (step.node, step.attempts)
            if key in self._announced:
                return
            self._announced.add(key)
            retry = f" (attempt {step.attempts})" if step.attempts > 1 else ""
            self._line("running", f"{step.node}{retry}")
            return
        details = []
        if step.started_at and step.finished_at and step.status != "skipped":
            seconds = (step.finished_at - step.started_at).total_seconds()
            details.append(f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s")
        if step.cost_usd:
            details.append(f"${step.cost_usd:.6f}")
        if step.prompt_tokens or step.completion_tokens:
            details.append(f"{step.prompt_tokens}+{step.completion_tokens} tokens")
        if step.error:
            details.append(f"{step.error.type}: {step.error.message}")
        suffix = f"  {' · '.join(details)}" if details else ""
        self._line(step.status, f"{step.node}{suffix}")

    async def run_changed(self, run_id: str, status: Any, **details: Any) -> None:
        if status == "running":
            click.echo(click.style(f"run {run_id}", bold=True))
            return
        error = details.get("error")
        message = f"run {status}" + (f": {error.message}" if error else "")
        color = "green" if status == "succeeded" else "yellow" if status == "waiting" else "red"
        click.echo(click.style(message, fg=color, bold=True))

    @staticmethod
    def _line(status: str, text: str) -> None:
        symbol, color = SYMBOLS.get(status, ("·", "white"))
        click.echo(f"  {click.style(symbol, fg=color)} {text}")
