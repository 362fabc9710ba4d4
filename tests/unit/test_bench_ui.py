"""`agentflow bench ui`: its generated workflows and its command line (the browser part
runs in `agentflow bench ui` itself; see docs/benchmarks.md, section Builder (UI))."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from agentflow.cli import cli
from agentflow.cli.bench_ui import SizeResult, bench_document, markdown_table
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.validation import validate_document


@pytest.mark.parametrize("size", [2, 30, 300, 1000])
def test_generated_workflows_are_valid_and_laid_out(size: int) -> None:
    document = bench_document(size)
    assert len(document["nodes"]) == size
    assert validate_document(document, NODE_TYPES) == []
    assert all("position" in node for node in document["nodes"])
    types = {node["type"] for node in document["nodes"]}
    assert "trigger" in types
    if size >= 5:
        assert types >= {"set", "template", "condition", "llm"}


def test_the_command_is_registered_under_bench() -> None:
    result = CliRunner().invoke(cli, ["bench", "ui", "--help"])
    assert result.exit_code == 0
    assert "first render" in result.output


@pytest.mark.parametrize("sizes", ["abc", "1", "1001", ""])
def test_sizes_are_checked_before_anything_starts(sizes: str) -> None:
    result = CliRunner().invoke(cli, ["bench", "ui", "--sizes", sizes])
    assert result.exit_code == 2
    assert "sizes" in result.output.lower() or "integers" in result.output


def test_the_markdown_table() -> None:
    row = SizeResult(300, 299, 59.0, 1219.4, 50.2, 155.0, 1062.3, 123.0, 503.0)
    table = markdown_table([row])
    assert "| 300 | 299 | 59.0 KiB | 1,219 ms | 50 ms | 1,062 ms | 123 ms | 503 ms |" in table
    assert markdown_table([SizeResult(30, 29, 5.7, 1, 1, 1, 1, 1, 0.0)]).endswith("| < 50 ms |")
