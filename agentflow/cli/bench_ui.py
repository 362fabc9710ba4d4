"""``agentflow bench ui``: how the builder copes with large workflows, in real Chromium.

For each size (30, 300 and 1,000 nodes by default) it stores a generated,
valid workflow, opens it in the builder and measures:

* **first render**: from navigation start to the canvas showing the graph;
* **pan**: a 1.2 s drag across the canvas; the longest gap between two frames;
* **save**: from dropping a moved node to the indicator saying "Saved" (this
  includes the 0.6 s quiet period autosave waits for after the last change);
* **server save**: ``save_draft`` alone (store + validate), for comparison;
* **longest task**: the longest main-thread task over the whole session (a
  frozen page shows up here).

Medians over ``--repeat`` runs. Without ``--url`` it starts the app itself
(``agentflow up`` on a free port), otherwise it uses the running one and the
database that DATABASE_URL (or the embedded services) points to. Playwright and
Chromium are needed (the dev dependencies; ``make test`` installs Chromium).

:func:`run_ui_benchmark` does the work, so a ``bench`` group elsewhere can call it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import click

from agentflow.cli.common import wait_until_answering
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.canvas import auto_layout

DEFAULT_SIZES = (30, 300, 1000)
VIEWPORT = {"width": 1600, "height": 1000}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Frame gaps and long tasks, recorded in the page from its first script on.
PROBE = """
window.__bench = {longest: 0, frames: []};
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__bench.longest = Math.max(window.__bench.longest, entry.duration);
    }
  }).observe({type: "longtask", buffered: true});
} catch (e) {}
"""
# The head of the node nearest the canvas centre (where a person would grab one).
NODE_NEAR_CENTRE = """
() => { const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
  const cx = pane.x + pane.width / 2, cy = pane.y + pane.height / 2; let best = null, dist = 1e12;
  for (const node of document.querySelectorAll('.react-flow__node')) {
    const r = node.getBoundingClientRect(); const d = (r.x - cx) ** 2 + (r.y - cy) ** 2;
    if (d < dist) { dist = d; best = {x: r.x + r.width / 2, y: r.y + Math.min(6, r.height / 4)}; }
  }
  return best; }
"""
FRAMES_START = """
() => { window.__bench.frames = []; window.__bench.recording = true;
  const tick = (t) => { if (!window.__bench.recording) return;
    window.__bench.frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }
"""
FRAMES_STOP = """
() => { window.__bench.recording = false; const f = window.__bench.frames; let gap = 0;
  for (let i = 1; i < f.length; i++) gap = Math.max(gap, f[i] - f[i - 1]);
  return {gap: gap, frames: f.length}; }
"""


@dataclass
class SizeResult:
    nodes: int
    edges: int
    document_kib: float
    first_render_ms: float
    pan_max_frame_ms: float
    pan_fps: float
    save_ms: float
    server_save_ms: float
    longest_task_ms: float


def bench_document(size: int) -> dict[str, Any]:
    """A valid workflow of ``size`` nodes: a trigger fanning out to ten chains that mix
    set, template, condition and (mocked) LLM nodes, laid out left to right."""
    kinds = ("set", "template", "condition", "llm")
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "trigger", "name": "Start", "config": {"kind": "manual"}}
    ]
    edges: list[dict[str, Any]] = []
    for index in range(1, size):
        node_id = f"n{index}"
        kind = kinds[index % len(kinds)]
        previous = "start" if index <= 10 else f"n{index - 10}"
        configs: dict[str, dict[str, Any]] = {
            "set": {"values": {"i": index, "topic": "{{ input.topic }}"}},
            "template": {"template": f"Step {index}: {{{{ nodes.{previous}.output }}}}"},
            "condition": {"expression": f"nodes.{previous}.output != none"},
            "llm": {
                "model": "gpt-4o-mini",
                "prompt": "Hi {{ input.topic }}",
                "mock_response": "ok",
            },
        }
        config = configs[kind]
        if kind == "template" and previous == "start":
            config = {"template": "Step {{ input.topic }}"}
        if kind == "condition" and previous == "start":
            config = {"expression": "input.topic != ''"}
        nodes.append(
            {"id": node_id, "type": kind, "name": f"{kind.title()} {index}", "config": config}
        )
        edge: dict[str, Any] = {"source": previous, "target": node_id}
        if previous != "start" and kinds[(index - 10) % len(kinds)] == "condition":
            edge["source_handle"] = "true"
        edges.append(edge)
    document = {
        "format": "agentflow/v1",
        "name": f"Benchmark {size} nodes",
        "inputs": {"type": "object", "properties": {"topic": {"type": "string"}}},
        "nodes": nodes,
        "edges": edges,
    }
    return auto_layout(document, NODE_TYPES)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _started_app(database_url: str, redis_url: str) -> Iterator[str]:
    """``agentflow up`` on a free port, stopped like Ctrl-C afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AGENTFLOW_WEB_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "agentflow.cli", "up"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(
            url,
            timeout_s=900,
            exited=lambda: (
                None if process.poll() is None else "agentflow up exited during start-up"
            ),
        )
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def _measure_once(browser: Any, url: str, workflow_id: uuid.UUID, size: int) -> dict[str, float]:
    context = browser.new_context(base_url=url, viewport=VIEWPORT)
    context.add_init_script(PROBE)
    page = context.new_page()
    try:
        page.goto(f"/workflows/{workflow_id}")
        page.wait_for_function(
            f"""() => {{
              const canvas = document.querySelector('[data-testid="builder-canvas"]');
              return canvas && canvas.dataset.nodeCount === "{size}"
                && document.querySelectorAll('.react-flow__node').length > 0;
            }}""",
            timeout=120_000,
            polling="raf",
        )
        first_render = float(page.evaluate("() => performance.now()"))
        page.wait_for_timeout(500)  # let the initial fit settle

        pane = page.locator(".react-flow__pane").bounding_box()
        assert pane is not None
        x, y = pane["x"] + pane["width"] * 0.5, pane["y"] + 40
        page.evaluate(FRAMES_START)
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(60):  # about 1.2 s of panning
            page.mouse.move(x - step * 5, y + step * 3)
            page.wait_for_timeout(20)
        page.mouse.up()
        frames = page.evaluate(FRAMES_STOP)

        box = page.evaluate(NODE_NEAR_CENTRE)
        page.mouse.move(box["x"], box["y"])
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
        page.mouse.up()
        released = time.perf_counter()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"save-status\"]')"
            ".dataset.state !== 'saved'",
            timeout=10_000,
            polling="raf",
        )
        page.locator('[data-testid="save-status"][data-state="saved"]').wait_for(timeout=60_000)
        saved = (time.perf_counter() - released) * 1000
        longest = float(page.evaluate("() => window.__bench.longest"))
        return {
            "first_render_ms": first_render,
            "pan_max_frame_ms": float(frames["gap"]),
            "pan_fps": float(frames["frames"]) / 1.2,
            "save_ms": saved,
            "longest_task_ms": longest,
        }
    finally:
        context.close()


def run_ui_benchmark(
    *,
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    repeat: int = 3,
    url: str | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
    echo: Any = click.echo,
) -> list[SizeResult]:
    """Measure the builder for each size; starts the app when ``url`` is None."""
    from playwright.sync_api import sync_playwright

    from agentflow.cli.common import load_settings, service_urls
    from agentflow.devservices.resolve import stop_started
    from agentflow.services.workflows import management as workflows

    settings = load_settings()
    urls = service_urls(settings) if database_url is None or redis_url is None else None
    database_url = database_url or (urls.database_url if urls else "")
    redis_url = redis_url or (urls.redis_url if urls else "")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    results: list[SizeResult] = []
    try:
        with _app(url, database_url, redis_url) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for size in sizes:
                document = bench_document(size)
                workflow_id = workflows.create_workflow(
                    database_url, document["name"], document=document, org_id=LOCAL_ORG_ID
                )
                started = time.perf_counter()
                workflows.save_draft(database_url, workflow_id, document, org_id=LOCAL_ORG_ID)
                server_save = (time.perf_counter() - started) * 1000
                runs = []
                for attempt in range(repeat):
                    runs.append(_measure_once(browser, base_url, workflow_id, size))
                    echo(f"  {size} nodes, run {attempt + 1}/{repeat}: {runs[-1]}")
                workflows.delete(database_url, workflow_id, org_id=LOCAL_ORG_ID)
                median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                results.append(
                    SizeResult(
                        nodes=size,
                        edges=len(document["edges"]),
                        document_kib=round(len(json.dumps(document)) / 1024, 1),
                        server_save_ms=round(server_save, 1),
                        **{key: round(value, 1) for key, value in median.items()},
                    )
                )
            browser.close()
    finally:
        if urls is not None:
            stop_started(settings, urls)
    return results


@contextmanager
def _app(url: str | None, database_url: str, redis_url: str) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
    else:
        with _started_app(database_url, redis_url) as started:
            yield started


def _task(ms: float) -> str:
    # The browser reports only tasks over 50 ms ("long tasks").
    return "< 50 ms" if ms < 50 else f"{ms:,.0f} ms"


def markdown_table(results: list[SizeResult]) -> str:
    lines = [
        "| nodes | edges | document | first render | pan: longest frame | "
        "save (to “Saved”) | server save | longest task |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.nodes:,} | {r.edges:,} | {r.document_kib} KiB | {r.first_render_ms:,.0f} ms "
            f"| {r.pan_max_frame_ms:,.0f} ms | {r.save_ms:,.0f} ms "
            f"| {r.server_save_ms:,.0f} ms | {_task(r.longest_task_ms)} |"
        )
    return "\n".join(lines)


@click.command(
    "ui",
    help="Open 30, 300 and 1,000-node workflows in the builder (Chromium) and report time "
    "to first render, panning smoothness and time to save.",
)
@click.option("--url", default=None, help="A running AgentFlow (default: start one).")
@click.option(
    "--sizes", default=",".join(map(str, DEFAULT_SIZES)), show_default=True, help="Node counts."
)
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def bench_ui(url: str | None, sizes: str, repeat: int, as_json: bool) -> None:
    try:
        parsed = tuple(int(part) for part in sizes.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter("comma-separated integers, e.g. 30,300,1000") from None
    if not parsed or any(size < 2 or size > 1000 for size in parsed):
        raise click.BadParameter("sizes must be between 2 and 1000 (the format's limit)")
    results = run_ui_benchmark(
        sizes=parsed, repeat=repeat, url=url, echo=(lambda _: None) if as_json else click.echo
    )
    if as_json:
        click.echo(json.dumps([asdict(result) for result in results], indent=2))
    else:
        click.echo(markdown_table(results))
